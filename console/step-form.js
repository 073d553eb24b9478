// The step form: name and kind (HTTP, gRPC, WebSocket, probe), then the kind's fields: for
// HTTP method and URL with tabs for Params, Headers, Body, Assertions and Scripts; for the others their
// own fields (step-kinds.js) with the tabs that apply. The assertion rows are exactly the file
// format's model (source, property, op, value); a Scripts tab holds the step's scripts. Fields
// the form does not show (retry, auth, timeouts) are kept as they were.

import { el, showProblems } from "./api.js";
import { completeReferences, referencesFor } from "./complete.js";
import { KINDS, grpcEditor, kindOf, probeEditor, websocketEditor } from "./step-kinds.js";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const SOURCES = ["status", "latency", "header", "body", "size", "certificate", "cookie", "capture", "grpc_status"];
// The operator names, as the agent's `predicate::OpName::all()` lists them (a test checks it).
const OPS = ["eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "not_contains", "matches", "exists", "not_exists", "type", "length", "count", "plugin"];
const TAKES_NO_VALUE = new Set(["exists", "not_exists"]);
const WITH_PROPERTY = new Set(["header", "body", "certificate", "cookie", "capture", "grpc_status"]);
/** The tabs each kind has. */
const TABS = { http: ["Params", "Headers", "Body", "Assertions", "Scripts"], grpc: ["Headers", "Assertions"], websocket: ["Headers", "Assertions"], probe: ["Assertions"] };
let formCount = 0;

/** Text typed as a value: JSON when it reads as JSON (200, true, [1,2]), else the string. */
export function parseValue(text) {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const valueText = (value) => (value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value));

/**
 * A form editing step `index` of `spec` (a new step when `index === spec.steps.length`).
 * `save(step)` stores it and throws the API's error when refused.
 */
export function stepForm({ spec, index, envNames, save, cancel, extraFields = [] }) {
  const original = structuredClone(spec.steps[index] ?? { request: { method: "GET", url: "" }, assert: [{ source: "status", op: "eq", value: 200 }] });
  const at = `steps[${index}]`;
  const id = `step-form-${++formCount}`;
  const complete = (input) => completeReferences(input, () => referencesFor(spec, index, envNames));
  const textInput = (field, value, label, extra = {}) => el("input", { type: "text", value: value ?? "", "data-field": field, "aria-label": label, ...extra });

  const name = el("input", { type: "text", id: `${id}-name`, value: original.name ?? "", "data-field": `${at}.name`, placeholder: `step${index + 1}` });
  const kind = el("select", { id: `${id}-kind`, "aria-label": "Step kind" }, KINDS.map(([value, label]) => el("option", { value, selected: value === kindOf(original) }, label)));
  const request = original.request ?? {};
  const method = el("select", { id: `${id}-method`, "data-field": `${at}.request.method` },
    METHODS.map((m) => el("option", { value: m, selected: (request.method ?? "GET").toUpperCase() === m }, m)));
  const url = textInput(`${at}.request.url`, request.url ?? original.websocket?.url, "URL", { id: `${id}-url`, required: true, placeholder: "https://api.example.com/health or @{{vars.base}}/..." });

  const params = pairs(`${at}.request.query`, request.query, "parameter", complete);
  const headers = pairs(`${at}.request.headers`, request.headers ?? original.websocket?.headers, "header", complete);
  const body = bodyEditor(`${at}.request.body`, request.body, complete);
  const assertions = assertionRows(`${at}.assert`, original.assert ?? []);
  const scripts = scriptEditor(id, `${at}.script`, original.script);
  const kinds = { grpc: grpcEditor(id, at, request.grpc, complete), websocket: websocketEditor(id, at, original.websocket, complete), probe: probeEditor(id, at, original.probe, complete) };

  const panels = { Params: params.node, Headers: headers.node, Body: body.node, Assertions: assertions.node, Scripts: scripts.node };
  const tabs = tabbed(id, panels, "Assertions");
  const message = el("div", { class: "form-problems" });
  const urlRow = el("div", { class: "row request-line" }, el("label", { for: `${id}-method` }, "Method"), method, complete(url));
  // The fields of the kind chosen, and only those.
  const showKind = () => {
    const chosen = kind.value;
    method.hidden = chosen !== "http";
    urlRow.hidden = chosen === "probe";
    url.placeholder = { grpc: "http://orders.internal:50051 (https:// for TLS)", websocket: "wss://api.example.com/events" }[chosen] ?? "https://api.example.com/health or @{{vars.base}}/...";
    for (const [name, editor] of Object.entries(kinds)) editor.node.hidden = name !== chosen;
    for (const tab of tabs.querySelectorAll("[role=tab]")) tab.hidden = !TABS[chosen].includes(tab.textContent);
    tabs.querySelector(`#${id}-tab-Assertions`).click();
  };
  kind.addEventListener("change", showKind);

  const read = () => {
    const step = structuredClone(original);
    step.name = name.value.trim() || undefined;
    const chosen = kind.value;
    for (const key of ["request", "websocket", "probe"]) delete step[key];
    if (chosen === "http" || chosen === "grpc") {
      const kept = original.request ?? {};
      step.request = { ...kept, method: method.value, url: url.value.trim(), query: params.read(), headers: headers.read(), body: body.read() };
      if (chosen === "grpc") {
        step.request.grpc = kinds.grpc.read(kept.grpc);
        for (const key of ["method", "query", "body"]) delete step.request[key];
      } else delete step.request.grpc;
      for (const key of ["query", "headers", "body"]) if (step.request[key] === undefined) delete step.request[key];
    } else if (chosen === "websocket") {
      step.websocket = kinds.websocket.read(url.value.trim(), headers.read());
    } else {
      step.probe = kinds.probe.read();
    }
    step.assert = assertions.read();
    step.script = chosen === "http" ? scripts.read() : undefined;
    if (!step.script) delete step.script;
    if (!step.name) delete step.name;
    return step;
  };
  const form = el("form", { class: "step-form", "aria-label": index < spec.steps.length ? `Edit step ${index + 1}` : "New step", novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      if (kind.value !== "probe" && !url.value.trim()) {
        return showProblems(form, message, { problems: [{ field: `${at}.request.url`, error: "a step needs a URL" }] });
      }
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        await save(read());
      } catch (error) {
        if (error.message !== "signed out") showProblems(form, message, error);
      } finally {
        button.disabled = false;
      }
    } },
    extraFields,
    el("div", { class: "row" },
      el("label", { for: `${id}-name` }, "Step name"), name),
    el("div", { class: "row" },
      el("label", { for: `${id}-kind` }, "Kind"), kind),
    urlRow,
    Object.values(kinds).map((editor) => editor.node),
    tabs,
    message,
    el("div", { class: "toolbar" },
      el("button", { type: "submit" }, "Save step"),
      cancel ? el("button", { type: "button", class: "secondary", onclick: cancel }, "Cancel") : null),
  );
  showKind();
  return form;
}

