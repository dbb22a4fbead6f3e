// Small DOM helpers shared by the page's modules.

/** An element with attributes (`class`, `data-*`, `on*` handlers, properties) and children. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      node.className = value;
    } else if (name === "dataset") {
      Object.assign(node.dataset, value);
    } else {
      node.setAttribute(name, value === true ? "" : value);
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

const pad = (number) => String(number).padStart(2, "0");

/** HH:MM:SS in local time, from an ISO string or epoch milliseconds. */
export function clock(moment) {
  const date = new Date(moment);
  if (Number.isNaN(date.getTime())) return "—";
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** YYYY-MM-DD HH:MM:SS in local time: a row of a table ("12-06" alone reads as 12 June). */
export function shortDateTime(moment) {
  const date = new Date(moment);
  if (Number.isNaN(date.getTime())) return "—";
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${clock(date)}`;
}

/** Words of a snake_case name ("partially_filled" -> "Partially filled"). */
export function words(name) {
  if (!name) return "—";
  const text = String(name).replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Briefly highlights `node` (a changed value). */
export function flash(node, kind = "") {
  node.classList.remove("flash", "flash-up", "flash-down");
  void node.offsetWidth; // restart the animation
  node.classList.add(kind ? `flash-${kind}` : "flash");
}

/** A short notice in the corner of the page. */
export function toast(message, kind = "info") {
  let stack = $("#toasts");
  if (!stack) {
    stack = el("div", { id: "toasts", class: "toasts", "aria-live": "polite" });
    document.body.append(stack);
  }
  const note = el("div", { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  stack.append(note);
  setTimeout(() => note.classList.add("leaving"), 4000);
  setTimeout(() => note.remove(), 4600);
}

/** Calls `fn` once, `ms` after the last of a burst of calls. */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Calls `fn` at most once a frame. */
export function everyFrame(fn) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      fn();
    });
  };
}

/** The value of a CSS custom property of the document (a theme colour). */
export function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
