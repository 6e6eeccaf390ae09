// The function panel: the formula and properties of the function, a control per parameter, the
// x range, the highest derivative drawn and the precision computed in. Every control changes the state and then calls
// changed(soon), where soon asks for a redraw after a pause (a slider being dragged) rather than
// at once.

import { paramHelp, t } from "./i18n.js";
import {
  DEFAULT_DTYPE,
  activation,
  orderLimit,
  paramPairs,
  setDtype,
  setOrder,
  setParam,
  setRange,
  state,
} from "./state.js";
import { $, formatNumber } from "./util.js";

function niceStep(span) {
  const raw = span / 200;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  return step || raw;
}

function paramControl(param, changed) {
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
      setParam(param.name, select.value);
      changed(false);
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
    range.setAttribute("aria-label", t("params.slider", { name: param.name }));
    const number = document.createElement("input");
    Object.assign(number, { type: "number", step: "any", value });
    number.id = id;
    number.inputMode = "decimal";
    if (param.minimum !== null) number.min = param.minimum;
    if (param.maximum !== null) number.max = param.maximum;
    range.addEventListener("input", () => {
      number.value = range.value;
      setParam(param.name, Number(range.value));
      changed(true);
    });
    number.addEventListener("change", () => {
      if (number.value === "" || !Number.isFinite(Number(number.value))) return;
      range.value = number.value;
      setParam(param.name, Number(number.value));
      changed(false);
    });
    wrap.append(number, range);
  }
  const hint = document.createElement("span");
  hint.className = "hint";
  hint.textContent = paramHelp(param.name, param.description);
  wrap.append(hint);
  return wrap;
}

// The smoothness k (f is k times continuously differentiable) as a tag: "C" with k as its
// exponent (C⁰ is continuous, C^∞ infinitely differentiable), "discontinuous" below 0; null when
// the server does not say.
function smoothnessTag(smoothness) {
  const li = document.createElement("li");
  if (Number.isInteger(smoothness) && smoothness < 0) {
    li.textContent = t("tag.discontinuous");
    li.title = t("tag.discontinuousTitle");
    return li;
  }
  const finite = Number.isInteger(smoothness);
  if (!finite && smoothness !== "infinite") return null;
  // One span, so that the tag's flex gap does not come between the C and its exponent.
  const text = document.createElement("span");
  const sup = document.createElement("sup");
  sup.textContent = finite ? String(smoothness) : "∞";
  text.append("C", sup);
  li.append(text);
  li.title = finite ? t("tag.ck", { k: smoothness }) : t("tag.cinf");
  return li;
}

// A kink's one-sided conventions: f′ always, f″ and f‴ as well when the plot draws them.
function kinkText(kink) {
  const parts = [`f′ = ${kink.derivative}`];
  const higher = [[2, "f″", kink.second_derivative], [3, "f‴", kink.third_derivative]];
  for (const [order, name, value] of higher) {
    if (state.order >= order && typeof value === "number") parts.push(`${name} = ${formatNumber(value)}`);
  }
  return t("tag.kink", { where: kink.where, parts: parts.join(", ") });
}

// The analysis answer for the function shown (see analysis.js), which the tags that depend on the
// parameters and the range are read from: output range, saturation and sparsity.
let analysed = null;

export function setAnalysis(data) {
  analysed = data;
}

function rangeText([low, high]) {
  const left = low === null ? "(−∞" : `[${formatNumber(low)}`;
  const right = high === null ? "∞)" : `${formatNumber(high)}]`;
  return `${left}, ${right}`;
}

function tag(text, title) {
  const li = document.createElement("li");
  li.textContent = text;
  if (title) li.title = title;
  return li;
}

// Saturated at the left or right end, as the analysis says: its own left/right flags, or else
// whether a saturated interval reaches that end of the range it analysed.
function saturatedEnds(data) {
  const saturation = data.saturation || {};
  if (typeof saturation.left === "boolean" && typeof saturation.right === "boolean") {
    return { left: saturation.left, right: saturation.right };
  }
  const intervals = Array.isArray(saturation.intervals) ? saturation.intervals : [];
  const { x_min: low, x_max: high } = data.range || {};
  const near = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(high - low));
  return {
    left: intervals.some(([a]) => near(a, low)),
    right: intervals.some(([, b]) => near(b, high)),
  };
}