/** Tabs over `panels` ({label: node}), switched with clicks or the arrow keys. */
function tabbed(id, panels, first) {
  const labels = Object.keys(panels);
  const buttons = labels.map((label) => el("button", { type: "button", role: "tab", id: `${id}-tab-${label}`, "aria-controls": `${id}-panel-${label}`, class: "tab" }, label));
  const bodies = labels.map((label) => el("div", { role: "tabpanel", id: `${id}-panel-${label}`, "aria-labelledby": `${id}-tab-${label}` }, panels[label]));
  const select = (index, focus) => buttons.forEach((button, i) => {
    button.setAttribute("aria-selected", String(i === index));
    button.tabIndex = i === index ? 0 : -1;
    bodies[i].hidden = i !== index;
    if (focus && i === index) button.focus();
  });
  buttons.forEach((button, i) => {
    button.addEventListener("click", () => select(i, false));
    button.addEventListener("keydown", (event) => {
      const move = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (move) select((i + move + labels.length) % labels.length, true);
    });
  });
  select(labels.indexOf(first), false);
  return el("div", { class: "tabs" }, el("div", { role: "tablist" }, buttons), bodies);
}

/** Name/value rows for query parameters, headers or variables. */
export function pairs(field, initial, noun, complete = (input) => input) {
  const rows = el("div", { class: "pairs", "data-field": field });
  const add = (key = "", value = "") => {
    const name = el("input", { type: "text", value: key, "aria-label": `${noun} name`, "data-field": `${field}.${key}` });
    const text = el("input", { type: "text", value: valueText(value), "aria-label": `${noun} value` });
    const row = el("div", { class: "pair" }, name, complete(text),
      el("button", { type: "button", class: "secondary small", "aria-label": `Remove ${noun}`, onclick: () => row.remove() }, "×"));
    rows.append(row);
    return name;
  };
  for (const [key, value] of Object.entries(initial ?? {})) add(key, value);
  const node = el("div", {}, rows, el("button", { type: "button", class: "secondary small", onclick: () => add().focus() }, `Add ${noun}`));
  const read = () => {
    const found = {};
    for (const row of rows.children) {
      const [name, value] = row.querySelectorAll("input");
      if (name.value.trim()) found[name.value.trim()] = value.value;
    }
    return Object.keys(found).length ? found : undefined;
  };
  return { node, read };
}

