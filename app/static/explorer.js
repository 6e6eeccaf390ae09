// The explorer: one function with its parameters, an expression and a comparison, drawn by the API.
// Plain ES module, no build step; every number and picture comes from the service's own endpoints.

const $ = (id) => document.getElementById(id);
const ORIGIN = window.location.origin;
const CURSOR_POINTS = 801;
const MAX_CURVES = 8;
const darkScheme = window.matchMedia("(prefers-color-scheme: dark)");

const state = {
  fn: "relu",
  params: {},
  x_min: -5,
  x_max: 5,
  derivative: true,
  grid: true,
  expr: "",
  curves: [],
};
const catalogue = new Map();
let paths = new Set();
let openapi = { paths: {} };
let maxCurves = MAX_CURVES;

// ---------------------------------------------------------------------------------------------
// Small helpers

function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => fn(...args), ms);
  };
}

function formatNumber(value) {
  if (value === null || value === undefined) return "undefined";
  if (typeof value !== "number") return String(value);
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-4) return value.toExponential(4).replace("e+", "e");
  return String(Number(value.toPrecision(6)));
}

function theme() {
  return darkScheme.matches ? "dark" : "light";
}

function query(pairs) {
  const search = new URLSearchParams();
  for (const [key, value] of pairs) {
    if (value !== undefined && value !== null && value !== "") search.append(key, String(value));
  }
  return search;
}

function errorText(body, status) {
  const detail = body && body.detail;
  if (Array.isArray(detail)) {
    return detail
      .map((item) => {
        const where = (item.loc || []).filter((part) => part !== "query" && part !== "body").join(" ");
        return where ? `${where}: ${item.msg}` : item.msg;
      })
      .join("; ");
  }
  if (typeof detail === "string") return detail;
  return `The service answered ${status}.`;
}

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

function pause(seconds, signal) {
  return new Promise((resolve, reject) => {
    const timer = window.setTimeout(resolve, seconds * 1000);
    signal?.addEventListener("abort", () => {
      window.clearTimeout(timer);
      reject(new DOMException("aborted", "AbortError"));
    });
  });
}

async function request(url, signal, as = "json", retries = 2) {
  const response = await fetch(url, { signal, headers: as === "json" ? { Accept: "application/json" } : {} });
  if (response.status === 503 && retries > 0) {
    // The server is busy drawing: wait as long as it asks (a few seconds at most), then try again.
    const wait = Math.min(5, Number(response.headers.get("Retry-After")) || 1);
    await pause(wait, signal);
    return request(url, signal, as, retries - 1);
  }
  if (!response.ok) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    throw new ApiError(errorText(body, response.status), response.status);
  }
  return as === "json" ? response.json() : response.text();
}

function isAbort(error) {
  return error && error.name === "AbortError";
}

function setError(element, message) {
  element.textContent = message || "";
  element.hidden = !message;
}

