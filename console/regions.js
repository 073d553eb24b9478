// The regions page: every region heard from, and each collection's latest run in each region
// (the region × collection matrix of GET /api/v1/regions).

import { api, badge, el, link, ms, path, show, when } from "./api.js";

/** A region's name as people read it: runs of an agent without `--region` have none. */
const regionName = (name) => name || "(no region)";

export async function regionsPage() {
  const { regions, collections } = await api("GET", "/api/v1/regions");
  if (!regions.length) {
    show("Regions", el("p", { class: "muted" },
      "No runs yet. Start agents with --region NAME; followers (--primary URL) send their runs here."));
    return;
  }
  const heading = el("tr", {}, el("th", { scope: "col" }, "Collection"),
    regions.map((region) => el("th", { scope: "col" }, regionName(region.name),
      el("div", { class: "muted small" }, region.last_seen ? ["last heard ", when(region.last_seen)] : "this agent"))));
  const rows = collections.map((collection) => el("tr", {},
    el("th", { scope: "row" }, link(`#/collections/${path(collection.name)}/history`, collection.name)),
    regions.map((region) => cell(collection.regions[region.name]))));
  show("Regions",
    el("p", { class: "muted" }, "The latest run of each collection in each region."),
    el("div", { class: "scroll" }, el("table", { class: "matrix" }, el("thead", {}, heading), el("tbody", {}, rows))));
}

function cell(latest) {
  if (!latest) return el("td", { class: "muted", "data-status": "none" }, "–");
  return el("td", { "data-status": latest.status },
    link(`#/runs/${latest.run_id}`, badge(latest.status)), " ", ms(latest.duration_ms),
    el("div", { class: "muted small" }, when(latest.started_at)));
}
