// The explorer: one function with its parameters, an expression and a comparison, drawn by the API.
// Native ES modules, no build step; every number and picture comes from the service's own endpoints.
//
//   main.js      wires the modules: the controls change the state, the views redraw from it
//   api.js       the routes and every request to the service
//   state.js     the state and its copy in the address
//   controls.js  the function panel: formula, properties, parameters, x range, order, precision
//   plot.js      a plot with its downloads and curl command; the cursor on the main plot
//   analysis.js  the analysis numbers
//   precision.js where f′ rounds to 0 in each precision, and the other precision numbers
//   claims.js    the article's claims: gradient flow, dead units, cost
//   i18n.js      every word shown, in English and Japanese
//   util.js      small helpers

import { AnalysisPanel } from "./analysis.js";
import { ROUTES, connect, describeError, langPairs } from "./api.js";
import { claimPanels } from "./claims.js";
import {
  bindDtype,
  bindOrder,
  bindRange,
  setAnalysis,
  showFunction,
  showProperties,
  syncDtype,
  syncRangeInputs,
} from "./controls.js";
import { LANGUAGE_NAMES, language, setLanguage, t, translatePage } from "./i18n.js";
import { Cursor, PlotView, darkScheme, theme } from "./plot.js";
import { PrecisionView } from "./precision.js";
import {
  DEFAULT_DTYPE,
  MAX_ORDER,
  activation,
  addCurve,
  chooseLanguage,
  currentCurve,
  dtypePairs,
  loadHash,
  loadLanguage,
  paramPairs,
  paramsText,
  rangePairs,
  removeCurve,
  resetParams,
  saveHash,
  selectFunction,
  setCatalogue,
  setExpression,
  setGrid,
  state,
} from "./state.js";
import { $, debounce, setError } from "./util.js";

// What a plot of the given order shows besides f, for its description: whose is "its" or "their".
function derivativesText(order, whose) {
  return t("alt.derivs", { order, whose });
}

// The end of a plot's description: in which precision it is computed, when not float64.
function inPrecision(dtype) {
  return dtype === DEFAULT_DTYPE ? "" : t("alt.precision", { dtype });
}

// The highest order the server draws and evaluates: 0 to 3 where the function's routes take
// `order`, 1 where they only know derivative=true/false.
function highestOrder(service) {
  const routes = [ROUTES.plot, ROUTES.values].filter((route) => service.offers(route));
  return Math.min(MAX_ORDER, ...routes.map((route) => service.maximum(route, "order") ?? 1));
}

// The page's views, made once the service has said what it offers; each redraws from the state.
class Explorer {
  constructor(service) {
    this.service = service;
    this.plot = new PlotView("plot", service);
    this.cursor = new Cursor(this.plot);
    this.analysis = new AnalysisPanel(service, (data) => {
      setAnalysis(data);
      showProperties();
    });
    this.expr = new PlotView("expr", service);
    this.compare = new PlotView("compare", service);
    this.precision = new PrecisionView(service, {
      route: ROUTES.precision,
      plotRoute: ROUTES.precisionPlot,
      box: "precision",
      panel: "precision-panel",
    });
    this.exprPrecision = new PrecisionView(service, {
      route: ROUTES.expressionPrecision,
      plotRoute: ROUTES.expressionPrecisionPlot,
      box: "expr-precision",
      heading: () => t("precision.exprHeading"),
      quiet: true,
    });
    this.refreshSoon = debounce(() => this.refresh(), 140);
  }

  // The order as a route takes it: order=0..3, or on a server without it derivative=false for
  // order 0 (and nothing, the default f and f′, otherwise). With the order actually asked for.
  orderOf(route) {
    const most = this.service.maximum(route, "order");
    if (most !== undefined) {
      const order = Math.min(state.order, most);
      return { order, pairs: [["order", order]] };
    }
    const order = Math.min(state.order, 1);
    const takesFlag = Boolean(this.service.parameter(route, "derivative"));
    return { order: takesFlag ? order : 1, pairs: takesFlag && order === 0 ? [["derivative", false]] : [] };
  }

  // The precision as a route takes it: dtype= when it is not float64 and the route declares it
  // (a server without it computes in float64). With the precision actually asked for.
  dtypeOf(route) {
    const takes = Boolean(this.service.parameter(route, "dtype"));
    const pairs = takes ? dtypePairs() : [];
    return { dtype: pairs.length ? state.dtype : DEFAULT_DTYPE, pairs };
  }

