// The precision tables: for each precision (dtype) the API computes in, where f′ rounds to exactly
// 0 for every input beyond (zero_gradient_from for x > 0, zero_gradient_below for x < 0), then the
// other numbers the precision endpoint gives, named and explained by its OpenAPI schema rather
// than by this file, so that a field the server adds is shown without a change here.

import { isAbort, request, showError, url } from "./api.js";
import { t } from "./i18n.js";
import { $, formatNumber } from "./util.js";

// The two numbers every row shows, with the side of x each bounds (their labels: t(key)).
const THRESHOLDS = [
  ["zero_gradient_from", "precision.from", "≥"],
  ["zero_gradient_below", "precision.below", "≤"],
];
// Fields that name the row or the subject rather than measure anything.
const NOT_SHOWN = new Set(["dtype", ...THRESHOLDS.map(([key]) => key)]);
const SUBJECT = new Set(["dtypes", "name", "label", "params", "expr", "method", "request"]);

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function humanName(key, schema) {
  const title = typeof schema?.title === "string" ? schema.title : "";
  // FastAPI's generated titles are only the key capitalised; the key reads as well.
  const generated = title.toLowerCase() === key.replaceAll("_", " ").toLowerCase();
  return title && !generated ? title : key.replaceAll("_", " ");
}

function isInteger(schema) {
  return [schema, ...(schema?.anyOf || [])].some((s) => s?.type === "integer");
}

// A number or flag of the endpoint's answer as text: integers with thousands separators, a share
// (a fraction the schema calls so) as a percentage, other numbers readably, null as "none".
function valueText(value, schema, key = "") {
  if (value === null || value === undefined) return t("an.none");
  if (typeof value === "boolean") return value ? t("an.yes") : t("an.no");
  if (typeof value === "number") {
    if (Number.isInteger(value) && isInteger(schema)) return value.toLocaleString("en-US");
    const words = `${key} ${schema?.description || ""}`.toLowerCase();
    if (/\b(share|fraction)/.test(words) && value >= 0 && value <= 1) {
      return `${formatNumber(Number((value * 100).toPrecision(4)))} %`;
    }
    return formatNumber(value);
  }
  return String(value);
}

function rowHeader(key, schema) {
  const th = element("th", humanName(key, schema));
  th.scope = "row";
  if (schema?.description) th.append(element("span", schema.description, "field-help"));
  return th;
}

export class PrecisionView {
  // service: what the server offers (see api.js); route: the precision route (ROUTES.precision or
  // ROUTES.expressionPrecision); box: the element the table goes in; panel: the element hidden
  // when the server has no such route; plotRoute: the route drawing f′ in each precision, if any;
  // heading: a heading put above the table (for a box within another panel); quiet: errors hide
  // the box instead of being shown (when the panel shows them already).
  constructor(service, { route, box, panel, plotRoute, heading = () => "", quiet = false }) {
    this.service = service;
    this.route = route;
    this.box = $(box);
    this.panel = panel ? $(panel) : this.box;
    this.plotRoute = plotRoute && service.offers(plotRoute) ? plotRoute : null;
    this.heading = heading;
    this.quiet = quiet;
    this.controller = null;
    // The address whose numbers are shown, and the one being asked for.
    this.shown = "";
    this.pending = "";
    this.dtype = "float64";
    this.item = this.itemSchema();
  }

  get offered() {
    return this.service.offers(this.route);
  }

  // The schema of one item of `dtypes` in the answer, for the names and meanings of its fields.
  itemSchema() {
    const answer = this.service.answer(this.route);
    const list = this.service.properties(answer).dtypes;
    return this.service.properties(list?.items);
  }

