// A plot with its downloads and curl command, and the main plot's cursor. The picture is the
// API's SVG, one panel per order (f, f′, f″, f‴ stacked); a server without the plot endpoint still
// gets the CSV download and a note instead.

import { ROUTES, absolute, isAbort, langPairs, request, showError, url } from "./api.js";
import { t } from "./i18n.js";
import { $, NOISE, formatNumber, setError } from "./util.js";

const CURSOR_POINTS = 801;
// The plots are drawn in the page's scheme; main.js redraws them when it changes.
export const darkScheme = window.matchMedia("(prefers-color-scheme: dark)");

// The id app/render gives the background rectangle of the top (f) panel in every SVG it draws:
// app.render.PLOT_AREA_ID. Its left and right edges are x_min and x_max, at every order.
const PLOT_AREA_ID = "plot-area";
// The cursor's readout of each derivative: its key in the values JSON, the order that brings it,
// the id of its <span> (hidden below that order) and of its <output>. f(x) is always shown.
const DERIVATIVES = [
  ["dy", 1, "readout-dy", "at-dy"],
  ["d2y", 2, "readout-d2y", "at-d2y"],
  ["d3y", 3, "readout-d3y", "at-d3y"],
];
// A value smaller than NOISE of its series' largest |value| is rounding noise: it reads 0. Not so
// in a lower precision than float64, whose values are shown exactly as computed.
// The headline numbers of the `error` object of a values answer in a lower precision (the largest
// errors in ULPs, the points where f′ underflowed to 0 or a value became inf or nan), each under
// the names the service may give it, with how it reads; a count of 0 is left out.
const ERRORS = [
  [["y_max_ulp", "max_ulp_y"], (v) => t("err.yUlp", { ulp: ulps(v) })],
  [["dy_max_ulp", "max_ulp_dy"], (v) => t("err.dyUlp", { ulp: ulps(v) })],
  [["underflows", "gradient_underflow"], (v) => t("err.underflow", { count: v })],
  [["nonfinite", "non_finite"], (v) => t("err.nonfinite", { count: v })],
];

function ulps(value) {
  return `${formatNumber(Number(value.toPrecision(3)))} ulp`;
}

// The scheme the plots are drawn in: the page's.
export function theme() {
  return darkScheme.matches ? "dark" : "light";
}

