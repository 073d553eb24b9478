// What a step exchanges, for the step form: HTTP (the request fields of step-form.js), a gRPC
// call (`request.grpc`), a WebSocket conversation (`websocket`) or a probe plugin's check
// (`probe`). Each kind's editor gives its fields and reads them back into the file format.

import { el } from "./api.js";

export const KINDS = [["http", "HTTP"], ["grpc", "gRPC"], ["websocket", "WebSocket"], ["probe", "Probe"]];
// The first-party probes; one loaded with --plugins is typed by name.
const PROBES = ["tcp", "dns", "tls", "smtp", "redis", "postgres"];

/** The kind of a step as stored. */
export function kindOf(step) {
  if (step.websocket) return "websocket";
  if (step.probe) return "probe";
  return step.request?.grpc ? "grpc" : "http";
}

/** One line saying what a step does, for lists. */
export function stepLine(step) {
  switch (kindOf(step)) {
    case "websocket": return `WebSocket ${step.websocket.url}`;
    case "probe": return `probe ${step.probe.plugin} ${step.probe.target}`;
    case "grpc": return `gRPC ${step.request.grpc.method ?? `health ${step.request.grpc.health}`} ${step.request.url}`;
    default: return `${step.request.method ?? "GET"} ${step.request.url}`;
  }
}

const json = (value) => (value === undefined ? "" : JSON.stringify(value, null, 2));

/** JSON typed in `area` (`fallback` when empty), or a problem placed on `field`. */
function readJson(area, field, fallback) {
  if (!area.value.trim()) return fallback;
  try {
    return JSON.parse(area.value);
  } catch (error) {
    throw Object.assign(new Error("bad JSON"), { problems: [{ field, error: `not JSON: ${error.message}` }] });
  }
}

const labelled = (id, text, input) => el("div", { class: "row" }, el("label", { for: id }, text), input);

/** `request.grpc`: the method (or a health check), the message, and `.proto` files. */
export function grpcEditor(id, at, grpc = {}, complete) {
  const method = el("input", { type: "text", id: `${id}-grpc-method`, value: grpc.method ?? "", "data-field": `${at}.request.grpc.method`, placeholder: "package.Service/Method" });
  const health = el("input", { type: "text", id: `${id}-grpc-health`, value: grpc.health ?? "", "data-field": `${at}.request.grpc.health`, placeholder: "or: a service to health-check" });
  const message = el("textarea", { rows: 5, id: `${id}-grpc-message`, "aria-label": "Message (JSON)", "data-field": `${at}.request.grpc.message`, value: json(grpc.message) });
  const proto = el("input", { type: "text", id: `${id}-grpc-proto`, value: (grpc.proto ?? []).join(", "), "data-field": `${at}.request.grpc.proto`, placeholder: "protos/shop.proto (empty: server reflection)" });
  const node = el("div", { class: "kind-fields" },
    labelled(`${id}-grpc-method`, "gRPC call", method),
    labelled(`${id}-grpc-health`, "Health check", health),
    labelled(`${id}-grpc-proto`, ".proto files", proto),
    el("label", { for: `${id}-grpc-message` }, "Message (JSON)"), complete(message));
  const read = (kept = {}) => {
    const grpc = { ...kept };
    for (const key of ["method", "health", "message", "proto"]) delete grpc[key];
    // No method is a health check (of the whole server when no service is named).
    if (method.value.trim()) grpc.method = method.value.trim();
    else grpc.health = health.value.trim();
    const parsed = readJson(message, `${at}.request.grpc.message`, undefined);
    if (parsed !== undefined) grpc.message = parsed;
    const files = proto.value.split(",").map((file) => file.trim()).filter(Boolean);
    if (files.length) grpc.proto = files;
    return grpc;
  };
  return { node, read };
}

/** `websocket`: messages to send and when to stop listening (the URL and headers are the form's). */
export function websocketEditor(id, at, websocket = {}, complete) {
  const send = el("textarea", { rows: 4, id: `${id}-ws-send`, "aria-label": "Messages to send (JSON list)", "data-field": `${at}.websocket.send`, value: json(websocket.send) });
  const count = el("input", { type: "number", min: 1, id: `${id}-ws-count`, value: websocket.receive?.count ?? "", "data-field": `${at}.websocket.receive.count` });
  const until = el("input", { type: "text", id: `${id}-ws-until`, value: websocket.receive?.until ? JSON.stringify(websocket.receive.until) : "", "data-field": `${at}.websocket.receive.until`, placeholder: "{\"property\": \"type\", \"op\": \"eq\", \"value\": \"done\"}" });
  const node = el("div", { class: "kind-fields" },
    el("label", { for: `${id}-ws-send` }, "Messages to send (JSON list: text, or JSON sent as its text)"), complete(send),
    labelled(`${id}-ws-count`, "Stop after (messages)", count),
    labelled(`${id}-ws-until`, "Stop at a message matching", until));
  const read = (url, headers) => {
    const out = { url };
    if (headers) out.headers = headers;
    const messages = readJson(send, `${at}.websocket.send`, undefined);
    if (messages !== undefined) out.send = Array.isArray(messages) ? messages : [messages];
    const receive = {};
    if (count.value) receive.count = Number(count.value);
    if (until.value.trim()) receive.until = readJson(until, `${at}.websocket.receive.until`, undefined);
    if (Object.keys(receive).length) out.receive = receive;
    return out;
  };
  return { node, read };
}

/** `probe`: the plugin, its target and its settings. */
export function probeEditor(id, at, probe = {}, complete) {
  const list = `${id}-probes`;
  const plugin = el("input", { type: "text", id: `${id}-probe-plugin`, list, value: probe.plugin ?? "tcp", "data-field": `${at}.probe.plugin` });
  const target = el("input", { type: "text", id: `${id}-probe-target`, value: probe.target ?? "", "data-field": `${at}.probe.target`, placeholder: "db.internal:5432, example.com" });
  const config = el("textarea", { rows: 4, id: `${id}-probe-config`, "aria-label": "Probe settings (JSON)", "data-field": `${at}.probe.config`, value: json(probe.config) });
  const node = el("div", { class: "kind-fields" },
    el("datalist", { id: list }, PROBES.map((name) => el("option", { value: name }))),
    labelled(`${id}-probe-plugin`, "Probe", plugin),
    labelled(`${id}-probe-target`, "Target", complete(target)),
    el("label", { for: `${id}-probe-config` }, "Settings (JSON)"), complete(config));
  const read = () => {
    const out = { plugin: plugin.value.trim(), target: target.value.trim() };
    const settings = readJson(config, `${at}.probe.config`, undefined);
    if (settings !== undefined) out.config = settings;
    return out;
  };
  return { node, read, target };
}
