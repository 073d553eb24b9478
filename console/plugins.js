// The plugins page: what is loaded, with kind, version, capabilities and recent errors.

import { api, el, show, when } from "./api.js";

function capabilities(granted) {
  const parts = [];
  if (granted.http) parts.push(`HTTP to ${granted.http.length ? granted.http.join(", ") : "its own url only"}`);
  if (granted.email) parts.push("email through the agent");
  return parts.length ? parts.join("; ") : "none";
}

export async function pluginsPage() {
  const { plugins } = await api("GET", "/api/v1/plugins");
  const rows = plugins.map((plugin) => el("tr", { "data-kind": plugin.kind },
    el("th", { scope: "row" }, plugin.name),
    el("td", {}, plugin.kind),
    el("td", {}, plugin.version),
    el("td", {}, capabilities(plugin.capabilities)),
    el("td", { class: "wide" }, plugin.source),
    el("td", { class: "num" }, `${plugin.calls} / ${plugin.errors}`),
    el("td", {}, plugin.last_error ? el("span", { class: "error" }, plugin.last_error, " ", when(plugin.last_error_at)) : el("span", { class: "muted" }, "none"))));
  show("Plugins",
    el("p", { class: "muted" }, "Notifiers and assertions run as sandboxed WebAssembly components, with only the capabilities listed."),
    el("table", { class: "plugins" },
      el("thead", {}, el("tr", {}, ["Plugin", "Kind", "Version", "Capabilities"].map((h) => el("th", {}, h)), el("th", { class: "wide" }, "Source"), el("th", {}, "Calls / errors"), el("th", {}, "Last error"))),
      el("tbody", {}, rows)));
}