/** The body as JSON, text, form fields or multipart fields. */
function bodyEditor(field, initial, complete) {
  const kind = initial?.json !== undefined ? "json" : initial?.text !== undefined ? "text" : initial?.form ? "form" : initial?.multipart ? "multipart" : initial?.graphql ? "graphql" : "none";
  const fields = initial?.form ?? initial?.multipart ?? initial?.graphql;
  const text = initial?.json !== undefined ? JSON.stringify(initial.json, null, 2) : initial?.text ?? (fields ? JSON.stringify(fields, null, 2) : "");
  const choice = el("select", { "aria-label": "Body kind", "data-field": field },
    [["none", "No body"], ["json", "JSON"], ["text", "Text"], ["form", "Form fields (JSON object)"], ["multipart", "Multipart fields (JSON object: text, or {file, content_type})"], ["graphql", "GraphQL (JSON object: {query, variables, operation_name})"]]
      .map(([value, label]) => el("option", { value, selected: value === kind }, label)));
  const area = el("textarea", { rows: 6, "aria-label": "Request body", "data-field": `${field}.${kind}`, value: text });
  const node = el("div", { class: "body-editor" }, choice, complete(area));
  const read = () => {
    if (choice.value === "none" || !area.value.trim()) return undefined;
    if (choice.value === "text") return { text: area.value };
    try {
      return { [choice.value]: JSON.parse(area.value) };
    } catch (error) {
      throw Object.assign(new Error("bad body"), { problems: [{ field: `${field}.${kind}`, error: `not JSON: ${error.message}` }] });
    }
  };
  choice.addEventListener("change", () => area.setAttribute("data-field", `${field}.${choice.value}`));
  return { node, read };
}

/**
 * The step's scripts (Postman's JavaScript, run by the `javascript` plugin): one text area per
 * script before the request and after the response. A script the agent cannot run is refused
 * on save with its line, shown at its text area.
 */
