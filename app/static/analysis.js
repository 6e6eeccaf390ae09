// The analysis panel: the numbers the analysis endpoint gives for the function and its range.

import { ROUTES, isAbort, request, showError, url } from "./api.js";
import { t } from "./i18n.js";
import { $, formatNumber } from "./util.js";

// The analysis numbers worth reading first, in order, each with how it reads (its label is
// t("an.<field>")); anything else the endpoint returns is listed after them under its own name.
// "x" is a place on the x axis, read against the range's width: -3.9e-13 there is 0. "text" is the
// service's own words (English).
const ANALYSIS_GROUPS = [
  ["sparsity", [
    ["fraction_zero", "percent"],
    ["zero_fraction_of_range", "percent"],
    ["zero_intervals", "intervals"],
  ]],
  ["saturation", [
    ["fraction_of_range", "percent"],
    ["intervals", "intervals"],
    ["eps_rule", "text"],
    ["why", "text"],
  ]],
  ["gradient", [
    ["max_abs"],
    ["argmax", "x"],
    ["max_abs_second"],
    ["argmax_second", "x", "an.argmax"],
    ["at_zero"],
    ["gain_bound"],
    ["depth"],
  ]],
  ["outputs", [
    ["mean", "spread"],
    ["variance"],
    ["negative_fraction", "percent"],
    ["sigma"],
  ]],
];

// A value as text, or null when it is not worth a line; scales: {x, spread}, the sizes that places
// and means are read against.
function analysisValue(value, kind, scales = {}) {
  if (kind === "percent" && typeof value === "number") return `${formatNumber(Number((value * 100).toPrecision(4)))} %`;
  if (kind === "intervals" && Array.isArray(value)) {
    const bound = (v) => formatNumber(v, scales.x);
    return value.length ? value.map(([a, b]) => `[${bound(a)}, ${bound(b)}]`).join(" ∪ ") : t("an.nowhere");
  }
  if (typeof value === "boolean") return value ? t("an.yes") : t("an.no");
  if (typeof value === "number" || value === null) return formatNumber(value, scales[kind] || 0);
  return typeof value === "string" ? value : null;
}

function analysisGroups(data) {
  const known = new Map(ANALYSIS_GROUPS);
  const span = data.range ? Math.abs(data.range.x_max - data.range.x_min) : 0;
  const variance = data.outputs?.variance;
  const scales = { x: span, spread: typeof variance === "number" && variance > 0 ? Math.sqrt(variance) : 0 };
  const groups = [];
  for (const [key, section] of Object.entries(data)) {
    if (!section || typeof section !== "object" || Array.isArray(section) || key === "params" || key === "range") {
      continue;
    }
    const rows = [];
    for (const [field, kind, label] of known.get(key) || []) {
      const text = field in section ? analysisValue(section[field], kind, scales) : null;
      if (text !== null) rows.push([t(label || `an.${field}`), text, kind === "text"]);
    }
    if (!known.has(key)) {
      for (const [field, value] of Object.entries(section)) {
        const text = analysisValue(value);
        if (text !== null && text.length <= 40) rows.push([field.replaceAll("_", " "), text, false]);
      }
    }
    const title = known.has(key) ? t(`an.${key}`) : key.replaceAll("_", " ");
    if (rows.length) groups.push([title, rows]);
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
    for (const [label, text, english] of rows) {
      if (english && text.length > 40) {
        // A sentence of the service's (why a threshold): a note under the numbers, not a number.
        const note = document.createElement("p");
        note.className = "muted note";
        note.lang = "en";
        note.textContent = `${label}: ${text}`;
        section.append(note);
        continue;
      }
      const row = document.createElement("div");
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = text;
      if (english) {
        dd.lang = "en";
        dd.className = "text";
      }
      row.append(dt, dd);
      list.append(row);
    }
    section.prepend(heading, list);
    wrap.append(section);
  }
  return wrap;
}

export class AnalysisPanel {
  // service: what the server offers (see api.js); a server without the endpoint gets a note.
  // answered(data): called with each answer (null when the request failed), for the tags.
  constructor(service, answered = () => {}) {
    this.service = service;
    this.box = $("analysis");
    this.controller = null;
    this.answered = answered;
    this.data = null;
  }

  // The last answer again, in the page's language.
  redraw() {
    if (this.data) this.box.replaceChildren(renderAnalysis(this.data));
  }

  // The analysis of the function named in params (see ROUTES.analysis), with its parameter pairs
  // and those of the range pairs the endpoint declares.
  async load(params, paramPairs, rangePairs) {
    const box = this.box;
    const operation = this.service.operation(ROUTES.analysis);
    if (!operation) {
      box.innerHTML = "";
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = t("analysis.notOffered");
      box.append(p);
      box.setAttribute("aria-busy", "false");
      return;
    }
    if (this.controller) this.controller.abort();
    const controller = new AbortController();
    this.controller = controller;
    const declared = new Set((operation.parameters || []).map((p) => p.name));
    const pairs = [...paramPairs, ...rangePairs.filter(([key]) => declared.has(key))];
    box.setAttribute("aria-busy", "true");
    try {
      const data = await request(url(ROUTES.analysis, params, pairs), controller.signal);
      this.data = data;
      box.replaceChildren(renderAnalysis(data));
      this.answered(data);
    } catch (error) {
      if (isAbort(error)) return;
      const p = document.createElement("p");
      p.className = "error";
      p.setAttribute("role", "alert");
      showError(p, error);
      this.data = null;
      box.replaceChildren(p);
      this.answered(null);
    } finally {
      if (this.controller === controller) box.setAttribute("aria-busy", "false");
    }
  }
}
