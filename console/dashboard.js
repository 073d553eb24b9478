// The first page: every monitor's state at a glance, down and degraded first; a bar of its
// last runs coloured by result (hover, or focus the bar and move with the arrow keys, for each
// run's time and duration); uptime and latency over 24 hours; the open incidents; and the
// maintenance windows and silences in force.

import { api, el, link, ms, path, percent, show, when } from "./api.js";

const ORDER = { down: 0, degraded: 1, maintenance: 2, paused: 3, up: 4 };

function stateOf(status) {
  if (status.paused) return "paused";
  if (status.health !== "up") return status.health;
  return status.maintenance?.muted || status.maintenance?.paused ? "maintenance" : "up";
}

function runWords(run) {
  const time = new Date(run.started_at).toLocaleString();
  const result = run.in_maintenance ? `${run.status}, in maintenance` : run.status;
  return run.status === "skipped" ? `${time}: skipped` : `${time}: ${result}, ${ms(run.duration_ms)}`;
}

/** The last runs as ticks; one tab stop, the arrow keys move between runs. */
function runBar(name, runs) {
  const detail = el("span", { class: "tick-detail muted", "aria-live": "polite" });
  const ticks = runs.map((run) => el("span", {
    class: `tick ${run.in_maintenance ? "maintenance" : run.status}`, role: "listitem", tabindex: "-1",
    title: runWords(run), "aria-label": runWords(run),
    onfocus: () => { detail.textContent = runWords(run); },
    onmouseenter: () => { detail.textContent = runWords(run); },
  }));
  const failed = runs.filter((run) => run.status === "failed").length;
  const bar = el("div", { class: "run-bar", role: "list", tabindex: "0",
    "aria-label": `Last ${runs.length} runs of ${name}: ${failed} failed. Use the arrow keys for each run.`,
    onkeydown: (event) => {
      const at = ticks.indexOf(document.activeElement);
      const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: ticks.length - 1 }[event.key];
      if (next === undefined || !ticks.length) return;
      event.preventDefault();
      ticks[Math.max(0, Math.min(ticks.length - 1, at < 0 ? ticks.length - 1 : next))].focus();
    } }, ticks);
  return el("div", { class: "bar-cell" }, runs.length ? bar : el("span", { class: "muted" }, "no runs yet"), detail);
}

export async function dashboardPage() {
  const data = await api("GET", "/api/v1/dashboard");
  const monitors = data.monitors
    .map((m) => ({ ...m, state: stateOf(m.status) }))
    .sort((a, b) => ORDER[a.state] - ORDER[b.state] || a.name.localeCompare(b.name));
  const counts = Object.fromEntries(Object.keys(ORDER).map((state) => [state, monitors.filter((m) => m.state === state).length]));
  const summary = el("p", { class: "summary" }, Object.entries(counts).filter(([, n]) => n).map(([state, n]) =>
    el("span", { class: `badge ${state}` }, `${n} ${state}`)).flatMap((b) => [b, " "]));
  const rows = monitors.map((m) => el("tr", { "data-state": m.state },
    el("th", { scope: "row" }, link(`#/monitors/${path(m.name)}/history`, m.name)),
    el("td", {}, el("span", { class: `badge ${m.state}` }, m.state),
      m.status.down_since && m.state !== "up" ? el("span", { class: "small muted" }, " since ", when(m.status.down_since)) : null),
    el("td", {}, runBar(m.name, m.runs)),
    el("td", { class: "num" }, percent(m.uptime_24h)),
    el("td", { class: "num" }, ms(m.latency_24h_ms))));
  const incidents = data.incidents.map((incident) => el("li", {},
    el("strong", {}, incident.title), ` · ${incident.impact} · ${incident.status} since `, when(incident.started_at)));
  const windows = data.windows.map((w) => el("li", {}, el("strong", {}, w.name), " until ", when(w.end)));
  const silences = data.silences.map((s) => el("li", {}, [...s.monitors, ...s.tags.map((t) => `#${t}`)].join(", "), " until ", when(s.until), ` (${s.comment})`));
  show("Dashboard",
    summary,
    monitors.length
      ? el("table", { class: "dashboard" },
        el("caption", { class: "muted" }, "Down and degraded first"),
        el("thead", {}, el("tr", {}, ["Monitor", "State", "Last runs", "Uptime 24 h", "Latency 24 h"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, rows))
      : el("p", { class: "muted" }, "No monitors yet. ", link("#/new-monitor", "Create one.")),
    el("div", { class: "panels" },
      el("section", { class: "card" }, el("h2", {}, "Open incidents"),
        incidents.length ? el("ul", {}, incidents) : el("p", { class: "muted" }, "None.")),
      el("section", { class: "card" }, el("h2", {}, "Maintenance now"),
        windows.length || silences.length ? el("ul", {}, windows, silences) : el("p", { class: "muted" }, "No window or silence in force."))));
}
