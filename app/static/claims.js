// The panels of the article's claims, each from its analysis endpoint: the gradient through a
// deep network's layers (depth, initialisation, functions), dead units while it trains (learning
// rate) and the cost per element. Each runs when it first comes into view or on its button, then
// again when a control changes; one request per panel at a time, each within the service's limits.

import { ROUTES, isAbort, langPairs, request, showError, url } from "./api.js";
import { t } from "./i18n.js";
import { theme } from "./plot.js";
import { $, debounce, formatNumber, setError } from "./util.js";

// The functions a reader can tick, in the article's order; those the server lacks are left out.
const FUNCTIONS = ["relu", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "softplus"];
// Choices that keep every request well inside the service's work limits for all eight functions.
const FLOW_BATCH = 64;
const LEARNING_RATES = [0.01, 0.1, 0.5, 1, 2];
const STEPS = [50, 100, 200];
const DEAD_WIDTH = 32;
const COST_N = [10_000, 100_000];

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function percent(value) {
  return typeof value === "number" ? `${formatNumber(Number((value * 100).toPrecision(3)))} %` : "–";
}

function number(value) {
  return typeof value === "number" ? formatNumber(Number(value.toPrecision(4))) : "–";
}

function fillSelect(select, values, chosen, text = String) {
  select.replaceChildren(...values.map((value) => new Option(text(value), String(value), false, value === chosen)));
}

// A table with a header row and one row per item: columns [[heading, (item) => text or node]].
function table(items, columns, label) {
  const node = element("table", undefined, "claim-table");
  const head = node.createTHead().insertRow();
  for (const [heading] of columns) {
    const th = element("th", heading);
    th.scope = "col";
    head.append(th);
  }
  const body = node.createTBody();
  for (const item of items) {
    const row = body.insertRow();
    row.dataset.f = item.f;
    columns.forEach(([, cell], i) => {
      const value = cell(item);
      const node = i === 0 ? element("th", undefined) : row.insertCell();
      if (i === 0) {
        node.scope = "row";
        row.append(node);
      }
      if (typeof value === "string") node.textContent = value;
      else node.append(value);
    });
  }
  node.setAttribute("aria-label", label);
  return node;
}

