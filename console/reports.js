// Reports: a monitor's uptime per day, week or month over a range, with its objective's
// error budget, exported to CSV; and the notification log (what was sent, through which
// notifier, delivered or why not).

import { api, el, ms, path, percent, show, when } from "./api.js";

const day = (date) => date.toISOString().slice(0, 10);

function duration(seconds) {
  if (seconds == null) return "–";
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export async function reportsPage(params) {
  const monitors = await api("GET", "/api/v1/monitors");
  const today = new Date();
  const chosen = params.get("monitor") ?? monitors[0]?.spec.name ?? "";
  const by = params.get("by") ?? "day";
  const from = params.get("from") ?? day(new Date(today.getTime() - 29 * 86400000));
  const to = params.get("to") ?? day(today);
  const monitor = el("select", { id: "report-monitor", name: "monitor" },
    monitors.map((m) => el("option", { value: m.spec.name, selected: m.spec.name === chosen }, m.spec.name)));
  const period = el("select", { id: "report-by", name: "by" },
    ["day", "week", "month"].map((p) => el("option", { value: p, selected: p === by }, p)));
  const start = el("input", { type: "date", id: "report-from", value: from });
  const end = el("input", { type: "date", id: "report-to", value: to });
  const form = el("form", { class: "filters", "aria-label": "Report", onsubmit: (event) => {
    event.preventDefault();
    const query = new URLSearchParams({ monitor: monitor.value, by: period.value, from: start.value, to: end.value });
    location.hash = `#/reports?${query}`;
  } },
  el("label", { for: "report-monitor" }, "Monitor"), monitor,
  el("label", { for: "report-by" }, "By"), period,
  el("label", { for: "report-from" }, "From"), start,
  el("label", { for: "report-to" }, "To"), end,
  el("button", { type: "submit" }, "Show"));
  if (!chosen) return show("Reports", el("p", { class: "muted" }, "No monitors yet."));
  const query = new URLSearchParams({ monitor: chosen, by, from, to });
  const report = await api("GET", `/api/v1/reports/uptime?${query}`);
  const row = (p, head) => el("tr", {},
    el(head ? "th" : "td", head ? { scope: "row" } : {}, head ?? (p.end > p.start ? `${p.start} – ${new Date(Date.parse(p.end) - 86400000).toISOString().slice(0, 10)}` : p.start)),
    el("td", { class: "num" }, percent(p.uptime)), el("td", { class: "num" }, p.runs), el("td", { class: "num" }, p.failed),
    el("td", { class: "num" }, p.degraded), el("td", { class: "num" }, p.maintenance),
    el("td", { class: "num" }, ms(p.mean_ms)), el("td", { class: "num" }, ms(p.p95_ms)), el("td", { class: "num" }, duration(p.downtime_s)));
  const slo = report.slo;
  const budget = slo ? el("section", { class: "card", "aria-labelledby": "budget-h" },
    el("h2", { id: "budget-h" }, "Objective"),
    el("p", {}, `${slo.target}% over ${slo.window_days} days: `, el("strong", {}, percent(slo.uptime)), ` so far, ${slo.failed} of ${slo.runs} runs failed.`),
    el("p", {}, "Error budget left: ", el("strong", { class: slo.remaining < 0 ? "down" : slo.remaining < 0.25 ? "degraded" : "up" },
      slo.remaining < 0 ? "spent, objective missed" : percent(slo.remaining))),
    el("meter", { min: 0, max: 1, low: 0.25, optimum: 1, value: Math.max(0, slo.remaining), "aria-label": "Error budget left" }))
    : el("p", { class: "muted" }, "This monitor has no objective (`slo`).");
  show("Reports",
    form,
    budget,
    el("div", { class: "toolbar" }, el("a", { class: "button", href: `/api/v1/reports/uptime?${query}&format=csv`, download: `uptime-${chosen}.csv` }, "Export CSV")),
    el("div", { class: "scroll" }, el("table", { class: "report" },
      el("caption", {}, `Uptime of ${chosen} by ${by}, ${from} to ${to} (UTC days)`),
      el("thead", {}, el("tr", {}, ["Period", "Uptime", "Runs", "Failed", "Degraded", "Maintenance", "Mean", "p95", "Downtime"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, report.periods.map((p) => row(p))),
      report.total ? el("tfoot", {}, row(report.total, "Total")) : null)));
}

export async function notificationsPage() {
  const { notifications } = await api("GET", "/api/v1/notifications?limit=200");
  show("Notifications",
    el("p", { class: "muted" }, "Every alert sent, through which notifier, and whether it was delivered."),
    notifications.length
      ? el("div", { class: "scroll" }, el("table", { class: "notifications" },
        el("thead", {}, el("tr", {}, ["Sent", "Monitor", "Transition", "Notifier", "Delivery", "Attempts", "Why not"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, notifications.map((n) => el("tr", { "data-delivery": n.delivery },
          el("td", {}, when(n.sent_at)),
          el("td", {}, el("a", { href: `#/monitors/${path(n.monitor)}/history` }, n.monitor)),
          el("td", {}, el("span", { class: `badge ${n.transition === "recovered" ? "up" : n.transition === "degraded" ? "degraded" : "down"}` }, n.transition)),
          el("td", {}, `${n.notifier} #${n.notifier_index + 1}`),
          el("td", {}, el("span", { class: `badge ${n.delivery === "delivered" ? "passed" : "failed"}` }, n.delivery)),
          el("td", { class: "num" }, n.attempts),
          el("td", {}, n.error ?? ""))))))
      : el("p", { class: "muted" }, "Nothing sent yet."));
}