  // What a plot of f′ in each precision takes besides its subject (those it declares are sent): the
  // x range takes in the route's own default range, wide enough to show where f′ rounds to 0.
  precisionPlotPairs(route) {
    const wide = (name) => this.service.parameter(route, name)?.schema?.default;
    const [low, high] = [wide("x_min"), wide("x_max")];
    const range = [
      ["x_min", Number.isFinite(low) ? Math.min(low, state.x_min) : state.x_min],
      ["x_max", Number.isFinite(high) ? Math.max(high, state.x_max) : state.x_max],
    ];
    return [...range, ["theme", theme()], ["grid", state.grid], ...langPairs(this.service, route)];
  }

  // The function: its plot, the values under the cursor, the analysis and the precision numbers.
  refresh() {
    const info = activation();
    if (!info) return;
    if (!(state.x_min < state.x_max)) {
      this.plot.clear();
      setError($("plot-error"), t("error.range", { low: state.x_min, high: state.x_max }));
      return;
    }
    const extra = paramsText();
    const { order, pairs: orderPairs } = this.orderOf(ROUTES.plot);
    const { dtype, pairs: dtypePlotPairs } = this.dtypeOf(ROUTES.plot);
    const what = `${info.label}${extra ? ` (${extra})` : ""}${derivativesText(order, "its")}`;
    const params = { name: state.fn };
    this.plot.show({
      plot: ROUTES.plot,
      values: ROUTES.values,
      params,
      pairs: [...paramPairs(), ...rangePairs(), ...orderPairs, ...dtypePlotPairs],
      imagePairs: [["grid", state.grid]],
      panels: order + 1,
      name: state.fn,
      alt: `${what}${t("alt.range", { low: state.x_min, high: state.x_max })}${inPrecision(dtype)}`,
    });
    const values = this.orderOf(ROUTES.values);
    const valuesDtype = this.dtypeOf(ROUTES.values).pairs;
    this.cursor.load(params, [...paramPairs(), ...rangePairs(), ...values.pairs, ...valuesDtype], values.order);
    this.analysis.load(params, paramPairs(), rangePairs());
    this.precision.load(params, paramPairs(), state.dtype, this.precisionPlotPairs(ROUTES.precisionPlot));
    saveHash();
  }

  showExpression() {
    const text = state.expr.trim();
    if (!text) return;
    const { order, pairs: orderPairs } = this.orderOf(ROUTES.expressionPlot);
    const { dtype, pairs: dtypePlotPairs } = this.dtypeOf(ROUTES.expressionPlot);
    this.expr.show({
      plot: ROUTES.expressionPlot,
      values: ROUTES.expressionValues,
      pairs: [["expr", text], ...rangePairs(), ...orderPairs, ...dtypePlotPairs],
      imagePairs: [["grid", state.grid]],
      panels: order + 1,
      name: "expression",
      alt: `f(x) = ${text}${derivativesText(order, "its")}${inPrecision(dtype)}`,
    });
    const plotPairs = this.precisionPlotPairs(ROUTES.expressionPrecisionPlot);
    this.exprPrecision.load({}, [["expr", text]], state.dtype, plotPairs);
    saveHash();
  }

  addToComparison(curve) {
    setError($("compare-error"), "");
    if (state.curves.some((c) => c.f === curve.f)) return;
    if (state.curves.length >= state.maxCurves) {
      setError($("compare-error"), t("compare.tooMany", { n: state.maxCurves }));
      return;
    }
    addCurve(curve);
    this.showComparison();
  }

