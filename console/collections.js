// Collections: the list (last result, uptime, latency sparkline), creating one, and a
// collection's page where its steps are added, edited, duplicated, reordered and deleted,
// and the collection is run, renamed or deleted.

import { can } from "./access.js";
import { api, badge, el, link, path, percent, session, show, showProblems } from "./api.js";
import { sparkline } from "./charts.js";
import { envNamesIn } from "./complete.js";
import { runPanel } from "./run.js";
import { pairs, parseValue, stepForm } from "./step-form.js";
import { stepLine } from "./step-kinds.js";

/** `env` names used across collections, offered by `@{{` completion (never their values). */
let knownEnvNames = [];

export async function collectionsPage() {
  const list = await api("GET", "/api/v1/collections");
  knownEnvNames = envNamesIn(list.map((c) => c.spec), session.envAllow ?? null);
  const rows = document.createDocumentFragment();
  for (const stored of list) {
    const { last_run: last, stats, spec } = stored;
    rows.append(el("tr", {},
      el("th", { scope: "row" }, link(`#/collections/${path(spec.name)}`, spec.name)),
      el("td", {}, last ? badge(last.status) : el("span", { class: "muted" }, "never run")),
      el("td", { class: "num" }, percent(stats?.uptime_24h)),
      el("td", { class: "num wide" }, percent(stats?.uptime_7d)),
      el("td", { class: "wide" }, sparkline(stats?.latency_24h_ms ?? [], `${spec.name}: mean latency per hour, last 24 hours`)),
      el("td", { class: "num wide" }, String(spec.steps.length))));
  }
  const table = el("table", { class: "collections" },
    el("thead", {}, el("tr", {}, el("th", {}, "Collection"), el("th", {}, "Last run"), el("th", {}, "Uptime 24 h"),
      el("th", { class: "wide" }, "7 d"), el("th", { class: "wide" }, "Latency 24 h"), el("th", { class: "wide" }, "Steps"))),
    el("tbody", {}, rows));
  show("Collections",
    el("div", { class: "toolbar" }, can("apply") && link("#/new-collection", "New collection", { class: "button" }), el("span", { class: "muted" }, `${list.length} collections`)),
    list.length ? table : el("p", { class: "muted" }, "No collections yet."));
}

/** A new collection: its name and its first step. */
export async function newCollectionPage() {
  if (!knownEnvNames.length) knownEnvNames = envNamesIn((await api("GET", "/api/v1/collections")).map((c) => c.spec), session.envAllow ?? null);
  const name = el("input", { type: "text", id: "collection-name", "data-field": "name", required: true });
  const spec = { name: "", steps: [] };
  const form = stepForm({
    spec, index: 0, envNames: knownEnvNames,
    extraFields: [el("div", { class: "row" }, el("label", { for: "collection-name" }, "Collection name"), name)],
    save: async (step) => {
      if (!name.value.trim()) throw { problems: [{ field: "name", error: "a collection needs a name" }] };
      const created = await api("POST", "/api/v1/collections", { name: name.value.trim(), steps: [step] });
      location.hash = `#/collections/${path(created.spec.name)}`;
    },
  });
  show("New collection", el("section", { class: "card" }, form));
  name.focus();
}