function shellQuote(text) {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

// ---------------------------------------------------------------------------------------------
// A plot with its downloads and curl command. The picture is the API's SVG; a server without
// the plot endpoint still gets the CSV download and a note instead of the picture.

function svgGeometry(text) {
  // The x axis runs from x_min to x_max between the left and right edges of the axes box.
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const root = doc.documentElement;
  const viewBox = (root.getAttribute("viewBox") || "").split(/[\s,]+/).map(Number);
  const box = doc.querySelector('[id="axes_1"] > [id^="patch_"] path');
  if (viewBox.length !== 4 || !box) return null;
  const xs = (box.getAttribute("d").match(/-?[\d.]+(e-?\d+)?/g) || []).map(Number).filter((_, i) => i % 2 === 0);
  if (!xs.length || !(viewBox[2] > 0)) return null;
  return { left: Math.min(...xs) / viewBox[2], right: Math.max(...xs) / viewBox[2] };
}

class PlotView {
  constructor(prefix) {
    this.figure = $(`${prefix}-figure`);
    this.img = prefix === "plot" ? $("plot") : $(`${prefix}-plot`);
    this.error = $(`${prefix}-error`);
    this.actions = $(`${prefix}-actions`);
    this.controller = null;
    this.objectUrl = null;
    this.geometry = null;
    this.buildActions();
  }

  buildActions() {
    this.actions.innerHTML = "";
    this.copy = document.createElement("button");
    this.copy.type = "button";
    this.copy.textContent = "Copy curl";
    this.copy.addEventListener("click", () => this.copyCurl());
    this.links = {};
    this.actions.append(this.copy);
    for (const kind of ["png", "svg", "csv"]) {
      const link = document.createElement("a");
      link.className = "button";
      link.textContent = `Download ${kind.toUpperCase()}`;
      this.links[kind] = link;
      this.actions.append(link);
    }
    this.pre = document.createElement("pre");
    this.code = document.createElement("code");
    this.pre.append(this.code);
    this.actions.append(this.pre);
  }

  size() {
    const available = this.figure.clientWidth || this.figure.parentElement.clientWidth;
    const width = Math.round(Math.min(960, Math.max(320, available)));
    return { width, height: Math.round(Math.min(620, Math.max(320, width * 0.66))) };
  }

  // spec: {plotRoute?, plotPath, valuesPath, pairs, imagePairs, name, alt}
  async show(spec) {
    if (this.controller) this.controller.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.figure.hidden = false;
    this.actions.hidden = false;
    this.figure.setAttribute("aria-busy", "true");
    const { width, height } = this.size();
    const image = [...spec.pairs, ...spec.imagePairs, ["theme", theme()], ["width", width], ["height", height]];
    const hasPlot = paths.has(spec.plotRoute || spec.plotPath);
    this.describe(spec, hasPlot);
    if (!hasPlot) {
      this.figure.hidden = true;
      this.figure.setAttribute("aria-busy", "false");
      setError(this.error, "This server does not draw this plot; the CSV below has its numbers.");
      return;
    }
    try {
      const svg = await request(`${spec.plotPath}?${query([...image, ["format", "svg"]])}`, controller.signal, "text");
      if (controller.signal.aborted) return;
      this.geometry = svgGeometry(svg);
      const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
      this.img.src = url;
      this.img.alt = spec.alt;
      if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = url;
      setError(this.error, "");
    } catch (error) {
      if (isAbort(error)) return;
      setError(this.error, error.message);
    } finally {
      if (this.controller === controller) this.figure.setAttribute("aria-busy", "false");
    }
  }

  describe(spec, hasPlot) {
    const { width, height } = this.size();
    const image = [...spec.pairs, ...spec.imagePairs, ["theme", theme()], ["width", width], ["height", height]];
    const png = `${spec.plotPath}?${query([...image, ["scale", 2], ["format", "png"]])}`;
    const svg = `${spec.plotPath}?${query([...image, ["format", "svg"]])}`;
    const csv = `${spec.valuesPath}?${query([...spec.pairs, ["format", "csv"]])}`;
    for (const [kind, href] of [["png", png], ["svg", svg], ["csv", csv]]) {
      const link = this.links[kind];
      const available = kind === "csv" || hasPlot;
      link.hidden = !available;
      link.href = href;
      link.download = `${spec.name}.${kind}`;
    }
    this.curl = hasPlot
      ? `curl -sS ${shellQuote(ORIGIN + png)} -o ${spec.name}.png`
      : `curl -sS ${shellQuote(ORIGIN + csv)} -o ${spec.name}.csv`;
    this.code.textContent = this.curl;
  }

  async copyCurl() {
    try {
      await navigator.clipboard.writeText(this.curl);
      this.copy.textContent = "Copied";
    } catch {
      // Without clipboard access (an insecure origin), select the command for the user instead.
      const range = document.createRange();
      range.selectNodeContents(this.code);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
      this.copy.textContent = "Selected: press Ctrl+C";
    }
    window.setTimeout(() => {
      this.copy.textContent = "Copy curl";
    }, 1800);
  }
}

// ---------------------------------------------------------------------------------------------
// The function, its parameters and the x range

function activation() {
  return catalogue.get(state.fn);
}

function paramPairs() {
  const info = activation();
  if (!info) return [];
  return info.params
    .filter((p) => state.params[p.name] !== undefined && state.params[p.name] !== p.default)
    .map((p) => [p.name, state.params[p.name]]);
}

function rangePairs() {
  return [
    ["x_min", state.x_min],
    ["x_max", state.x_max],
  ];
}

function niceStep(span) {
  const raw = span / 200;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return step || raw;
}

function paramControl(param) {
  const wrap = document.createElement("div");
  wrap.className = "slider";
  const id = `param-${param.name}`;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = param.name;
  wrap.append(label);
  const value = state.params[param.name] ?? param.default;
  if (param.choices) {
    const select = document.createElement("select");
    select.id = id;
    for (const choice of param.choices) select.add(new Option(choice, choice, false, choice === value));
    select.addEventListener("change", () => {
      state.params[param.name] = select.value;
      refresh();
    });
    wrap.append(select);
  } else {
    let [lo, hi] = param.suggested_range || [param.minimum ?? -5, param.maximum ?? 5];
    lo = Math.min(lo, value);
    hi = Math.max(hi, value);
    if (param.minimum !== null) lo = Math.max(lo, param.minimum);
    if (param.maximum !== null) hi = Math.min(hi, param.maximum);
    const step = niceStep(hi - lo);
    const range = document.createElement("input");
    Object.assign(range, { type: "range", min: lo, max: hi, step, value });
    range.id = `${id}-range`;
    range.setAttribute("aria-label", `${param.name} slider`);
    const number = document.createElement("input");
    Object.assign(number, { type: "number", step: "any", value });
    number.id = id;
    number.inputMode = "decimal";
    if (param.minimum !== null) number.min = param.minimum;
    if (param.maximum !== null) number.max = param.maximum;
    range.addEventListener("input", () => {
      number.value = range.value;
      state.params[param.name] = Number(range.value);
      refreshSoon();
    });
    number.addEventListener("change", () => {
      if (number.value === "" || !Number.isFinite(Number(number.value))) return;
      range.value = number.value;
      state.params[param.name] = Number(number.value);
      refresh();
    });
    wrap.append(number, range);
  }
  const hint = document.createElement("span");
  hint.className = "hint";
  hint.textContent = param.description;
  wrap.append(hint);
  return wrap;
}

function showFunction() {
  const info = activation();
  $("formula").textContent = `${info.label}: ${info.formula}`;
  const props = $("props");
  props.innerHTML = "";
  const p = info.properties;
  const [low, high] = p.output_range;
  const tags = [
    `range ${low === null ? "(−∞" : `[${formatNumber(low)}`}, ${high === null ? "∞)" : `${formatNumber(high)}]`}`,
    p.monotonic && "monotonic",
    p.smooth ? "smooth" : "not smooth",
    p.zero_centred && "zero-centred",
    p.saturates_left && "saturates left",
    p.saturates_right && "saturates right",
    p.sparse && "sparse",
    ...info.kinks.map((k) => `kink at ${k.where}: f′ = ${k.derivative}`),
  ].filter(Boolean);
  for (const text of tags) {
    const li = document.createElement("li");
    li.textContent = text;
    props.append(li);
  }
  const box = $("params");
  box.innerHTML = "";
  for (const param of info.params) box.append(paramControl(param));
  $("no-params").hidden = info.params.length > 0;
  $("reset").hidden = info.params.length === 0;
}

function bindRange(name) {
  const number = $(name);
  const range = $(`${name}-range`);
  const apply = (value, soon) => {
    if (!Number.isFinite(value)) return;
    state[name] = value;
    if (soon) refreshSoon();
    else refresh();
  };
  range.addEventListener("input", () => {
    number.value = range.value;
    apply(Number(range.value), true);
  });
  number.addEventListener("change", () => {
    if (number.value === "") return;
    range.value = number.value;
    apply(Number(number.value), false);
  });
}

function syncRangeInputs() {
  for (const name of ["x_min", "x_max"]) {
    $(name).value = state[name];
    $(`${name}-range`).value = state[name];
  }
}

// ---------------------------------------------------------------------------------------------
// The main plot, the cursor and the analysis

const main = {};
const cursor = { index: -1, x: [], y: [], dy: [], controller: null };

async function loadCursorValues() {
  if (cursor.controller) cursor.controller.abort();
  const controller = new AbortController();
  cursor.controller = controller;
  const url = `/v1/activations/${state.fn}/values?${query([...paramPairs(), ...rangePairs(), ["num", CURSOR_POINTS]])}`;
  try {
    const data = await request(url, controller.signal);
    cursor.x = data.x;
    cursor.y = data.y;
    cursor.dy = data.dy || [];
    if (cursor.index < 0 || cursor.index >= data.x.length) cursor.index = nearestIndex(0);
    showCursor();
  } catch (error) {
    if (!isAbort(error)) {
      cursor.x = [];
      showCursor();
    }
  }
}

function nearestIndex(x) {
  const n = cursor.x.length;
  if (!n) return -1;
  const t = (x - cursor.x[0]) / (cursor.x[n - 1] - cursor.x[0]);
  return Math.min(n - 1, Math.max(0, Math.round(t * (n - 1))));
}

function showCursor() {
  const line = $("cursor");
  const i = cursor.index;
  if (!cursor.x.length || i < 0) {
    line.hidden = true;
    for (const id of ["at-x", "at-y", "at-dy"]) $(id).textContent = "–";
    return;
  }
  $("at-x").textContent = formatNumber(cursor.x[i]);
  $("at-y").textContent = formatNumber(cursor.y[i]);
  $("at-dy").textContent = formatNumber(cursor.dy[i]);
  const geometry = main.view.geometry;
  if (!geometry) {
    line.hidden = true;
    return;
  }
  const n = cursor.x.length;
  const t = i / (n - 1);
  line.style.left = `${(geometry.left + t * (geometry.right - geometry.left)) * 100}%`;
  line.hidden = false;
}

function pointerToIndex(event) {
  const geometry = main.view.geometry;
  if (!geometry || !cursor.x.length) return;
  const rect = $("plot").getBoundingClientRect();
  const t = ((event.clientX - rect.left) / rect.width - geometry.left) / (geometry.right - geometry.left);
  cursor.index = Math.min(cursor.x.length - 1, Math.max(0, Math.round(t * (cursor.x.length - 1))));
  showCursor();
}

function cursorKeys(event) {
  if (!cursor.x.length) return;
  const n = cursor.x.length;
  const step = event.shiftKey ? Math.round((n - 1) / 20) : Math.max(1, Math.round((n - 1) / 200));
  const moves = { ArrowLeft: -step, ArrowRight: step, Home: -n, End: n };
  if (!(event.key in moves)) return;
  event.preventDefault();
  cursor.index = Math.min(n - 1, Math.max(0, cursor.index + moves[event.key]));
  showCursor();
}

const analysis = { controller: null };
const ANALYSIS_PATH = "/v1/activations/{name}/analysis";

// The analysis numbers worth reading first, in order, with what they mean; anything else the
// endpoint returns is listed after them under its own name.
const ANALYSIS_GROUPS = [
  ["sparsity", "Sparsity", [
    ["fraction_zero", "outputs exactly 0 for x ~ N(0, 1)", "percent"],
    ["zero_fraction_of_range", "share of the x range where f = 0", "percent"],
    ["zero_intervals", "f = 0 on", "intervals"],
  ]],
  ["saturation", "Saturation", [
    ["fraction_of_range", "share of the range where f′ is near 0", "percent"],
    ["intervals", "saturated on", "intervals"],
    ["eps_rule", "near 0 means", "text"],
  ]],
  ["gradient", "Gradient", [
    ["max_abs", "largest |f′| on the range"],
    ["argmax", "at x ="],
    ["at_zero", "f′(0)"],
    ["gain_bound", "largest gain through the layers"],
    ["depth", "layers"],
  ]],
  ["outputs", "Outputs for x ~ N(0, σ²)", [
    ["mean", "mean"],
    ["variance", "variance"],
    ["negative_fraction", "negative outputs", "percent"],
    ["sigma", "σ"],
  ]],
];

function analysisValue(value, kind) {
  if (kind === "percent" && typeof value === "number") return `${formatNumber(Number((value * 100).toPrecision(4)))} %`;
  if (kind === "intervals" && Array.isArray(value)) {
    return value.length ? value.map(([a, b]) => `[${formatNumber(a)}, ${formatNumber(b)}]`).join(" ∪ ") : "nowhere";
  }
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number" || value === null) return formatNumber(value);
  return typeof value === "string" ? value : null;
}

function analysisGroups(data) {
  const known = new Map(ANALYSIS_GROUPS.map(([key, title, rows]) => [key, { title, rows }]));
  const groups = [];
  for (const [key, section] of Object.entries(data)) {
    if (!section || typeof section !== "object" || Array.isArray(section) || key === "params" || key === "range") {
      continue;
    }
    const spec = known.get(key) || { title: key.replaceAll("_", " "), rows: [] };
    const rows = [];
    for (const [field, label, kind] of spec.rows) {
      const text = field in section ? analysisValue(section[field], kind) : null;
      if (text !== null) rows.push([label, text]);
    }
    if (!known.has(key)) {
      for (const [field, value] of Object.entries(section)) {
        const text = analysisValue(value);
        if (text !== null && text.length <= 40) rows.push([field.replaceAll("_", " "), text]);
      }
    }
    if (rows.length) groups.push([spec.title, rows]);
  }
  return groups;
}

function renderAnalysis(data) {
  const wrap = document.createElement("div");
  wrap.className = "analysis";
  for (const [title, rows] of analysisGroups(data)) {
    const section = document.createElement("section");
    const heading = document.createElement("h3");
    heading.textContent = title;
    const list = document.createElement("dl");
    list.className = "numbers";
    for (const [label, text] of rows) {
      const row = document.createElement("div");
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = text;
      row.append(dt, dd);
      list.append(row);
    }
    section.append(heading, list);
    wrap.append(section);
  }
  return wrap;
}

async function loadAnalysis() {
  const box = $("analysis");
  const operation = openapi.paths[ANALYSIS_PATH]?.get;
  if (!operation) {
    box.innerHTML = "";
    const p = document.createElement("p");
    p.className = "muted";
    p.textContent = "This server does not offer an analysis endpoint yet.";
    box.append(p);
    box.setAttribute("aria-busy", "false");
    return;
  }
  if (analysis.controller) analysis.controller.abort();
  const controller = new AbortController();
  analysis.controller = controller;
  const declared = new Set((operation.parameters || []).map((p) => p.name));
  const pairs = [...paramPairs(), ...rangePairs().filter(([key]) => declared.has(key))];
  box.setAttribute("aria-busy", "true");
  try {
    const data = await request(`/v1/activations/${state.fn}/analysis?${query(pairs)}`, controller.signal);
    box.replaceChildren(renderAnalysis(data));
  } catch (error) {
    if (isAbort(error)) return;
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = error.message;
    box.replaceChildren(p);
  } finally {
    if (analysis.controller === controller) box.setAttribute("aria-busy", "false");
  }
}

function paramsText() {
  return paramPairs()
    .map(([key, value]) => `${key}=${typeof value === "string" ? JSON.stringify(value) : value}`)
    .join(", ");
}

function refresh() {
  const info = activation();
  if (!info) return;
  if (!(state.x_min < state.x_max)) {
    setError($("plot-error"), `x min must be less than x max (${state.x_min} ≥ ${state.x_max}).`);
    return;
  }
  const extra = paramsText();
  main.view.show({
    plotRoute: "/v1/activations/{name}/plot",
    plotPath: `/v1/activations/${state.fn}/plot`,
    valuesPath: `/v1/activations/${state.fn}/values`,
    pairs: [...paramPairs(), ...rangePairs()],
    imagePairs: [
      ["derivative", state.derivative],
      ["grid", state.grid],
    ],
    name: state.fn,
    alt: `${info.label}${extra ? ` (${extra})` : ""} and its derivative for x from ${state.x_min} to ${state.x_max}`,
  });
  loadCursorValues();
  loadAnalysis();
  saveHash();
}

const refreshSoon = debounce(refresh, 140);

// ---------------------------------------------------------------------------------------------
// Expression and comparison

const views = {};

function showExpression() {
  const text = state.expr.trim();
  if (!text) return;
  views.expr.show({
    plotPath: "/v1/expressions/plot",
    valuesPath: "/v1/expressions/values",
    pairs: [["expr", text], ...rangePairs()],
    imagePairs: [["grid", state.grid]],
    name: "expression",
    alt: `f(x) = ${text} and its derivative`,
  });
  saveHash();
}

function currentCurve() {
  const extra = paramsText();
  const info = activation();
  return {
    f: extra ? `${state.fn}(x, ${extra})` : state.fn,
    label: extra ? `${info.label} (${extra})` : info.label,
  };
}

function addCurve(curve) {
  setError($("compare-error"), "");
  if (state.curves.some((c) => c.f === curve.f)) return;
  if (state.curves.length >= maxCurves) {
    setError($("compare-error"), `At most ${maxCurves} curves can be compared; remove one first.`);
    return;
  }
  state.curves.push(curve);
  showComparison();
}

function showComparison() {
  const list = $("curves");
  list.innerHTML = "";
  state.curves.forEach((curve, i) => {
    const li = document.createElement("li");
    const text = document.createElement("span");
    text.textContent = curve.label;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "×";
    remove.setAttribute("aria-label", `Remove ${curve.label}`);
    remove.addEventListener("click", () => {
      state.curves.splice(i, 1);
      showComparison();
      $("compare-fn").focus();
    });
    li.append(text, remove);
    list.append(li);
  });
  $("compare-empty").hidden = state.curves.length > 1;
  saveHash();
  if (!state.curves.length) {
    $("compare-figure").hidden = true;
    $("compare-actions").hidden = true;
    return;
  }
  const pairs = [];
  for (const curve of state.curves) pairs.push(["f", curve.f]);
  for (const curve of state.curves) pairs.push(["label", curve.label]);
  views.compare.show({
    plotPath: "/v1/compare/plot",
    valuesPath: "/v1/compare/values",
    pairs: [...pairs, ...rangePairs()],
    imagePairs: [["grid", state.grid]],
    name: "comparison",
    alt: `Comparison of ${state.curves.map((c) => c.label).join(", ")} and their derivatives`,
  });
}

function refreshAll() {
  refresh();
  if (state.expr.trim() && !$("expr-figure").hidden) showExpression();
  if (state.curves.length) showComparison();
}

// ---------------------------------------------------------------------------------------------
// State in the address (#fn=elu&alpha=0.5&x_min=-3...), so a view can be shared

function saveHash() {
  const pairs = [["fn", state.fn], ...paramPairs()];
  if (state.x_min !== -5) pairs.push(["x_min", state.x_min]);
  if (state.x_max !== 5) pairs.push(["x_max", state.x_max]);
  if (!state.derivative) pairs.push(["derivative", false]);
  if (!state.grid) pairs.push(["grid", false]);
  if (state.expr.trim()) pairs.push(["expr", state.expr.trim()]);
  for (const curve of state.curves) pairs.push(["f", curve.f]);
  window.history.replaceState(null, "", `#${query(pairs)}`);
}

function loadHash() {
  const search = new URLSearchParams(window.location.hash.slice(1));
  const fn = search.get("fn");
  if (fn && catalogue.has(fn)) state.fn = fn;
  for (const name of ["x_min", "x_max"]) {
    const value = Number(search.get(name));
    if (search.has(name) && Number.isFinite(value)) state[name] = value;
  }
  state.derivative = search.get("derivative") !== "false";
  state.grid = search.get("grid") !== "false";
  state.expr = search.get("expr") || "";
  for (const param of catalogue.get(state.fn).params) {
    if (!search.has(param.name)) continue;
    const raw = search.get(param.name);
    state.params[param.name] = param.choices ? raw : Number(raw);
  }
  state.curves = search.getAll("f").slice(0, maxCurves).map((f) => ({ f, label: catalogue.get(f)?.label || f }));
}

// ---------------------------------------------------------------------------------------------
// Start

async function start() {
  let functions;
  try {
    const [described, list] = await Promise.all([request("/openapi.json"), request("/v1/activations")]);
    openapi = described;
    paths = new Set(Object.keys(openapi.paths));
    functions = list;
  } catch (error) {
    setError($("plot-error"), `The service could not be reached: ${error.message}`);
    return;
  }
  const compareF = openapi.paths["/v1/compare/values"]?.get?.parameters?.find((p) => p.name === "f");
  const limit = compareF?.schema?.maxItems;
  if (Number.isInteger(limit)) maxCurves = limit;

  const select = $("fn");
  const compareSelect = $("compare-fn");
  select.innerHTML = "";
  for (const info of functions) {
    catalogue.set(info.name, info);
    select.add(new Option(info.label, info.name));
    compareSelect.add(new Option(info.label, info.name));
  }
  compareSelect.value = "tanh";
  loadHash();
  select.value = state.fn;
  select.disabled = false;
  $("derivative").checked = state.derivative;
  $("grid").checked = state.grid;
  $("expr").value = state.expr;
  syncRangeInputs();

  main.view = new PlotView("plot");
  views.expr = new PlotView("expr");
  views.compare = new PlotView("compare");

  const missing = ["/v1/activations/{name}/plot", "/v1/expressions/plot", "/v1/compare/plot", ANALYSIS_PATH].filter(
    (p) => !paths.has(p),
  );
  if (missing.length) {
    const notice = $("notice");
    notice.textContent = `Not offered by this server: ${missing.join(", ")}.`;
    notice.hidden = false;
  }

  select.addEventListener("change", () => {
    state.fn = select.value;
    state.params = {};
    showFunction();
    refresh();
  });
  $("reset").addEventListener("click", () => {
    state.params = {};
    showFunction();
    refresh();
  });
  bindRange("x_min");
  bindRange("x_max");
  $("derivative").addEventListener("change", (event) => {
    state.derivative = event.target.checked;
    refresh();
  });
  $("grid").addEventListener("change", (event) => {
    state.grid = event.target.checked;
    refreshAll();
  });
  $("controls").addEventListener("submit", (event) => event.preventDefault());

  const figure = $("plot-figure");
  figure.addEventListener("pointermove", pointerToIndex);
  figure.addEventListener("pointerdown", pointerToIndex);
  figure.addEventListener("keydown", cursorKeys);
  // Read the values aloud while the keyboard moves the cursor, not on every pointer move.
  figure.addEventListener("focus", () => $("readout").setAttribute("aria-live", "polite"));
  figure.addEventListener("blur", () => $("readout").setAttribute("aria-live", "off"));

  $("expr-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.expr = $("expr").value;
    if (!state.expr.trim()) {
      setError($("expr-error"), "Type an expression in x first, for example 2*sigmoid(2*x) - 1.");
      return;
    }
    showExpression();
  });
  $("expr-add").addEventListener("click", () => {
    const text = $("expr").value.trim();
    if (text) addCurve({ f: text, label: text });
  });
  $("compare-add").addEventListener("click", () => {
    const info = catalogue.get(compareSelect.value);
    addCurve({ f: info.name, label: info.label });
  });
  $("compare-add-current").addEventListener("click", () => addCurve(currentCurve()));

  darkScheme.addEventListener("change", refreshAll);
  let lastWidth = figure.clientWidth;
  const resized = debounce(() => {
    if (Math.abs(figure.clientWidth - lastWidth) > 0.15 * lastWidth) {
      lastWidth = figure.clientWidth;
      refreshAll();
    }
  }, 300);
  new ResizeObserver(resized).observe(figure);

  showFunction();
  refresh();
  if (state.expr.trim()) showExpression();
  if (state.curves.length) showComparison();
}

start();