// The tags that follow the parameters: from the analysis of this function with these parameters
// (output range, saturation, sparsity). Until it has answered, the catalogue's, which hold at the
// defaults only; none while other parameters wait for their analysis.
function analysedTags(info) {
  const p = info.properties;
  const data = analysed && analysed.name === info.name ? analysed : null;
  if (!data) {
    if (paramPairs().length) return [];
    return [
      tag(t("tag.range", { range: rangeText(p.output_range) })),
      p.saturates_left && tag(t("tag.saturatesLeft")),
      p.saturates_right && tag(t("tag.saturatesRight")),
      p.sparse && tag(t("tag.sparse")),
    ];
  }
  const range = Array.isArray(data.output_range) ? data.output_range : paramPairs().length ? null : p.output_range;
  const ends = saturatedEnds(data);
  const why = typeof data.saturation?.why === "string" ? data.saturation.why : undefined;
  const zeros = data.sparsity?.fraction_zero;
  const share = typeof zeros === "number" ? `${formatNumber(Number((zeros * 100).toPrecision(3)))} %` : "";
  return [
    range && tag(t("tag.range", { range: rangeText(range) }), t("tag.rangeTitle")),
    ends.left && tag(t("tag.saturatesLeft"), why),
    ends.right && tag(t("tag.saturatesRight"), why),
    typeof zeros === "number" && zeros > 0 && tag(t("tag.sparse"), t("tag.sparseTitle", { share })),
  ];
}

// The formula and the property tags of the function; the smoothness, the vanishing f″ and the
// note on higher derivatives (shown while f″ is drawn) come from newer servers and are left out
// when absent.
export function showProperties() {
  const info = activation();
  $("formula").textContent = `${info.label}: ${info.formula}`;
  const props = $("props");
  props.innerHTML = "";
  const p = info.properties;
  // At the current parameters once the analysis has answered (ELU is C¹ at α = 1 only), else the defaults'.
  const data = analysed && analysed.name === info.name ? analysed : null;
  const atParams = data && data.smoothness !== undefined && data.smoothness !== null ? data.smoothness : undefined;
  const smoothness = atParams ?? info.smoothness ?? p.smoothness;
  const smooth = atParams === undefined ? p.smooth : atParams === "infinite" || atParams >= 1;
  const vanishes = info.second_derivative_vanishes ?? p.second_derivative_vanishes;
  const [range, ...more] = analysedTags(info);
  const tags = [
    range,
    p.monotonic && t("tag.monotonic"),
    smooth ? t("tag.smooth") : t("tag.notSmooth"),
    smoothnessTag(smoothness),
    vanishes === true && t("tag.vanishes"),
    p.zero_centred && t("tag.zeroCentred"),
    ...more,
    ...info.kinks.map(kinkText),
  ].filter(Boolean);
  for (const item of tags) props.append(typeof item === "string" ? tag(item) : item);
  const note = info.higher_derivatives_note ?? p.higher_derivatives_note;
  const shown = typeof note === "string" && note !== "" && state.order >= 2;
  $("props-note").textContent = shown ? note : "";
  $("props-note").lang = "en";
  $("props-note").hidden = !shown;
}

export function showFunction(changed) {
  const info = activation();
  showProperties();
  const box = $("params");
  box.innerHTML = "";
  for (const param of info.params) box.append(paramControl(param, changed));
  $("no-params").hidden = info.params.length > 0;
  $("reset").hidden = info.params.length === 0;
}

// name: "x_min" or "x_max", the ids of its number input and (with "-range") its slider.
export function bindRange(name, changed) {
  const number = $(name);
  const range = $(`${name}-range`);
  const apply = (value, soon) => {
    if (!Number.isFinite(value)) return;
    setRange(name, value);
    changed(soon);
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

export function syncRangeInputs() {
  for (const name of ["x_min", "x_max"]) {
    $(name).value = state[name];
    $(`${name}-range`).value = state[name];
  }
}

// The order control: radio buttons named "order" with values 0 to 3; those above what can be drawn
// (what the server draws, f′ at most in a precision other than float64) are disabled, and the hint
// says why. changed() is called once the state holds the new order.
export function bindOrder(changed) {
  for (const input of document.querySelectorAll('input[name="order"]')) {
    input.addEventListener("change", () => {
      if (!input.checked) return;
      setOrder(Number(input.value));
      changed();
    });
  }
  syncOrder();
}

export function syncOrder() {
  const limit = orderLimit();
  for (const input of document.querySelectorAll('input[name="order"]')) {
    input.disabled = Number(input.value) > limit;
    input.checked = Number(input.value) === state.order;
  }
  const help = $("order-help");
  const lowered = limit < state.maxOrder;
  help.textContent = lowered ? t("order.limited", { dtype: state.dtype }) : t("order.help");
  help.classList.toggle("limited", lowered);
}

// The precision control: a <select> of the precisions the server computes in, hidden when it
// offers float64 alone. changed() is called once the state holds the new precision (and the
// order it allows).
export function bindDtype(changed) {
  const select = $("dtype");
  select.innerHTML = "";
  for (const dtype of state.dtypes) {
    select.add(new Option(dtype, dtype));
  }
  $("dtype-field").hidden = state.dtypes.length < 2;
  select.addEventListener("change", () => {
    setDtype(select.value);
    syncDtype();
    changed();
  });
  syncDtype();
}

export function syncDtype() {
  $("dtype").value = state.dtype;
  const low = state.dtype !== DEFAULT_DTYPE;
  $("dtype-help").textContent = low ? t("dtype.helpLow", { dtype: state.dtype }) : t("dtype.help");
  syncOrder();
}
