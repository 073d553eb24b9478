// The Skopos console: plain ES modules, no build step. It talks to the agent's JSON API
// with the session cookie set at sign-in, and sends the session's CSRF token with changes.
// Everything from the API is put into the page as text (never as HTML).

const main = document.getElementById("main");
const nav = document.getElementById("nav");
let csrf = null;

/** A JSON API call; a 401 sends the browser to the sign-in page. */
async function api(method, path, body) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrf) headers["x-csrf-token"] = csrf;
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (response.status === 401 && path !== "/api/v1/session") {
    csrf = null;
    location.hash = "#/sign-in";
    throw new Error("signed out");
  }
  if (!response.ok) throw new Error(data?.error ?? `HTTP ${response.status}`);
  return data;
}

/** `el("p", {class: "muted"}, "text", child)`: an element with attributes and children. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value !== false && value != null) node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child != null) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function show(title, ...content) {
  document.title = `${title} · Skopos`;
  main.replaceChildren(el("h1", {}, title), ...content);
  main.focus();
}

function badge(status) {
  return el("span", { class: `badge ${status}` }, status);
}

async function signIn() {
  nav.hidden = true;
  const message = el("p", { class: "error", role: "alert" });
  const token = el("input", { id: "token", type: "password", autocomplete: "current-password", required: true });
  const form = el(
    "form",
    { class: "card", onsubmit: async (event) => {
      event.preventDefault();
      try {
        csrf = (await api("POST", "/api/v1/session", { token: token.value })).csrf;
        location.hash = "#/collections";
      } catch (error) {
        message.textContent = error.message;
      }
    } },
    el("label", { for: "token" }, "API token"),
    token,
    el("button", { type: "submit" }, "Sign in"),
    message,
    el("p", { class: "muted" }, "The token the agent printed at its first start, or SKOPOS_TOKEN."),
  );
  show("Sign in", form);
  token.focus();
}

async function collections() {
  const list = await api("GET", "/api/v1/collections");
  const rows = list.map((stored) => {
    const last = stored.last_run;
    return el(
      "tr",
      {},
      el("td", {}, el("a", { href: `#/collections/${encodeURIComponent(stored.spec.name)}` }, stored.spec.name)),
      el("td", {}, last ? badge(last.status) : el("span", { class: "muted" }, "never run")),
      el("td", {}, String(stored.spec.steps.length)),
    );
  });
  const table = el(
    "table",
    {},
    el("thead", {}, el("tr", {}, el("th", {}, "Collection"), el("th", {}, "Last run"), el("th", {}, "Steps"))),
    el("tbody", {}, rows),
  );
  show("Collections", list.length ? table : el("p", { class: "muted" }, "No collections yet."));
}

async function collection(name) {
  const stored = await api("GET", `/api/v1/collections/${encodeURIComponent(name)}`);
  const results = el("ol", { class: "steps", "aria-live": "polite" });
  const summary = el("p", { role: "status" });
  const run = el("button", { type: "button", onclick: () => runCollection(name, run, results, summary) }, "Run collection");
  const steps = el("ol", { class: "steps" }, stored.spec.steps.map((step, index) => el(
    "li",
    {},
    el("div", { class: "step-head" },
      el("strong", {}, step.name ?? `step ${index + 1}`),
      el("code", {}, `${step.request.method ?? "GET"} ${step.request.url}`)),
    el("span", { class: "muted" }, `${(step.assert ?? []).length} assertions`),
  )));
  show(stored.spec.name,
    el("section", { class: "card" }, el("h2", {}, "Steps"), steps),
    el("div", { class: "toolbar" }, run, summary),
    el("section", { class: "card", "aria-label": "Results" }, el("h2", {}, "Results"), results));
}

/** Runs the collection, drawing each step as the agent streams it (server-sent events). */
async function runCollection(name, button, results, summary) {
  button.disabled = true;
  results.replaceChildren();
  summary.textContent = "Running…";
  try {
    const response = await fetch(`/api/v1/collections/${encodeURIComponent(name)}/run?stream=true`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "x-csrf-token": csrf ?? "", accept: "text/event-stream" },
    });
    if (!response.ok) throw new Error((await response.json().catch(() => null))?.error ?? `HTTP ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      let end;
      while ((end = buffered.indexOf("\n\n")) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const event = /^event:(.*)$/m.exec(block)?.[1]?.trim();
        const data = /^data:(.*)$/m.exec(block)?.[1];
        if (!event || data === undefined) continue;
        const payload = JSON.parse(data);
        if (event === "step") results.append(stepResult(payload));
        if (event === "done") summary.replaceChildren("Run ", badge(payload.status), ` in ${Math.round(payload.duration_ms)} ms`);
        if (event === "error") summary.textContent = payload.error;
      }
    }
  } catch (error) {
    summary.textContent = error.message;
  } finally {
    button.disabled = false;
  }
}

function stepResult(step) {
  const request = step.request ? `${step.request.method} ${step.request.url}` : "";
  const response = step.response ? `→ ${step.response.status}` : "";
  const timing = step.timings ? `${Math.round(step.timings.total_ms)} ms` : "";
  return el(
    "li",
    { class: "step-result", "data-status": step.status },
    el("div", { class: "step-head" }, badge(step.status), el("strong", {}, step.name ?? `step ${step.index}`),
      el("code", {}, request), el("span", {}, response), el("span", { class: "muted" }, timing)),
    step.error ? el("p", { class: "error" }, step.error.message) : null,
    el("ul", { class: "assertions" }, (step.assertions ?? []).map((a) => el(
      "li",
      { class: a.passed ? "passed" : "failed" },
      `${a.passed ? "✓" : "✗"} ${a.name ?? [a.source, a.property].filter(Boolean).join(" ")} ${a.op} `,
      el("code", {}, JSON.stringify(a.expected ?? null)),
      a.passed ? "" : el("span", {}, " got ", el("code", {}, JSON.stringify(a.actual ?? null))),
    ))),
  );
}

async function route() {
  const [, page, ...rest] = location.hash.split("/");
  try {
    if (page !== "sign-in" && !csrf) {
      const session = await api("GET", "/api/v1/session").catch(() => null);
      if (!session) {
        location.hash = "#/sign-in";
        return;
      }
      csrf = session.csrf;
    }
    if (page === "sign-in") return await signIn();
    nav.hidden = false;
    if (page === "collections" && rest.length) return await collection(decodeURIComponent(rest.join("/")));
    return await collections();
  } catch (error) {
    if (error.message !== "signed out") show("Something went wrong", el("p", { class: "error" }, error.message));
  }
}

document.getElementById("sign-out").addEventListener("click", async () => {
  await api("DELETE", "/api/v1/session").catch(() => {});
  csrf = null;
  location.hash = "#/sign-in";
});
window.addEventListener("hashchange", route);
route();
