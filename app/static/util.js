// Small helpers shared by the explorer's modules.

export const $ = (id) => document.getElementById(id);

export function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => fn(...args), ms);
  };
}

export function formatNumber(value) {
  if (value === null || value === undefined) return "undefined";
  if (typeof value !== "number") return String(value);
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-4) return value.toExponential(4).replace("e+", "e");
  return String(Number(value.toPrecision(6)));
}

// A URL query from [key, value] pairs; empty values are left out.
export function query(pairs) {
  const search = new URLSearchParams();
  for (const [key, value] of pairs) {
    if (value !== undefined && value !== null && value !== "") search.append(key, String(value));
  }
  return search;
}

export function setError(element, message) {
  element.textContent = message || "";
  element.hidden = !message;
}
