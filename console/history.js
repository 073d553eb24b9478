// History: a collection's or a monitor's past runs, filtered by status and time, with latency
// over time and the failing step of each failed run; and one run in full.

import { api, badge, el, link, ms, path, show, when } from "./api.js";
import { latencyChart } from "./charts.js";
import { stepResult } from "./run.js";

const PAGE = 200;

/** `kind` is `collection` or `monitor`. */
export async function historyPage(kind, name, params) {
  const status = el("select", { id: "filter-status", name: "status" },
    [["", "any status"], ["passed", "passed"], ["degraded", "degraded"], ["failed", "failed"], ["skipped", "skipped"]]
      .map(([value, label]) => el("option", { value, selected: (params.get("status") ?? "") === value }, label)));
  const since = el("input", { type: "datetime-local", id: "filter-since", name: "since", value: local(params.get("since")) });
  const until = el("input", { type: "datetime-local", id: "filter-until", name: "until", value: local(params.get("until")) });
  const filters = el("form", { class: "filters", "aria-label": "Filter runs", onsubmit: (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    if (status.value) query.set("status", status.value);
    if (since.value) query.set("since", new Date(since.value).toISOString());
    if (until.value) query.set("until", new Date(until.value).toISOString());
    location.hash = `#/${kind}s/${path(name)}/history?${query}`;
  } },
  el("label", { for: "filter-status" }, "Status"), status,
  el("label", { for: "filter-since" }, "From"), since,
  el("label", { for: "filter-until" }, "To"), until,
  el("button", { type: "submit", class: "secondary" }, "Filter"));

  const query = new URLSearchParams({ [kind]: name, summary: "true", limit: String(PAGE) });
  for (const key of ["status", "since", "until"]) if (params.get(key)) query.set(key, params.get(key));
  const page = await api("GET", `/api/v1/runs?${query}`);
  const body = el("tbody", {});
  const chart = el("div", { class: "chart-box" }, latencyChart(page.runs));
  const more = el("div", { class: "toolbar" });
  const append = (runs, cursor) => {
    const rows = document.createDocumentFragment();
    for (const run of runs) rows.append(runRow(run, kind));
    body.append(rows);
    more.replaceChildren(cursor ? el("button", { type: "button", class: "secondary", onclick: async () => {
      const next = await api("GET", `/api/v1/runs?${query}&cursor=${encodeURIComponent(cursor)}`);
      append(next.runs, next.next_cursor);
    } }, "Older runs") : el("span", { class: "muted" }, runs.length || body.children.length ? "No older runs." : ""));
  };
  append(page.runs, page.next_cursor);
  const back = kind === "collection" ? link(`#/collections/${path(name)}`, `Back to ${name}`) : link("#/monitors", "Back to monitors");
  show(`History of ${name}`,
    el("div", { class: "toolbar" }, back),
    filters,
    el("section", { class: "card" }, el("h2", {}, "Latency"), chart),
    page.runs.length
      ? el("table", { class: "runs" },
        el("thead", {}, el("tr", {}, el("th", {}, "Started"), el("th", {}, "Result"), el("th", {}, "Duration"),
          el("th", {}, kind === "collection" ? "Monitor" : "Collection"), el("th", {}, "Region"), el("th", {}, "Failing step"))),
        body)
      : el("p", { class: "muted" }, "No runs match."),
    more);
}

function runRow(run, kind) {
  const failure = run.failure
    ? el("span", { class: "failing-step" }, el("strong", {}, run.failure.name ?? `step${run.failure.index}`), `: ${run.failure.message}`)
    : "";
  return el("tr", { class: `run ${run.status}`, "data-status": run.status },
    el("td", {}, link(`#/runs/${run.id}`, new Date(run.started_at).toLocaleString())),
    el("td", {}, badge(run.status)),
    el("td", { class: "num" }, run.status === "skipped" ? "–" : ms(run.duration_ms)),
    el("td", {}, kind === "collection" ? run.monitor ?? "on demand" : run.collection),
    el("td", {}, run.region ?? ""),
    el("td", {}, failure));
}

/** An RFC 3339 time as a `datetime-local` value, in the browser's zone. */
function local(time) {
  if (!time) return "";
  const date = new Date(time);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

export async function runPage(id) {
  const run = await api("GET", `/api/v1/runs/${path(id)}`);
  const steps = run.report?.steps ?? [];
  show(`Run of ${run.collection}`,
    el("dl", { class: "facts" },
      el("dt", {}, "Result"), el("dd", {}, badge(run.status)),
      el("dt", {}, "Started"), el("dd", {}, when(run.started_at)),
      el("dt", {}, "Duration"), el("dd", {}, ms(run.duration_ms)),
      ...(run.region ? [el("dt", {}, "Region"), el("dd", {}, run.region)] : []),
      el("dt", {}, "Monitor"), el("dd", {}, run.monitor ? link(`#/monitors/${path(run.monitor)}/history`, run.monitor) : "on demand"),
      el("dt", {}, "Collection"), el("dd", {}, link(`#/collections/${path(run.collection)}/history`, run.collection))),
    steps.length ? el("ol", { class: "steps" }, steps.map(stepResult)) : el("p", { class: "muted" }, "Skipped: the monitor's previous run was still going."));
}
