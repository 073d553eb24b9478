// What every page shares: JSON API calls with the session's CSRF token, building DOM from
// data (always as text, never as HTML), and small formatters.

export const session = { csrf: null };
const main = document.getElementById("main");

/** An error from the API, with the `field` and `problems` it named (422s). */
export class ApiError extends Error {
  constructor(status, data) {
    super(data?.error ?? `HTTP ${status}`);
    this.status = status;
    this.field = data?.field;
    this.problems = data?.problems?.length ? data.problems : data?.field ? [data] : [];
  }
}

/** A JSON API call; a 401 sends the browser to the sign-in page. */
export async function api(method, path, body) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && session.csrf) headers["x-csrf-token"] = session.csrf;
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (response.status === 401 && path !== "/api/v1/session") {
    session.csrf = null;
    location.hash = "#/sign-in";
    throw new Error("signed out");
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** `el("p", {class: "muted"}, "text", child)`: an element with attributes and children. */
export function el(tag, attributes = {}, ...children) {
  const svg = ["svg", "path", "rect", "circle", "line", "polyline", "title", "g", "text"].includes(tag);
  const node = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "value" && !svg) node.value = value ?? "";
    else if (value !== false && value != null) node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child != null && child !== false) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Replaces the page: a heading, then `content`. */
export function show(title, ...content) {
  document.title = `${title} · Skopos`;
  main.replaceChildren(el("h1", {}, title), ...content);
  main.focus();
}

export function badge(status) {
  return el("span", { class: `badge ${status}` }, status);
}

export const link = (href, text, attributes = {}) => el("a", { href, ...attributes }, text);
export const path = (...parts) => parts.map(encodeURIComponent).join("/");

export function ms(value) {
  if (value == null) return "–";
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

export function percent(share) {
  if (share == null) return "–";
  const value = share * 100;
  return `${value === 100 || value === 0 ? value : value.toFixed(2)}%`;
}

export function when(time) {
  if (!time) return "–";
  const date = new Date(time);
  return el("time", { datetime: date.toISOString(), title: date.toISOString() }, date.toLocaleString());
}

/** Shows an API error: inline beside the inputs it names (`data-field`), the rest in `where`. */
export function showProblems(form, where, error) {
  for (const old of form.querySelectorAll(".field-error")) old.remove();
  for (const old of form.querySelectorAll("[aria-invalid]")) old.removeAttribute("aria-invalid");
  const unplaced = [];
  for (const problem of error.problems?.length ? error.problems : [{ error: error.message }]) {
    const input = problem.field && bestInput(form, problem.field);
    if (!input) {
      unplaced.push(problem.field ? `${problem.field}: ${problem.error}` : problem.error);
      continue;
    }
    const id = `${input.id || (input.id = `f${Math.random().toString(36).slice(2)}`)}-error`;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", id);
    input.after(el("span", { class: "field-error error", id, role: "alert" }, problem.error));
  }
  where.replaceChildren(...unplaced.map((text) => el("p", { class: "error", role: "alert" }, text)));
}

/** The input for `field`, or for its nearest named parent (`steps[0].assert[1]`). */
function bestInput(form, field) {
  for (let at = field; at; at = at.replace(/(\.[^.[\]]+|\[\d+\])$/, "")) {
    const input = form.querySelector(`[data-field="${CSS.escape(at)}"]`);
    if (input) return input;
    if (!/(\.[^.[\]]+|\[\d+\])$/.test(at)) break;
  }
  return null;
}