function shellQuote(text) {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

function pathNumbers(path) {
  return (path.getAttribute("d").match(/-?[\d.]+(e-?\d+)?/g) || []).map(Number);
}

function svgGeometry(text) {
  // The x axis runs from x_min to x_max between the left and right edges of the plot area, and
  // the panels below have the same edges (the renderer stacks them on one x axis). top is where
  // the top panel's plotting area starts, under its title; bottom where the lowest panel's ends,
  // above its tick labels: the lowest of the rectangles (the panels' backgrounds) with those edges.
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const root = doc.documentElement;
  const viewBox = (root.getAttribute("viewBox") || "").split(/[\s,]+/).map(Number);
  const box = doc.querySelector(`[id="${PLOT_AREA_ID}"] path`);
  if (viewBox.length !== 4 || !box) return null;
  const numbers = pathNumbers(box);
  const xs = numbers.filter((_, i) => i % 2 === 0);
  const ys = numbers.filter((_, i) => i % 2 === 1);
  if (!xs.length || !ys.length || !(viewBox[2] > 0) || !(viewBox[3] > 0)) return null;
  const [left, right] = [Math.min(...xs), Math.max(...xs)];
  let bottom = Math.max(...ys);
  for (const path of doc.querySelectorAll("path")) {
    const d = path.getAttribute("d") || "";
    if (!/z\s*$/i.test(d)) continue;
    const corners = pathNumbers(path);
    if (corners.length !== 8) continue;
    const cx = corners.filter((_, i) => i % 2 === 0);
    if (Math.abs(Math.min(...cx) - left) < 0.01 && Math.abs(Math.max(...cx) - right) < 0.01) {
      bottom = Math.max(bottom, ...corners.filter((_, i) => i % 2 === 1));
    }
  }
  return {
    left: (left - viewBox[0]) / viewBox[2],
    right: (right - viewBox[0]) / viewBox[2],
    top: (Math.min(...ys) - viewBox[1]) / viewBox[3],
    bottom: (bottom - viewBox[1]) / viewBox[3],
  };
}

// The picture's size for `panels` stacked panels (f and its derivatives): as wide as there is
// room for, within what reads well, and taller the more panels there are, though not so tall that
// the readout under it leaves a 900-pixel-high window.
function plotSize(available, panels = 2) {
  const width = Math.round(Math.min(960, Math.max(320, available)));
  const [aspect, low, high] = { 3: [0.74, 420, 660], 4: [0.8, 500, 700] }[panels] || [0.66, 320, 620];
  return { width, height: Math.round(Math.min(high, Math.max(low, width * aspect))) };
}

function clean(value, scale) {
  return typeof value === "number" && Math.abs(value) < NOISE * scale ? 0 : value;
}

// The `error` object of a values answer in a lower precision as one sentence, or "".
function errorText(data) {
  const error = data.error;
  if (!error || typeof error !== "object") return "";
  const parts = [];
  for (const [keys, text] of ERRORS) {
    const key = keys.find((k) => k in error);
    if (key === undefined) continue;
    // A count may come as the list of the points themselves.
    const value = Array.isArray(error[key]) ? error[key].length : error[key];
    if (typeof value === "number" && Number.isFinite(value) && (value !== 0 || key.includes("ulp"))) {
      parts.push(text(value));
    }
  }
  const count = Number.isInteger(error.points) ? error.points : data.x.length;
  return parts.length ? t("err.sentence", { dtype: data.dtype, count, parts: parts.join(t("err.joiner")) }) : "";
}

function largest(series) {
  let most = 0;
  for (const v of series) if (Number.isFinite(v)) most = Math.max(most, Math.abs(v));
  return most;
}

export class PlotView {
  // prefix: "plot", "expr" or "compare", the ids of its figure, picture, error and actions.
  // service: what the server offers (see api.js), to leave out plots it does not draw.
  constructor(prefix, service) {
    this.service = service;
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
    this.copy.addEventListener("click", () => this.copyCurl());
    this.links = {};
    this.actions.append(this.copy);
    for (const kind of ["png", "svg", "csv"]) {
      const link = document.createElement("a");
      link.className = "button";
      this.links[kind] = link;
      this.actions.append(link);
    }
    this.label();
    this.pre = document.createElement("pre");
    this.code = document.createElement("code");
    this.pre.append(this.code);
    this.actions.append(this.pre);
  }

  // The buttons' words, in the page's language.
  label() {
    this.copy.textContent = t("plot.copy");
    for (const [kind, link] of Object.entries(this.links)) link.textContent = t("plot.download", { kind: kind.toUpperCase() });
  }

  // After a failed request: no picture, no downloads of it, only the error saying why.
  clear() {
    this.img.removeAttribute("src");
    this.img.alt = "";
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = null;
    this.geometry = null;
    this.figure.hidden = true;
    this.actions.hidden = true;
    for (const link of Object.values(this.links)) link.removeAttribute("href");
    this.curl = "";
    this.code.textContent = "";
    this.img.dispatchEvent(new Event("cleared"));
  }

  size(panels) {
    return plotSize(this.figure.clientWidth || this.figure.parentElement.clientWidth, panels);
  }

  // spec: {plot, values, params, pairs, imagePairs, panels, name, alt}: the plot and values routes
  // (from ROUTES) with the params that fill them in, the query pairs both take (the order among
  // them) and those only the image takes, and how many panels the picture stacks.
  async show(spec) {
    if (this.controller) this.controller.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.figure.hidden = false;
    this.actions.hidden = false;
    this.figure.setAttribute("aria-busy", "true");
    this.label();
    const image = this.imagePairs(spec);
    const hasPlot = this.service.offers(spec.plot);
    this.describe(spec, hasPlot);
    if (!hasPlot) {
      this.figure.hidden = true;
      this.figure.setAttribute("aria-busy", "false");
      setError(this.error, t("plot.notOffered"));
      return;
    }
    try {
      const svg = await request(url(spec.plot, spec.params, [...image, ["format", "svg"]]), controller.signal, "text");
      if (controller.signal.aborted) return;
      this.geometry = svgGeometry(svg);
      const objectUrl = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
      this.img.src = objectUrl;
      this.img.alt = spec.alt;
      if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = objectUrl;
      setError(this.error, "");
    } catch (error) {
      if (isAbort(error)) return;
      this.clear();
      showError(this.error, error);
    } finally {
      if (this.controller === controller) this.figure.setAttribute("aria-busy", "false");
    }
  }

  // What the picture takes besides the subject: the image's own options, its size and language.
  imagePairs(spec) {
    const { width, height } = this.size(spec.panels);
    const size = [["theme", theme()], ["width", width], ["height", height]];
    return [...spec.pairs, ...spec.imagePairs, ...size, ...langPairs(this.service, spec.plot)];
  }

  describe(spec, hasPlot) {
    const image = this.imagePairs(spec);
    const png = url(spec.plot, spec.params, [...image, ["scale", 2], ["format", "png"]]);
    const svg = url(spec.plot, spec.params, [...image, ["format", "svg"]]);
    const csv = url(spec.values, spec.params, [...spec.pairs, ["format", "csv"]]);
    for (const [kind, href] of [["png", png], ["svg", svg], ["csv", csv]]) {
      const link = this.links[kind];
      const available = kind === "csv" || hasPlot;
      link.hidden = !available;
      link.href = href;
      link.download = `${spec.name}.${kind}`;
    }
    this.curl = hasPlot
      ? `curl -sS ${shellQuote(absolute(png))} -o ${spec.name}.png`
      : `curl -sS ${shellQuote(absolute(csv))} -o ${spec.name}.csv`;
    this.code.textContent = this.curl;
  }

  async copyCurl() {
    try {
      await navigator.clipboard.writeText(this.curl);
      this.copy.textContent = t("plot.copied");
    } catch {
      // Without clipboard access (an insecure origin), select the command for the user instead.
      const range = document.createRange();
      range.selectNodeContents(this.code);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
      this.copy.textContent = t("plot.selected");
    }
    window.setTimeout(() => {
      this.copy.textContent = t("plot.copy");
    }, 1800);
  }
}

// ---------------------------------------------------------------------------------------------
// The cursor on the main plot: f(x) and its derivatives up to the order drawn, at one of
// CURSOR_POINTS points of the range, moved by the pointer or the arrow keys and drawn as a line
// from the top of the top panel's plotting area to the foot of the lowest's, where the plot's
// geometry puts it.

export class Cursor {
  constructor(view) {
    this.view = view;
    this.line = $("cursor");
    this.index = -1;
    this.x = [];
    // The values by key (y, dy, d2y, d3y) and the largest |value| of each, for the noise rule.
    this.series = {};
    this.scales = {};
    this.order = 1;
    // The precision of the values shown: float64 unless the answer names another.
    this.dtype = "float64";
    this.controller = null;
    const figure = view.figure;
    figure.addEventListener("pointermove", (event) => this.point(event));
    figure.addEventListener("pointerdown", (event) => this.point(event));
    figure.addEventListener("keydown", (event) => this.keys(event));
    // Read the values aloud while the keyboard moves the cursor, not on every pointer move.
    figure.addEventListener("focus", () => $("readout").setAttribute("aria-live", "polite"));
    figure.addEventListener("blur", () => $("readout").setAttribute("aria-live", "off"));
    // The line is placed in pixels of the picture, which a narrower window shrinks.
    // A new picture may put the plotting area elsewhere (wider tick labels, another order).
    new ResizeObserver(() => this.place()).observe(view.img);
    view.img.addEventListener("load", () => this.place());
  }

  // The values of the function named in params (see ROUTES.values) with the query pairs given
  // (the order among them); order: the highest derivative they bring, shown in the readout.
  async load(params, pairs, order = 1) {
    if (this.controller) this.controller.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.order = order;
    this.showReadoutFields();
    try {
      const data = await request(url(ROUTES.values, params, [...pairs, ["num", CURSOR_POINTS]]), controller.signal);
      this.x = data.x;
      this.series = {};
      this.scales = {};
      this.dtype = typeof data.dtype === "string" ? data.dtype : "float64";
      const exact = this.dtype === "float64";
      for (const key of ["y", ...DERIVATIVES.map(([k]) => k)]) {
        if (!Array.isArray(data[key])) continue;
        this.series[key] = data[key];
        this.scales[key] = exact ? largest(data[key]) : 0;
      }
      this.showPrecision(exact ? "" : errorText(data));
      if (this.index < 0 || this.index >= data.x.length) this.index = this.nearestIndex(0);
      this.show();
    } catch (error) {
      if (!isAbort(error)) {
        this.x = [];
        this.dtype = "float64";
        this.showPrecision("");
        this.show();
      }
    }
  }

  // The precision the readout's values are in (a tag after them) and their errors (a line below),
  // shown for a precision other than float64.
  showPrecision(text) {
    const tag = $("readout-dtype");
    tag.textContent = this.dtype;
    tag.hidden = this.dtype === "float64";
    $("readout-error").textContent = text;
    $("readout-error").hidden = !text;
  }

  showReadoutFields() {
    for (const [, order, span] of DERIVATIVES) $(span).hidden = order > this.order;
  }

  nearestIndex(x) {
    const n = this.x.length;
    if (!n) return -1;
    const t = (x - this.x[0]) / (this.x[n - 1] - this.x[0]);
    return Math.min(n - 1, Math.max(0, Math.round(t * (n - 1))));
  }

  value(key, i) {
    const series = this.series[key];
    if (!series) return "–";
    return formatNumber(clean(series[i], this.scales[key]));
  }

  show() {
    const i = this.index;
    const outputs = ["at-x", "at-y", ...DERIVATIVES.map(([, , , id]) => id)];
    if (!this.x.length || i < 0) {
      this.line.hidden = true;
      for (const id of outputs) $(id).textContent = "–";
      return;
    }
    $("at-x").textContent = formatNumber(this.x[i]);
    $("at-y").textContent = this.value("y", i);
    for (const [key, , , id] of DERIVATIVES) $(id).textContent = this.value(key, i);
    this.place();
  }

  // The line at the cursor's x, in the picture's pixels: the image may be narrower than its figure.
  place() {
    const geometry = this.view.geometry;
    const img = this.view.img;
    const n = this.x.length;
    if (!geometry || n < 2 || this.index < 0 || !img.offsetWidth) {
      this.line.hidden = true;
      return;
    }
    const t = this.index / (n - 1);
    const left = img.offsetLeft + (geometry.left + t * (geometry.right - geometry.left)) * img.offsetWidth;
    this.line.style.left = `${left}px`;
    this.line.style.top = `${img.offsetTop + geometry.top * img.offsetHeight}px`;
    this.line.style.height = `${(geometry.bottom - geometry.top) * img.offsetHeight}px`;
    this.line.style.bottom = "auto";
    this.line.hidden = false;
  }

  point(event) {
    const geometry = this.view.geometry;
    if (!geometry || !this.x.length) return;
    const rect = this.view.img.getBoundingClientRect();
    const t = ((event.clientX - rect.left) / rect.width - geometry.left) / (geometry.right - geometry.left);
    this.index = Math.min(this.x.length - 1, Math.max(0, Math.round(t * (this.x.length - 1))));
    this.show();
  }

  keys(event) {
    if (!this.x.length) return;
    const n = this.x.length;
    const step = event.shiftKey ? Math.round((n - 1) / 20) : Math.max(1, Math.round((n - 1) / 200));
    const moves = { ArrowLeft: -step, ArrowRight: step, Home: -n, End: n };
    if (!(event.key in moves)) return;
    event.preventDefault();
    this.index = Math.min(n - 1, Math.max(0, this.index + moves[event.key]));
    this.show();
  }
}
