// The analysis panel: the numbers the analysis endpoint gives for the function and its range.

import { ROUTES, isAbort, request, url } from "./api.js";
import { $, formatNumber } from "./util.js";

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
    ["max_abs_second", "largest |f″| on the range"],
    ["argmax_second", "at x ="],
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

export class AnalysisPanel {
  // service: what the server offers (see api.js); a server without the endpoint gets a note.
  constructor(service) {
    this.service = service;
    this.box = $("analysis");
    this.controller = null;
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
      p.textContent = "This server does not offer an analysis endpoint yet.";
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
      box.replaceChildren(renderAnalysis(data));
    } catch (error) {
      if (isAbort(error)) return;
      const p = document.createElement("p");
      p.className = "error";
      p.textContent = error.message;
      box.replaceChildren(p);
    } finally {
      if (this.controller === controller) box.setAttribute("aria-busy", "false");
    }
  }
}
