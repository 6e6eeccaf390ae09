// The explorer's state: the function and its parameters, the x range, the drawing options (the
// highest derivative drawn, the precision computed in and the grid), the expression and the
// compared curves, with the catalogue they refer to. Read `state` freely; change it only through the functions below. The
// address keeps it (#fn=elu&alpha=0.5&x_min=-3&order=2...), so that a view can be shared.

import { LANGUAGES, browserLanguage } from "./i18n.js";
import { query } from "./util.js";

const MAX_CURVES = 8;
// The highest derivative the API draws (order=0..3: f alone, then f′, f″ and f‴ as well).
export const MAX_ORDER = 3;
const DEFAULT_ORDER = 1;
// The precisions the API computes in: float64 (exact, the default) and those whose rounding it
// shows, as PyTorch's CPU kernels compute in them. Derivatives above f′ are float64 only.
export const DTYPES = ["float64", "float32", "float16", "bfloat16"];
export const DEFAULT_DTYPE = "float64";
// The highest order computed in another precision than float64.
export const LOW_PRECISION_MAX_ORDER = 1;

export const state = {
  fn: "relu",
  params: {},
  x_min: -5,
  x_max: 5,
  // The highest derivative drawn and read under the cursor: 0 is f alone, 1 adds f′, 2 f″, 3 f‴.
  order: DEFAULT_ORDER,
  // The precision f and f′ are computed in: one of DTYPES.
  dtype: DEFAULT_DTYPE,
  grid: true,
  // The page's language: the browser's, or the one chosen (then kept in the address).
  lang: "en",
  langChosen: false,
  expr: "",
  curves: [],
  // From the service: every function by name, how many curves one comparison may hold and the
  // highest order its plots draw (1 for a server that only knows derivative=true/false).
  catalogue: new Map(),
  maxCurves: MAX_CURVES,
  maxOrder: MAX_ORDER,
  // The precisions the server computes in (float64 alone for a server without dtype=).
  dtypes: [DEFAULT_DTYPE],
};

// ---------------------------------------------------------------------------------------------
// Changes

// dtypes: the precisions the server lists for dtype= (in DTYPES' order; unknown ones left out).
export function setCatalogue(functions, maxCurves, maxOrder, dtypes = []) {
  if (Number.isInteger(maxCurves)) state.maxCurves = maxCurves;
  if (Number.isInteger(maxOrder)) state.maxOrder = Math.max(0, Math.min(MAX_ORDER, maxOrder));
  state.dtypes = DTYPES.filter((dtype) => dtype === DEFAULT_DTYPE || dtypes.includes(dtype));
  for (const info of functions) state.catalogue.set(info.name, info);
}

// Another function starts from its own defaults.
export function selectFunction(fn) {
  state.fn = fn;
  state.params = {};
}

export function resetParams() {
  state.params = {};
}

export function setParam(name, value) {
  state.params[name] = value;
}

// name: "x_min" or "x_max"
export function setRange(name, value) {
  state[name] = value;
}

// The highest order that can be drawn now: what the server draws, and at most f′ in a precision
// other than float64 (the API refuses higher orders there).
export function orderLimit() {
  return state.dtype === DEFAULT_DTYPE ? state.maxOrder : Math.min(state.maxOrder, LOW_PRECISION_MAX_ORDER);
}

// order: 0 to orderLimit(); anything else is brought into that range.
export function setOrder(order) {
  state.order = Math.min(orderLimit(), Number.isInteger(order) ? Math.max(0, order) : DEFAULT_ORDER);
}

// dtype: one of state.dtypes (anything else is float64); the order falls back to what it allows.
export function setDtype(dtype) {
  state.dtype = state.dtypes.includes(dtype) ? dtype : DEFAULT_DTYPE;
  setOrder(state.order);
}

// The language from the address (#lang=ja), or else the browser's; before anything is shown.
export function loadLanguage() {
  const chosen = new URLSearchParams(window.location.hash.slice(1)).get("lang");
  state.langChosen = LANGUAGES.includes(chosen);
  state.lang = state.langChosen ? chosen : browserLanguage();
}