  // The precision numbers of the subject named in params (see the route), with the query pairs
  // given; dtype: the precision drawn now, whose row is marked.
  async load(params, pairs, dtype, plotPairs = []) {
    this.dtype = dtype;
    if (!this.offered) {
      this.panel.hidden = true;
      return;
    }
    this.panel.hidden = false;
    const address = url(this.route, params, pairs);
    this.plotAddress = this.plotRoute ? this.plotUrl(params, pairs, plotPairs) : null;
    if (address === this.shown || address === this.pending) {
      this.mark();
      this.updatePlot();
      return;
    }
    if (this.controller) this.controller.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.pending = address;
    this.box.setAttribute("aria-busy", "true");
    try {
      const data = await request(address, controller.signal);
      this.data = data;
      this.box.replaceChildren(...this.render(data));
      this.shown = address;
      this.mark();
      this.updatePlot();
    } catch (error) {
      if (isAbort(error)) return;
      this.shown = "";
      this.data = null;
      if (this.quiet) {
        this.panel.hidden = true;
      } else {
        const p = element("p", undefined, "error");
        showError(p, error);
        this.box.replaceChildren(p);
      }
    } finally {
      if (this.controller === controller) {
        this.box.setAttribute("aria-busy", "false");
        this.pending = "";
      }
    }
  }

  // The last answer again, in the page's language.
  redraw() {
    if (!this.data) return;
    const open = this.plotDetailsElement?.open;
    this.box.replaceChildren(...this.render(this.data));
    if (open) this.plotDetailsElement.open = true;
    this.mark();
  }

  // Marks the row of the precision drawn now.
  mark(dtype = this.dtype) {
    this.dtype = dtype;
    for (const row of this.box.querySelectorAll("tr[data-dtype]")) {
      const current = row.dataset.dtype === dtype;
      row.classList.toggle("current", current);
      if (current) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    }
  }

  render(data) {
    const rows = Array.isArray(data.dtypes) ? data.dtypes : [];
    const nodes = [];
    const heading = this.heading();
    if (heading) nodes.push(element("h3", heading));
    nodes.push(this.thresholdTable(rows));
    const more = this.moreNumbers(data, rows);
    if (more) nodes.push(more);
    if (this.plotRoute) nodes.push(this.plotDetails());
    return nodes;
  }

  thresholdTable(rows) {
    const wrap = element("div", undefined, "table-wrap");
    const table = element("table", undefined, "precision-table");
    const head = table.createTHead().insertRow();
    for (const text of [t("precision.column"), ...THRESHOLDS.map(([, label]) => t(label))]) {
      const th = element("th", text);
      th.scope = "col";
      head.append(th);
    }
    const body = table.createTBody();
    for (const item of rows) {
      const row = body.insertRow();
      row.dataset.dtype = item.dtype;
      const th = element("th", item.dtype);
      th.scope = "row";
      row.append(th);
      for (const [key, , sign] of THRESHOLDS) {
        const value = item[key];
        const cell = row.insertCell();
        cell.className = key;
        cell.textContent = typeof value === "number" ? `x ${sign} ${formatNumber(value)}` : t("precision.never");
        if (typeof value === "number") cell.title = String(value);
      }
    }
    wrap.append(table);
    return wrap;
  }

