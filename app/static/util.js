// Small helpers shared by the explorer's modules.

export const $ = (id) => document.getElementById(id);

export function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => fn(...args), ms);
  };
}

// A share of the scale below which a number is rounding noise and reads 0: -3.9e-13 as the place
// of ELU's largest slope on [-5, 5] is 0.
export const NOISE = 1e-9;

// A number as text; scale: the size of the numbers it is read against (the x range's width for a
// place on the x axis), below NOISE of which it is 0.
export function formatNumber(value, scale = 0) {
  if (value === null || value === undefined) return "undefined";
  if (typeof value !== "number") return String(value);
  if (value === 0 || Math.abs(value) < NOISE * Math.abs(scale)) return "0";
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

// An error shown in `element`: a message in the reader's language and, under it, the service's own
// detail (English, marked so); nothing hides the element.
export function setError(element, message, detail = "") {
  element.replaceChildren();
  if (message) {
    const heading = document.createElement("span");
    heading.className = "error-heading";
    heading.textContent = message;
    element.append(heading);
  }
  if (detail) {
    const text = document.createElement("span");
    text.className = "error-detail";
    text.lang = "en";
    text.textContent = detail;
    element.append(text);
  }
  element.hidden = !message && !detail;
}
