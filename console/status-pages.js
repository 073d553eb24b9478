// Status pages: the list (with a link to each public page), a page's definition edited as
// JSON (the agent checks it and names the field of any problem), and its incidents: post one
// by hand, and add updates (investigating, identified, monitoring, resolved) to any.

import { can } from "./access.js";
import { api, el, link, path, show, showProblems, when } from "./api.js";

const STATUSES = ["investigating", "identified", "monitoring", "resolved"];
const EXAMPLE = { name: "Acme status", status_page: { slug: "acme", groups: [{ name: "Website", monitors: [] }], uptime_days: 90 } };

export async function statusPagesPage() {
  const pages = await api("GET", "/api/v1/status-pages");
  show("Status pages",
    el("div", { class: "toolbar" }, can("apply") && link("#/status-pages/new", "New status page", { class: "button" })),
    pages.length
      ? el("table", {}, el("thead", {}, el("tr", {}, ["Page", "Public address", "Groups"].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, pages.map((p) => el("tr", {},
          el("th", { scope: "row" }, link(`#/status-pages/${path(p.spec.name)}`, p.spec.name)),
          el("td", {}, el("a", { href: `/status/${p.spec.status_page.slug}` }, `/status/${p.spec.status_page.slug}`),
            ...(p.spec.status_page.hosts ?? []).map((h) => el("span", { class: "muted" }, ` · ${h}`))),
          el("td", {}, p.spec.status_page.groups.map((g) => g.name).join(", "))))))
      : el("p", { class: "muted" }, "No status pages yet."));
}

export async function statusPagePage(name) {
  const stored = name === "new" ? null : await api("GET", `/api/v1/status-pages/${path(name)}`);
  const text = el("textarea", { id: "page-spec", rows: 16, "data-field": "", spellcheck: "false" });
  text.value = JSON.stringify(stored?.spec ?? EXAMPLE, null, 2);
  const problems = el("div", {});
  const form = el("form", { class: "card", onsubmit: async (event) => {
    event.preventDefault();
    let spec;
    try {
      spec = JSON.parse(text.value);
    } catch (error) {
      problems.replaceChildren(el("p", { class: "error", role: "alert" }, `Not JSON: ${error.message}`));
      return;
    }
    try {
      const saved = stored
        ? await api("PUT", `/api/v1/status-pages/${stored.id}`, spec)
        : await api("POST", "/api/v1/status-pages", spec);
      location.hash = `#/status-pages/${path(saved.spec.name)}`;
    } catch (error) {
      showProblems(form, problems, error);
    }
  } },
  el("label", { for: "page-spec" }, "Definition (as in a status page file, written as JSON)"), text, problems,
  el("div", { class: "toolbar" }, can("apply") && el("button", { type: "submit" }, "Save"),
    stored && can("apply") && el("button", { type: "button", class: "danger", onclick: async () => {
      await api("DELETE", `/api/v1/status-pages/${stored.id}`);
      location.hash = "#/status-pages";
    } }, "Delete")));
  const slug = stored?.spec.status_page.slug;
  show(stored ? stored.spec.name : "New status page",
    el("div", { class: "toolbar" }, link("#/status-pages", "All status pages"), slug && el("a", { href: `/status/${slug}` }, "Open the public page")),
    form,
    slug ? await incidentsSection(slug, name) : null);
}

async function incidentsSection(slug, pageName) {
  const incidents = await api("GET", `/api/v1/incidents?page=${encodeURIComponent(slug)}&limit=30`);
  const reload = () => statusPagePage(pageName);
  const statusSelect = (id, selected) => el("select", { id }, STATUSES.map((s) => el("option", { value: s, selected: s === selected }, s)));
  const items = incidents.map((incident) => {
    const status = statusSelect(`status-${incident.id}`, incident.status === "resolved" ? "resolved" : "monitoring");
    const message = el("input", { type: "text", id: `message-${incident.id}`, required: true, "data-field": "message" });
    const problems = el("div", {});
    const form = el("form", { class: "inline", "aria-label": `Update ${incident.title}`, onsubmit: async (event) => {
      event.preventDefault();
      try {
        await api("POST", `/api/v1/incidents/${incident.id}/updates`, { status: status.value, message: message.value });
        await reload();
      } catch (error) {
        showProblems(form, problems, error);
      }
    } },
    el("label", { for: status.id }, "Status"), status, el("label", { for: message.id }, "Message"), message,
    el("button", { type: "submit" }, "Post update"), problems);
    return el("li", { class: "incident" },
      el("h3", {}, incident.title, " ", el("span", { class: `badge ${incident.status === "resolved" ? "up" : "down"}` }, incident.status)),
      el("ol", { reversed: true }, [...incident.updates].reverse().map((u) => el("li", {}, el("strong", {}, u.status), ` — ${u.message} `, when(u.at), u.by ? ` (${u.by})` : ""))),
      can("run") ? form : null);
  });
  const title = el("input", { type: "text", id: "incident-title", required: true, "data-field": "title" });
  const impact = el("select", { id: "incident-impact", "data-field": "impact" }, ["minor", "major", "critical", "none"].map((i) => el("option", { value: i }, i)));
  const message = el("input", { type: "text", id: "incident-message", required: true, "data-field": "message" });
  const problems = el("div", {});
  const create = el("form", { class: "card stack", "aria-label": "New incident", onsubmit: async (event) => {
    event.preventDefault();
    try {
      await api("POST", "/api/v1/incidents", { page: slug, title: title.value, impact: impact.value, message: message.value });
      await reload();
    } catch (error) {
      showProblems(create, problems, error);
    }
  } },
  el("h3", {}, "Post an incident"),
  el("label", { for: "incident-title" }, "Title"), title,
  el("label", { for: "incident-impact" }, "Impact"), impact,
  el("label", { for: "incident-message" }, "What is going on"), message,
  problems, el("button", { type: "submit" }, "Post incident"));
  return el("section", { "aria-labelledby": "incidents-h" },
    el("h2", { id: "incidents-h" }, "Incidents"),
    items.length ? el("ul", { class: "incidents" }, items) : el("p", { class: "muted" }, "No incidents."),
    can("run") ? create : null);
}