class ClaimPanel {
  // id: the prefix of the panel's elements; route and plotRoute: its JSON and picture routes
  // (plotRoute null when it has none); defaults: the functions ticked at first.
  constructor(service, catalogue, { id, route, plotRoute = null, defaults }) {
    this.service = service;
    this.catalogue = catalogue;
    this.id = id;
    this.route = route;
    this.plotRoute = plotRoute && service.offers(plotRoute) ? plotRoute : null;
    this.section = $(id);
    this.form = $(`${id}-form`);
    this.status = $(`${id}-status`);
    this.error = $(`${id}-error`);
    this.numbers = $(`${id}-numbers`);
    this.figure = plotRoute ? $(`${id}-figure`) : null;
    this.img = plotRoute ? $(`${id}-plot`) : null;
    this.controller = null;
    this.data = null;
    this.objectUrl = null;
    this.ran = false;
    this.status.textContent = t("claims.idle");
    this.buildFunctions(defaults);
    if (!service.offers(route)) {
      this.section.hidden = true;
      return;
    }
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.run();
    });
    const again = debounce(() => this.ran && this.run(), 250);
    this.form.addEventListener("change", again);
    // Computed once the reader reaches the panel, not for every visit of the page.
    new IntersectionObserver((entries, observer) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        observer.disconnect();
        if (!this.ran) this.run();
      }
    }).observe(this.section);
  }

  buildFunctions(defaults) {
    const box = $(`${this.id}-functions`);
    const legend = box.querySelector("legend");
    const items = FUNCTIONS.filter((name) => this.catalogue.has(name)).map((name) => {
      const wrap = element("div", undefined, "check");
      const input = element("input");
      Object.assign(input, { type: "checkbox", id: `${this.id}-f-${name}`, value: name, checked: defaults.includes(name) });
      const label = element("label", this.catalogue.get(name).label);
      label.htmlFor = input.id;
      wrap.append(input, label);
      return wrap;
    });
    box.replaceChildren(legend, ...items);
  }

  chosen() {
    return [...this.form.querySelectorAll("input[type=checkbox]:checked")].map((input) => input.value);
  }

  // The query pairs of the request, besides the functions (each panel's own).
  pairs() {
    return [];
  }

  // The picture's size: as wide as the panel allows, within what reads well.
  imagePairs() {
    const available = this.section.clientWidth || 640;
    const width = Math.round(Math.min(900, Math.max(320, available)));
    const height = Math.round(Math.min(540, Math.max(280, width * 0.6)));
    return [["image_width", width], ["image_height", height], ["theme", theme()], ["format", "svg"]];
  }

  async run() {
    this.ran = true;
    if (this.controller) this.controller.abort();
    const functions = this.chosen();
    if (!functions.length) {
      this.clear();
      setError(this.error, t("claims.chooseOne"));
      return;
    }
    const controller = new AbortController();
    this.controller = controller;
    const pairs = [...functions.map((f) => ["f", f]), ...this.pairs()];
    this.status.textContent = t("claims.loading");
    this.status.hidden = false;
    this.section.setAttribute("aria-busy", "true");
    if (this.figure) this.figure.setAttribute("aria-busy", "true");
    try {
      const plotPairs = this.plotRoute ? [...pairs, ...this.imagePairs(), ...langPairs(this.service, this.plotRoute)] : [];
      const [data, svg] = await Promise.all([
        request(url(this.route, {}, pairs), controller.signal),
        this.plotRoute ? request(url(this.plotRoute, {}, plotPairs), controller.signal, "text") : null,
      ]);
      if (this.controller !== controller) return;
      this.data = data;
      this.showNumbers();
      if (svg !== null) this.showPicture(svg);
      setError(this.error, "");
      this.status.hidden = true;
    } catch (error) {
      if (isAbort(error)) return;
      this.clear();
      showError(this.error, error);
    } finally {
      if (this.controller === controller) {
        this.section.setAttribute("aria-busy", "false");
        if (this.figure) this.figure.setAttribute("aria-busy", "false");
      }
    }
  }

  showPicture(svg) {
    const objectUrl = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
    this.img.src = objectUrl;
    this.img.alt = this.alt();
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = objectUrl;
    this.figure.hidden = false;
  }

  showNumbers() {
    if (this.data) this.numbers.replaceChildren(this.render(this.data));
  }

  // After a failed request: neither the old picture nor the old numbers stay.
  clear() {
    this.data = null;
    this.status.hidden = true;
    this.numbers.replaceChildren();
    if (this.figure) {
      this.figure.hidden = true;
      this.img.removeAttribute("src");
      if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = null;
    }
  }

  labels(data) {
    return data.functions.map((item) => item.label).join(", ");
  }

  // In the page's language: the numbers again, and the picture when the server draws it in it.
  relabel() {
    this.showNumbers();
    if (this.img && this.data) this.img.alt = this.alt();
    if (!this.ran) this.status.textContent = t("claims.idle");
    if (this.ran && this.plotRoute && this.service.parameter(this.plotRoute, "lang")) this.run();
  }
}

class FlowPanel extends ClaimPanel {
  constructor(service, catalogue) {
    super(service, catalogue, {
      id: "flow",
      route: ROUTES.gradientFlow,
      plotRoute: ROUTES.gradientFlowPlot,
      defaults: ["relu", "sigmoid", "tanh"],
    });
    const most = Math.min(service.maximum(ROUTES.gradientFlow, "depth") ?? 100, 100);
    const number = $("flow-depth");
    const range = $("flow-depth-range");
    number.max = String(most);
    range.max = String(Math.min(50, most));
    range.addEventListener("input", () => {
      number.value = range.value;
    });
    number.addEventListener("input", () => {
      range.value = number.value;
    });
    const inits = service.choices(ROUTES.gradientFlow, "init");
    fillSelect($("flow-init"), inits.length ? inits : ["he"], "he", (init) => t(`init.${init}`));
  }

  depth() {
    const most = Number($("flow-depth").max) || 100;
    const value = Math.round(Number($("flow-depth").value));
    return Number.isFinite(value) ? Math.min(most, Math.max(2, value)) : 20;
  }