export async function collectionPage(name) {
  let stored = await api("GET", `/api/v1/collections/${path(name)}`);
  const envNames = knownEnvNames;
  const steps = el("ol", { class: "steps editable" });
  const problems = el("div", { class: "form-problems" });
  const { button: run, summary, results } = runPanel(stored.spec.name);

  /** Stores a changed spec; the API's refusal is shown beside the form that caused it. */
  const saveSpec = async (spec) => {
    stored = await api("PUT", `/api/v1/collections/${stored.id}`, spec);
    drawSteps();
  };
  const change = async (mutate) => {
    const spec = structuredClone(stored.spec);
    mutate(spec.steps);
    try {
      await saveSpec(spec);
      problems.replaceChildren();
    } catch (error) {
      showProblems(steps, problems, error);
    }
  };
  const edit = (index, item) => {
    const form = stepForm({
      spec: stored.spec, index, envNames,
      save: async (step) => {
        const spec = structuredClone(stored.spec);
        spec.steps[index] = step;
        await saveSpec(spec);
      },
      cancel: drawSteps,
    });
    item.replaceChildren(form);
    form.querySelector("input")?.focus();
  };
  function drawSteps() {
    const count = stored.spec.steps.length;
    steps.replaceChildren(...stored.spec.steps.map((step, index) => {
      const label = step.name ?? `step${index + 1}`;
      const item = el("li", { class: "step", "data-field": `steps[${index}]` });
      const button = (text, action, disabled = false) =>
        el("button", { type: "button", class: "secondary small", disabled, "aria-label": `${text} ${label}`, onclick: action }, text);
      item.append(
        el("div", { class: "step-head" }, el("strong", {}, label), el("code", {}, stepLine(step)),
          el("span", { class: "muted" }, `${(step.assert ?? []).length} assertions`)),
        can("apply") && el("div", { class: "step-actions" },
          button("Edit", () => edit(index, item)),
          button("Duplicate", () => change((list) => list.splice(index + 1, 0, { ...structuredClone(step), name: step.name ? copyName(step.name, list) : undefined }))),
          button("Move up", () => change((list) => list.splice(index - 1, 0, ...list.splice(index, 1))), index === 0),
          button("Move down", () => change((list) => list.splice(index + 1, 0, ...list.splice(index, 1))), index === count - 1),
          button("Delete", () => change((list) => list.splice(index, 1)), count === 1)));
      return item;
    }));
  }
  drawSteps();
  const addStep = el("button", { type: "button", class: "secondary", onclick: () => {
    const item = el("li", { class: "step" });
    steps.append(item);
    edit(stored.spec.steps.length, item);
  } }, "Add step");

  // What the role cannot do is not offered (the API refuses it anyway).
  show(stored.spec.name,
    el("div", { class: "toolbar" }, can("run") && run, link(`#/collections/${path(stored.spec.name)}/history`, "History"), summary),
    el("section", { class: "card" }, el("h2", {}, "Steps"), steps, problems, can("apply") && addStep),
    can("run") && el("section", { class: "card", "aria-label": "Results" }, el("h2", {}, "Results"), results),
    can("apply") && settings(() => stored));
}

/** `NAME-copy`, or `NAME-copy-2`...: step names are unique (they are `@{{NAME...}}`). */
function copyName(name, steps) {
  const taken = new Set(steps.map((step) => step.name));
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? `${name}-copy` : `${name}-copy-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Renaming, variables and deleting, at the foot of the page; `current()` is the collection
 * as last saved (steps may have changed since the page was drawn). */
function settings(current) {
  const stored = current();
  const name = el("input", { type: "text", id: "rename", value: stored.spec.name, "data-field": "name" });
  const message = el("div", { class: "form-problems" });
  const rename = el("form", { class: "inline", onsubmit: async (event) => {
    event.preventDefault();
    try {
      const renamed = await api("PUT", `/api/v1/collections/${stored.id}`, { ...current().spec, name: name.value.trim() });
      location.hash = `#/collections/${path(renamed.spec.name)}`;
    } catch (error) {
      showProblems(rename, message, error);
    }
  } }, el("label", { for: "rename" }, "Collection name"), name, el("button", { type: "submit", class: "secondary" }, "Rename"));
  const remove = el("button", { type: "button", class: "danger", onclick: async () => {
    if (remove.dataset.armed !== "yes") {
      remove.dataset.armed = "yes";
      remove.textContent = `Really delete ${stored.spec.name}?`;
      return;
    }
    try {
      await api("DELETE", `/api/v1/collections/${stored.id}`);
      location.hash = "#/collections";
    } catch (error) {
      message.replaceChildren(el("p", { class: "error", role: "alert" }, error.message));
    }
  } }, "Delete collection");
  const variables = pairs("variables", stored.spec.variables, "variable");
  const saveVariables = el("button", { type: "button", class: "secondary", onclick: async () => {
    const read = variables.read() ?? {};
    const parsed = Object.fromEntries(Object.entries(read).map(([name, value]) => [name, parseValue(value) ?? ""]));
    try {
      const saved = await api("PUT", `/api/v1/collections/${stored.id}`, { ...current().spec, variables: parsed });
      await collectionPage(saved.spec.name);
    } catch (error) {
      showProblems(section, message, error);
    }
  } }, "Save variables");
  const section = el("section", { class: "card" }, el("h2", {}, "Settings"), rename,
    el("h3", {}, "Variables"), el("p", { class: "muted" }, "Used as @{{vars.NAME}}; values that read as JSON (numbers, true) keep their type."),
    variables.node, saveVariables,
    el("div", { class: "toolbar" }, remove), message,
    el("p", { class: "muted" }, `Last changed ${new Date(stored.updated_at).toLocaleString()}`));
  return section;
}
