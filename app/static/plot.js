// A plot with its downloads and curl command, and the main plot's cursor. The picture is the
// API's SVG; a server without the plot endpoint still gets the CSV download and a note instead.

import { ROUTES, isAbort, request, url } from "./api.js";
import { $, formatNumber, setError } from "./util.js";

const ORIGIN = window.location.origin;
const CURSOR_POINTS = 801;
// The plots are drawn in the page's scheme; main.js redraws them when it changes.
export const darkScheme = window.matchMedia("(prefers-color-scheme: dark)");

// The id app/render gives the background rectangle of the top (f) panel in every SVG it draws:
// app.render.PLOT_AREA_ID. Its left and right edges are x_min and x_max.
const PLOT_AREA_ID = "plot-area";

function theme() {
  return darkScheme.matches ? "dark" : "light";
}

function shellQuote(text) {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

function svgGeometry(text) {
  // The x axis runs from x_min to x_max between the left and right edges of the plot area.
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const root = doc.documentElement;
  const viewBox = (root.getAttribute("viewBox") || "").split(/[\s,]+/).map(Number);
  const box = doc.querySelector(`[id="${PLOT_AREA_ID}"] path`);
  if (viewBox.length !== 4 || !box) return null;
  const xs = (box.getAttribute("d").match(/-?[\d.]+(e-?\d+)?/g) || []).map(Number).filter((_, i) => i % 2 === 0);
  if (!xs.length || !(viewBox[2] > 0)) return null;
  return { left: Math.min(...xs) / viewBox[2], right: Math.max(...xs) / viewBox[2] };
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

  // spec: {plot, values, params, pairs, imagePairs, name, alt}: the plot and values routes (from
  // ROUTES) with the params that fill them in, the query pairs both take and those only the image takes.
  async show(spec) {
    if (this.controller) this.controller.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.figure.hidden = false;
    this.actions.hidden = false;
    this.figure.setAttribute("aria-busy", "true");
    const { width, height } = this.size();
    const image = [...spec.pairs, ...spec.imagePairs, ["theme", theme()], ["width", width], ["height", height]];
    const hasPlot = this.service.offers(spec.plot);
    this.describe(spec, hasPlot);
    if (!hasPlot) {
      this.figure.hidden = true;
      this.figure.setAttribute("aria-busy", "false");
      setError(this.error, "This server does not draw this plot; the CSV below has its numbers.");
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
      setError(this.error, error.message);
    } finally {
      if (this.controller === controller) this.figure.setAttribute("aria-busy", "false");
    }
  }

  describe(spec, hasPlot) {
    const { width, height } = this.size();
    const image = [...spec.pairs, ...spec.imagePairs, ["theme", theme()], ["width", width], ["height", height]];
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
// The cursor on the main plot: f(x) and f′(x) at one of CURSOR_POINTS points of the range, moved
// by the pointer or the arrow keys and drawn as a line where the plot's geometry puts it.

export class Cursor {
  constructor(view) {
    this.view = view;
    this.line = $("cursor");
    this.index = -1;
    this.x = [];
    this.y = [];
    this.dy = [];
    this.controller = null;
    const figure = view.figure;
    figure.addEventListener("pointermove", (event) => this.point(event));
    figure.addEventListener("pointerdown", (event) => this.point(event));
    figure.addEventListener("keydown", (event) => this.keys(event));
    // Read the values aloud while the keyboard moves the cursor, not on every pointer move.
    figure.addEventListener("focus", () => $("readout").setAttribute("aria-live", "polite"));
    figure.addEventListener("blur", () => $("readout").setAttribute("aria-live", "off"));
  }

  // The values of the function named in params (see ROUTES.values) with the query pairs given.
  async load(params, pairs) {
    if (this.controller) this.controller.abort();
    const controller = new AbortController();
    this.controller = controller;
    try {
      const data = await request(url(ROUTES.values, params, [...pairs, ["num", CURSOR_POINTS]]), controller.signal);
      this.x = data.x;
      this.y = data.y;
      this.dy = data.dy || [];
      if (this.index < 0 || this.index >= data.x.length) this.index = this.nearestIndex(0);
      this.show();
    } catch (error) {
      if (!isAbort(error)) {
        this.x = [];
        this.show();
      }
    }
  }

  nearestIndex(x) {
    const n = this.x.length;
    if (!n) return -1;
    const t = (x - this.x[0]) / (this.x[n - 1] - this.x[0]);
    return Math.min(n - 1, Math.max(0, Math.round(t * (n - 1))));
  }

  show() {
    const i = this.index;
    if (!this.x.length || i < 0) {
      this.line.hidden = true;
      for (const id of ["at-x", "at-y", "at-dy"]) $(id).textContent = "–";
      return;
    }
    $("at-x").textContent = formatNumber(this.x[i]);
    $("at-y").textContent = formatNumber(this.y[i]);
    $("at-dy").textContent = formatNumber(this.dy[i]);
    const geometry = this.view.geometry;
    if (!geometry) {
      this.line.hidden = true;
      return;
    }
    const n = this.x.length;
    const t = i / (n - 1);
    this.line.style.left = `${(geometry.left + t * (geometry.right - geometry.left)) * 100}%`;
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