  pairs() {
    return [["depth", this.depth()], ["init", $("flow-init").value], ["batch", FLOW_BATCH]];
  }

  alt() {
    const { depth, init } = this.data.network;
    return t("flow.alt", { depth, init: t(`init.${init}`), labels: this.labels(this.data) });
  }

  render(data) {
    const depth = data.network.depth;
    const norms = (item) => item.output_grad_norm;
    const mean = (values) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
    return table(
      data.functions,
      [
        [t("table.function"), (item) => item.label],
        [t("flow.ratio"), (item) => number(item.ratio_per_layer)],
        [t("flow.first"), (item) => number(norms(item)[0])],
        [t("flow.last", { depth }), (item) => number(norms(item)[depth - 1])],
        [t("flow.sparsity"), (item) => percent(mean(item.zero_fraction))],
      ],
      t("flow.heading"),
    );
  }

  relabel() {
    const select = $("flow-init");
    for (const option of select.options) option.textContent = t(`init.${option.value}`);
    super.relabel();
  }
}

class DeadPanel extends ClaimPanel {
  constructor(service, catalogue) {
    super(service, catalogue, {
      id: "dead",
      route: ROUTES.deadUnits,
      plotRoute: ROUTES.deadUnitsPlot,
      defaults: ["relu", "leaky_relu"],
    });
    fillSelect($("dead-lr"), LEARNING_RATES, 0.5);
    fillSelect($("dead-steps"), STEPS, 200);
  }

  pairs() {
    return [["lr", Number($("dead-lr").value)], ["steps", Number($("dead-steps").value)], ["width", DEAD_WIDTH]];
  }

  alt() {
    const { lr, steps } = this.data.training;
    return t("dead.alt", { lr, steps, labels: this.labels(this.data) });
  }

  render(data) {
    return table(
      data.functions,
      [
        [t("table.function"), (item) => item.label],
        [t("dead.final"), (item) => percent(item.final_dead_fraction)],
        [t("dead.loss"), (item) => number(item.final_loss)],
        [t("dead.diverged"), (item) => (item.diverged_at_step === null ? "–" : String(item.diverged_at_step))],
      ],
      t("dead.heading"),
    );
  }
}

class CostPanel extends ClaimPanel {
  constructor(service, catalogue) {
    super(service, catalogue, { id: "cost", route: ROUTES.cost, defaults: ["relu", "sigmoid", "tanh", "gelu"] });
    fillSelect($("cost-n"), COST_N, 100_000, (n) => n.toLocaleString("en-US"));
  }

  pairs() {
    return [["n", Number($("cost-n").value)]];
  }

  render(data) {
    const most = Math.max(...data.functions.map((item) => item.value_relative_to_relu || 0), 1);
    const bar = (item) => {
      const wrap = element("span", undefined, "bar-cell");
      const relative = item.value_relative_to_relu;
      const track = element("span", undefined, "bar");
      const fill = element("span", undefined, "bar-fill");
      fill.style.width = `${Math.max(1, (100 * (relative || 0)) / most)}%`;
      track.append(fill);
      wrap.append(track, element("span", typeof relative === "number" ? `${number(relative)}×` : "–"));
      return wrap;
    };
    const wrap = element("div");
    wrap.append(
      table(
        data.functions,
        [
          [t("table.function"), (item) => item.label],
          [t("cost.value"), (item) => number(item.value_ns_per_element)],
          [t("cost.derivative"), (item) => number(item.derivative_ns_per_element)],
          [t("cost.relative"), bar],
        ],
        t("cost.bars"),
      ),
      element(
        "p",
        t("cost.machine", {
          n: data.n.toLocaleString("en-US"),
          repeats: data.repeats,
          numpy: data.numpy,
          machine: data.machine,
        }),
        "muted note",
      ),
    );
    return wrap;
  }

  // A new measurement only when asked for: the language alone does not change the numbers.
  relabel() {
    this.showNumbers();
    if (!this.ran) this.status.textContent = t("claims.idle");
  }
}

export function claimPanels(service, catalogue) {
  return [new FlowPanel(service, catalogue), new DeadPanel(service, catalogue), new CostPanel(service, catalogue)];
}