function scriptEditor(id, field, initial) {
  const areas = (phase, label) => {
    const given = initial?.[phase];
    const list = Array.isArray(given) ? given : [given ?? ""];
    const boxes = list.map((code, n) => el("textarea", { rows: 8, class: "script", spellcheck: false, id: `${id}-${phase}-${n}`,
      "aria-label": list.length > 1 ? `${label} (${n + 1})` : label, "data-field": Array.isArray(given) ? `${field}.${phase}[${n}]` : `${field}.${phase}`, value: code }));
    return { boxes, node: el("div", { class: "script-phase" }, el("label", { for: boxes[0].id }, label), boxes),
      read: () => {
        const codes = boxes.map((box) => box.value).filter((code) => code.trim());
        return Array.isArray(given) && codes.length > 1 ? codes : codes[0];
      } };
  };
  const before = areas("before", "Before the request");
  const after = areas("after", "After the response (pm.test results are reported with the assertions)");
  const node = el("div", { class: "script-editor" }, before.node, after.node);
  const read = () => {
    const script = { ...(initial ?? {}), before: before.read(), after: after.read() };
    for (const key of ["before", "after"]) if (script[key] === undefined) delete script[key];
    return Object.keys(script).length ? script : undefined;
  };
  return { node, read };
}

/** One row per assertion: source, property, not, op, value. */
function assertionRows(field, initial) {
  const rows = el("div", { class: "assertion-rows" });
  const renumber = () => [...rows.children].forEach((row, i) => {
    row.dataset.field = `${field}[${i}]`;
    for (const input of row.querySelectorAll("[data-part]")) input.dataset.field = `${field}[${i}].${input.dataset.part}`;
  });
  const add = (assertion = { source: "status", op: "eq" }) => {
    const source = el("select", { "aria-label": "Source", "data-part": "source" }, SOURCES.map((s) => el("option", { value: s, selected: s === assertion.source }, s)));
    const property = el("input", { type: "text", value: assertion.property ?? "", "aria-label": "Property", "data-part": "property", placeholder: "path or header" });
    const not = el("input", { type: "checkbox", checked: assertion.not === true, "aria-label": "Not", title: "not: negate the operator", "data-part": "not" });
    const op = el("select", { "aria-label": "Operator", "data-part": "op" }, OPS.map((o) => el("option", { value: o, selected: o === assertion.op }, o)));
    const value = el("input", { type: "text", value: valueText(assertion.value), "aria-label": "Expected value", "data-part": "value", placeholder: "200, \"text\", [1, 2]" });
    const sync = () => {
      property.hidden = !WITH_PROPERTY.has(source.value);
      value.disabled = TAKES_NO_VALUE.has(op.value);
    };
    source.addEventListener("change", sync);
    op.addEventListener("change", sync);
    // Fields the row does not show are kept as they were.
    const row = el("div", { class: "assertion-row", "data-name": assertion.name ?? "", "data-plugin": assertion.plugin ?? "",
      "data-filters": assertion.filters ? JSON.stringify(assertion.filters) : "" }, source, property,
      el("label", { class: "not" }, not, "not"), op, value,
      el("button", { type: "button", class: "secondary small", "aria-label": "Remove assertion", onclick: () => { row.remove(); renumber(); } }, "×"));
    rows.append(row);
    sync();
    renumber();
    return source;
  };
  initial.forEach((assertion) => add(assertion));
  const node = el("div", {}, rows, el("button", { type: "button", class: "secondary small", onclick: () => add().focus() }, "Add assertion"));
  const read = () => [...rows.children].map((row) => {
    const [source, property, not, op, value] = row.querySelectorAll("[data-part]");
    const assertion = { source: source.value, op: op.value };
    if (not.checked) assertion.not = true;
    if (row.dataset.name) assertion.name = row.dataset.name;
    if (row.dataset.plugin) assertion.plugin = row.dataset.plugin;
    if (row.dataset.filters) assertion.filters = JSON.parse(row.dataset.filters);
    if (!property.hidden && property.value.trim()) assertion.property = property.value.trim();
    const parsed = value.disabled ? undefined : parseValue(value.value);
    if (parsed !== undefined) assertion.value = parsed;
    return assertion;
  });
  return { node, read };
}