// The reader's choice, which the address keeps from now on.
export function chooseLanguage(lang) {
  state.lang = LANGUAGES.includes(lang) ? lang : "en";
  state.langChosen = true;
}

export function setGrid(on) {
  state.grid = on;
}

export function setExpression(text) {
  state.expr = text;
}

// curve: {f, label}, where f is what the compare endpoints take (a name, a call or an expression).
export function addCurve(curve) {
  state.curves.push(curve);
}

export function removeCurve(index) {
  state.curves.splice(index, 1);
}

// ---------------------------------------------------------------------------------------------
// Read from the state

export function activation() {
  return state.catalogue.get(state.fn);
}

// The parameters that differ from their defaults, as query pairs.
export function paramPairs() {
  const info = activation();
  if (!info) return [];
  return info.params
    .filter((p) => state.params[p.name] !== undefined && state.params[p.name] !== p.default)
    .map((p) => [p.name, state.params[p.name]]);
}

// The precision as query pairs: nothing for float64, the default.
export function dtypePairs() {
  return state.dtype === DEFAULT_DTYPE ? [] : [["dtype", state.dtype]];
}

export function rangePairs() {
  return [
    ["x_min", state.x_min],
    ["x_max", state.x_max],
  ];
}

export function paramsText() {
  return paramPairs()
    .map(([key, value]) => `${key}=${typeof value === "string" ? JSON.stringify(value) : value}`)
    .join(", ");
}

// The function with its current parameters, as a curve for the comparison.
export function currentCurve() {
  const extra = paramsText();
  const info = activation();
  return {
    f: extra ? `${state.fn}(x, ${extra})` : state.fn,
    label: extra ? `${info.label} (${extra})` : info.label,
  };
}

// ---------------------------------------------------------------------------------------------
// The address: only what differs from the defaults is written

export function saveHash() {
  const pairs = [["fn", state.fn], ...paramPairs()];
  if (state.x_min !== -5) pairs.push(["x_min", state.x_min]);
  if (state.x_max !== 5) pairs.push(["x_max", state.x_max]);
  if (state.order !== DEFAULT_ORDER) pairs.push(["order", state.order]);
  pairs.push(...dtypePairs());
  if (!state.grid) pairs.push(["grid", false]);
  if (state.expr.trim()) pairs.push(["expr", state.expr.trim()]);
  for (const curve of state.curves) pairs.push(["f", curve.f]);
  if (state.langChosen) pairs.push(["lang", state.lang]);
  // The page's own address with a new hash (a bare "#..." would resolve against the <base>).
  const { pathname, search } = window.location;
  window.history.replaceState(null, "", `${pathname}${search}#${query(pairs)}`);
}

// Needs the catalogue: unknown functions and parameters in the address are ignored.
export function loadHash() {
  const search = new URLSearchParams(window.location.hash.slice(1));
  const fn = search.get("fn");
  if (fn && state.catalogue.has(fn)) state.fn = fn;
  for (const name of ["x_min", "x_max"]) {
    const value = Number(search.get(name));
    if (search.has(name) && Number.isFinite(value)) state[name] = value;
  }
  // The precision before the order, which it may limit; an address without it is float64.
  setDtype(search.get("dtype") || DEFAULT_DTYPE);
  // order=0..3; an address written before the order existed says derivative=false for order 0.
  const order = search.get("order");
  if (order !== null && /^\d+$/.test(order)) setOrder(Number(order));
  else setOrder(search.get("derivative") === "false" ? 0 : DEFAULT_ORDER);
  state.grid = search.get("grid") !== "false";
  state.expr = search.get("expr") || "";
  for (const param of activation().params) {
    if (!search.has(param.name)) continue;
    const raw = search.get(param.name);
    state.params[param.name] = param.choices ? raw : Number(raw);
  }
  state.curves = search
    .getAll("f")
    .slice(0, state.maxCurves)
    .map((f) => ({ f, label: state.catalogue.get(f)?.label || f }));
}