  showComparison() {
    const list = $("curves");
    list.innerHTML = "";
    state.curves.forEach((curve, i) => {
      const li = document.createElement("li");
      const text = document.createElement("span");
      text.textContent = curve.label;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "×";
      remove.setAttribute("aria-label", t("compare.remove", { label: curve.label }));
      remove.addEventListener("click", () => {
        removeCurve(i);
        this.showComparison();
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
    const { order, pairs: orderPairs } = this.orderOf(ROUTES.comparePlot);
    const { dtype, pairs: dtypePlotPairs } = this.dtypeOf(ROUTES.comparePlot);
    const labels = state.curves.map((c) => c.label).join(", ");
    this.compare.show({
      plot: ROUTES.comparePlot,
      values: ROUTES.compareValues,
      pairs: [...pairs, ...rangePairs(), ...orderPairs, ...dtypePlotPairs],
      imagePairs: [["grid", state.grid]],
      panels: order + 1,
      name: "comparison",
      alt: `${t("alt.comparison", { labels })}${derivativesText(order, "their")}${inPrecision(dtype)}`,
    });
  }

  // Everything drawn, for changes every plot shows (order, grid, colour scheme, size, language).
  refreshAll() {
    this.refresh();
    if (state.expr.trim() && !$("expr-figure").hidden) this.showExpression();
    if (state.curves.length) this.showComparison();
  }
}

// The page in the state's language: its fixed words, and the switch showing which is on. Japanese
// waits (a few seconds at most) for a Japanese font, the web font when the system has none, so
// that no word is first laid out without one.
async function showLanguage() {
  // The fonts the page's own font list brings for Japanese (none to fetch where the system has one).
  const family = window.getComputedStyle(document.body).fontFamily;
  const ready = document.fonts.load(`1em ${family}`, "日本語").catch(() => null);
  await Promise.race([ready, new Promise((resolve) => window.setTimeout(resolve, 3000))]);
  setLanguage(state.lang);
  translatePage();
  for (const button of document.querySelectorAll(".lang-switch button")) {
    button.textContent = LANGUAGE_NAMES[button.dataset.lang];
    button.setAttribute("aria-pressed", String(button.dataset.lang === language()));
  }
}

async function start() {
  loadLanguage();
  await showLanguage();
  let service, functions;
  try {
    ({ service, functions } = await connect());
  } catch (error) {
    const { heading, detail } = describeError(error);
    setError($("plot-error"), t("error.unreachable"), detail || heading);
    return;
  }
  setCatalogue(
    functions,
    service.parameter(ROUTES.compareValues, "f")?.schema?.maxItems,
    highestOrder(service),
    service.choices(ROUTES.values, "dtype"),
  );

  const select = $("fn");
  const compareSelect = $("compare-fn");
  select.innerHTML = "";
  for (const info of functions) {
    select.add(new Option(info.label, info.name));
    compareSelect.add(new Option(info.label, info.name));
  }
  compareSelect.value = "tanh";
  loadHash();
  select.value = state.fn;
  select.disabled = false;
  $("grid").checked = state.grid;
  $("expr").value = state.expr;
  syncRangeInputs();

  const explorer = new Explorer(service);

  const missing = [ROUTES.plot, ROUTES.expressionPlot, ROUTES.comparePlot, ROUTES.analysis].filter(
    (route) => !service.offers(route),
  );
  if (missing.length) {
    const notice = $("notice");
    notice.textContent = t("notice.missing", { routes: missing.join(", ") });
    notice.hidden = false;
  }

  const changed = (soon) => (soon ? explorer.refreshSoon() : explorer.refresh());
  select.addEventListener("change", () => {
    selectFunction(select.value);
    showFunction(changed);
    explorer.refresh();
  });
  $("reset").addEventListener("click", () => {
    resetParams();
    showFunction(changed);
    explorer.refresh();
  });
  bindRange("x_min", changed);
  bindRange("x_max", changed);
  bindOrder(() => {
    showProperties();
    explorer.refreshAll();
  });
  bindDtype(() => {
    showProperties();
    explorer.refreshAll();
  });
  $("grid").addEventListener("change", (event) => {
    setGrid(event.target.checked);
    explorer.refreshAll();
  });
  $("controls").addEventListener("submit", (event) => event.preventDefault());

  $("expr-form").addEventListener("submit", (event) => {
    event.preventDefault();
    setExpression($("expr").value);
    if (!state.expr.trim()) {
      setError($("expr-error"), t("expr.empty"));
      return;
    }
    explorer.showExpression();
  });
  $("expr-add").addEventListener("click", () => {
    const text = $("expr").value.trim();
    if (text) explorer.addToComparison({ f: text, label: text });
  });
  $("compare-add").addEventListener("click", () => {
    const info = state.catalogue.get(compareSelect.value);
    explorer.addToComparison({ f: info.name, label: info.label });
  });
  $("compare-add-current").addEventListener("click", () => explorer.addToComparison(currentCurve()));

  darkScheme.addEventListener("change", () => explorer.refreshAll());
  // Redraw at the new size only when the plot's width changed by more than 15 %.
  const figure = $("plot-figure");
  let lastWidth = figure.clientWidth;
  const resized = debounce(() => {
    if (Math.abs(figure.clientWidth - lastWidth) > 0.15 * lastWidth) {
      lastWidth = figure.clientWidth;
      explorer.refreshAll();
    }
  }, 300);
  new ResizeObserver(resized).observe(figure);

  const claims = claimPanels(service, state.catalogue);
  for (const button of document.querySelectorAll(".lang-switch button")) {
    button.addEventListener("click", async () => {
      if (button.dataset.lang === state.lang) return;
      chooseLanguage(button.dataset.lang);
      await showLanguage();
      showFunction(changed);
      syncDtype();
      explorer.analysis.redraw();
      explorer.precision.redraw();
      explorer.exprPrecision.redraw();
      explorer.refreshAll();
      for (const panel of claims) panel.relabel();
    });
  }

  showFunction(changed);
  explorer.refresh();
  if (state.expr.trim()) explorer.showExpression();
  if (state.curves.length) explorer.showComparison();
}

start();