  // Every other field of the rows, in a <details> closed at first: numbers as a table (one line
  // per field, one column per precision; an object such as the error against the exact values as
  // a group of lines), texts (which inputs were checked) as a list under it.
  moreNumbers(data, rows) {
    const keys = [...Object.keys(this.item), ...rows.flatMap((item) => Object.keys(item))].filter(
      (key, i, all) => all.indexOf(key) === i && !NOT_SHOWN.has(key) && rows.some((item) => key in item),
    );
    const kind = (key) => {
      const values = rows.map((item) => item[key]).filter((v) => v !== null && v !== undefined);
      if (values.some((v) => typeof v === "string")) return "text";
      if (values.some((v) => typeof v === "object" && !Array.isArray(v))) return "group";
      return values.every((v) => typeof v !== "object") ? "number" : null;
    };
    const lines = [];
    const texts = [];
    for (const key of keys) {
      const schema = this.item[key];
      const what = kind(key);
      if (what === "number") lines.push({ key, schema, pick: (item) => item[key] });
      if (what === "text") texts.push([key, schema]);
      if (what === "group") {
        lines.push({ key, schema, heading: true });
        const inner = this.service.properties(schema);
        const innerKeys = [...Object.keys(inner), ...rows.flatMap((item) => Object.keys(item[key] || {}))].filter(
          (k, i, all) => all.indexOf(k) === i,
        );
        for (const sub of innerKeys) {
          const values = rows.map((item) => item[key]?.[sub]);
          if (values.some((v) => v !== null && typeof v === "object")) continue;
          lines.push({ key: sub, schema: inner[sub], pick: (item) => (item[key] ? item[key][sub] : undefined) });
        }
      }
    }
    const scalars = Object.entries(data).filter(
      ([key, value]) => !SUBJECT.has(key) && (typeof value === "number" || typeof value === "boolean"),
    );
    if (!lines.length && !texts.length && !scalars.length) return null;

    const details = element("details", undefined, "more");
    details.append(element("summary", t("precision.more")));
    if (lines.length) {
      const wrap = element("div", undefined, "table-wrap");
      const table = element("table", undefined, "precision-table more-table");
      const head = table.createTHead().insertRow();
      const corner = element("th", "");
      corner.scope = "col";
      head.append(corner);
      for (const item of rows) {
        const th = element("th", item.dtype);
        th.scope = "col";
        head.append(th);
      }
      const body = table.createTBody();
      for (const line of lines) {
        const row = body.insertRow();
        row.append(rowHeader(line.key, line.schema));
        if (line.heading) {
          row.className = "group";
          row.firstChild.colSpan = rows.length + 1;
          continue;
        }
        for (const item of rows) {
          const value = line.pick(item);
          row.insertCell().textContent = value === undefined ? "–" : valueText(value, line.schema, line.key);
        }
      }
      wrap.append(table);
      details.append(wrap);
    }
    for (const [key, schema] of texts) {
      const section = element("div", undefined, "texts");
      section.append(element("h4", humanName(key, schema)));
      if (schema?.description) section.append(element("p", schema.description, "field-help"));
      const list = element("ul");
      for (const item of rows) {
        if (typeof item[key] !== "string") continue;
        const li = element("li");
        li.append(element("strong", item.dtype), ` ${item[key]}`);
        list.append(li);
      }
      section.append(list);
      details.append(section);
    }
    if (scalars.length) {
      const list = element("dl", undefined, "numbers");
      for (const [key, value] of scalars) {
        const row = element("div");
        row.append(element("dt", key.replaceAll("_", " ")), element("dd", valueText(value, undefined, key)));
        list.append(row);
      }
      details.append(list);
    }
    return details;
  }

  // The plot of f′ in each precision (drawn only once its <details> is opened): the subject's
  // pairs, and those of the picture (theme, grid, size, format) that the plot route declares.
  plotUrl(params, pairs, plotPairs) {
    const declared = new Set((this.service.operation(this.plotRoute)?.parameters || []).map((p) => p.name));
    const available = this.box.clientWidth || this.panel.clientWidth || 640;
    const width = Math.round(Math.min(960, Math.max(320, available)));
    const height = Math.round(Math.min(560, Math.max(280, width * 0.62)));
    const image = [...plotPairs, ["width", width], ["height", height], ["format", "svg"]];
    return url(this.plotRoute, params, [...pairs, ...image.filter(([key]) => declared.has(key))]);
  }

  plotDetails() {
    const details = element("details", undefined, "more precision-plot");
    details.append(element("summary", t("precision.plot")));
    const img = element("img");
    img.alt = t("precision.plotAlt");
    details.append(img);
    details.addEventListener("toggle", () => this.updatePlot());
    this.plotDetailsElement = details;
    this.plotImage = img;
    return details;
  }

  updatePlot() {
    const details = this.plotDetailsElement;
    if (!details || !details.open || !this.plotAddress) return;
    if (this.plotImage.getAttribute("src") !== this.plotAddress) this.plotImage.src = this.plotAddress;
  }
}
