// The API client: every request to the service goes through here, and every route is named once.

import { language, t } from "./i18n.js";
import { query, setError } from "./util.js";

// Route templates exactly as the OpenAPI document spells them, so that they double as its keys.
export const ROUTES = {
  openapi: "/openapi.json",
  activations: "/v1/activations",
  values: "/v1/activations/{name}/values",
  plot: "/v1/activations/{name}/plot",
  analysis: "/v1/activations/{name}/analysis",
  expressionValues: "/v1/expressions/values",
  expressionPlot: "/v1/expressions/plot",
  compareValues: "/v1/compare/values",
  comparePlot: "/v1/compare/plot",
  precision: "/v1/activations/{name}/precision",
  precisionPlot: "/v1/activations/{name}/precision/plot",
  expressionPrecision: "/v1/expressions/precision",
  expressionPrecisionPlot: "/v1/expressions/precision/plot",
  gradientFlow: "/v1/analysis/gradient-flow",
  gradientFlowPlot: "/v1/analysis/gradient-flow/plot",
  deadUnits: "/v1/analysis/dead-units",
  deadUnitsPlot: "/v1/analysis/dead-units/plot",
  cost: "/v1/analysis/cost",
};

// A route with its {placeholders} filled in, relative to the page's base (the <base> the server
// writes from its root_path), so that the explorer works behind a path prefix:
// path(ROUTES.plot, { name: "elu" }) is v1/activations/elu/plot.
export function path(route, params = {}) {
  return route.replace(/^\//, "").replace(/\{(\w+)\}/g, (_, key) => encodeURIComponent(params[key]));
}

// A URL made absolute against the page's base, for a curl command or a link copied elsewhere.
export function absolute(relative) {
  return new URL(relative, document.baseURI).href;
}

// The URL of a request: the route's path and a query of [key, value] pairs (empty values left out).
export function url(route, params, pairs) {
  return `${path(route, params)}?${query(pairs)}`;
}

// "did you mean a, a, b?" reads "did you mean a, b?": each suggestion is named once.
function uniqueSuggestions(text) {
  return text.replace(/(did you mean:?\s*)([^?]*)\?/gi, (_, lead, names) => {
    const unique = names
      .split(",")
      .map((name) => name.trim())
      .filter((name, i, all) => name && all.indexOf(name) === i);
    return `${lead}${unique.join(", ")}?`;
  });
}

// The service's own words on what went wrong (English), each message once; "" when it gave none.
function detailText(body) {
  const detail = body && body.detail;
  if (Array.isArray(detail)) {
    const lines = detail.map((item) => {
      const where = (item.loc || []).filter((part) => part !== "query" && part !== "body").join(" ");
      return uniqueSuggestions(where ? `${where}: ${item.msg}` : String(item.msg));
    });
    return lines.filter((line, i) => lines.indexOf(line) === i).join("; ");
  }
  return typeof detail === "string" ? uniqueSuggestions(detail) : "";
}

// An answer other than 2xx: its status and the service's detail (English).
export class ApiError extends Error {
  constructor(detail, status) {
    super(detail || `HTTP ${status}`);
    this.detail = detail;
    this.status = status;
  }
}

// What went wrong, for the reader: a heading in their language and the service's detail, if any.
export function describeError(error) {
  if (error instanceof ApiError) {
    return error.detail
      ? { heading: t("error.service", { status: error.status }), detail: error.detail }
      : { heading: t("error.status", { status: error.status }), detail: "" };
  }
  if (error && error.name === "TimeoutError") return { heading: t("error.timeout", { seconds: error.seconds }), detail: "" };
  return { heading: t("error.network"), detail: "" };
}

// The error shown in `element`, or nothing when it was only superseded by a newer request.
export function showError(element, error) {
  if (isAbort(error)) return;
  const { heading, detail } = describeError(error);
  setError(element, heading, detail);
}

// How long one request may take before the explorer gives up on it.
export const TIMEOUT_SECONDS = 120;

// A signal that aborts with the caller's, and on its own with a TimeoutError after `seconds`.
function withTimeout(signal, seconds) {
  const controller = new AbortController();
  const timer = window.setTimeout(() => {
    const reason = new DOMException(`no answer within ${seconds} s`, "TimeoutError");
    reason.seconds = seconds;
    controller.abort(reason);
  }, seconds * 1000);
  const stop = () => {
    window.clearTimeout(timer);
    controller.abort(signal.reason);
  };
  if (signal) {
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
  }
  return { signal: controller.signal, done: () => window.clearTimeout(timer) };
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

export async function request(url, signal, as = "json", retries = 2) {
  const bounded = withTimeout(signal, TIMEOUT_SECONDS);
  let response, body;
  try {
    response = await fetch(url, { signal: bounded.signal, headers: as === "json" ? { Accept: "application/json" } : {} });
    if (response.ok) return await (as === "json" ? response.json() : response.text());
    if (response.status !== 503 || retries <= 0) body = await response.json().catch(() => null);
  } catch (error) {
    // A timeout rejects with its own reason; a superseded request with an AbortError.
    throw bounded.signal.reason?.name === "TimeoutError" ? bounded.signal.reason : error;
  } finally {
    bounded.done();
  }
  if (response.status === 503 && retries > 0) {
    // The server is busy drawing: wait as long as it asks (a few seconds at most), then try again.
    const wait = Math.min(5, Number(response.headers.get("Retry-After")) || 1);
    await pause(wait, signal);
    return request(url, signal, as, retries - 1);
  }
  throw new ApiError(detailText(body), response.status);
}

export function isAbort(error) {
  return error && error.name === "AbortError";
}

// lang=ja on a route that takes it (plot titles and labels in Japanese), while the page is Japanese.
export function langPairs(service, route) {
  return language() !== "en" && service.parameter(route, "lang") ? [["lang", language()]] : [];
}

// What this server offers, read from its OpenAPI document: an older or trimmed-down server may
// lack some routes, and the explorer then shows less instead of failing.
class Service {
  constructor(openapi) {
    this.document = openapi;
    this.paths = openapi.paths;
    this.routes = new Set(Object.keys(openapi.paths));
  }

  // A schema with its $ref followed (#/components/schemas/... within the document).
  resolve(schema) {
    let found = schema;
    for (let hops = 0; found && typeof found.$ref === "string" && hops < 10; hops += 1) {
      found = found.$ref
        .replace(/^#\//, "")
        .split("/")
        .reduce((node, key) => node?.[key.replaceAll("~1", "/").replaceAll("~0", "~")], this.document);
    }
    return found || undefined;
  }

  // A schema and the alternatives it offers (anyOf, oneOf, allOf), each resolved.
  alternatives(schema) {
    const own = this.resolve(schema);
    if (!own) return [];
    const more = [...(own.anyOf || []), ...(own.oneOf || []), ...(own.allOf || [])];
    return [own, ...more.flatMap((s) => this.alternatives(s))];
  }

  offers(route) {
    return this.routes.has(route);
  }

  // The GET operation of a route, or undefined.
  operation(route) {
    return this.paths[route]?.get;
  }

  parameter(route, name) {
    return this.operation(route)?.parameters?.find((p) => p.name === name);
  }

  // The largest value a route's integer parameter takes, from its schema (an optional one is
  // spelled anyOf [integer, null]); undefined when the route does not declare the parameter.
  maximum(route, name) {
    const schema = this.parameter(route, name)?.schema;
    if (!schema) return undefined;
    const found = [schema, ...(schema.anyOf || []), ...(schema.oneOf || [])].find((s) => Number.isFinite(s.maximum));
    return found ? found.maximum : Infinity;
  }

  // The values a route's parameter takes when its schema lists them (an enum, perhaps behind a
  // $ref or within anyOf); [] when the route does not declare the parameter or lists nothing.
  choices(route, name) {
    const schema = this.parameter(route, name)?.schema;
    if (!schema) return [];
    const found = this.alternatives(schema).find((s) => Array.isArray(s.enum));
    return found ? found.enum.filter((value) => typeof value === "string") : [];
  }

  // The schema of a route's JSON answer (200), resolved; undefined when the document has none.
  answer(route) {
    const content = this.operation(route)?.responses?.["200"]?.content?.["application/json"];
    return this.resolve(content?.schema);
  }

  // The properties of an object schema (one of its alternatives), each resolved: {name: schema}.
  properties(schema) {
    const found = this.alternatives(schema).find((s) => s.properties);
    if (!found) return {};
    // A property's own title and description come before those of the schema it refers to.
    const own = (value) => Object.fromEntries(Object.entries(value).filter(([key]) => key !== "$ref"));
    return Object.fromEntries(
      Object.entries(found.properties).map(([key, value]) => [key, { ...(this.resolve(value) || {}), ...own(value) }]),
    );
  }
}

// The service's description and its list of functions, asked for together.
export async function connect() {
  const [openapi, functions] = await Promise.all([request(path(ROUTES.openapi)), request(path(ROUTES.activations))]);
  return { service: new Service(openapi), functions };
}
