// The function panel: the formula and properties of the function, a control per parameter, and
// the x range. Every control changes the state and then calls changed(soon), where soon asks for
// a redraw after a pause (a slider being dragged) rather than at once.

import { activation, setParam, setRange, state } from "./state.js";
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
    range.setAttribute("aria-label", `${param.name} slider`);
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
  hint.textContent = param.description;
  wrap.append(hint);
  return wrap;
}

export function showFunction(changed) {
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
