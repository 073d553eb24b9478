// Monitors: the list (up, degraded or down since, paused, in maintenance; last and next run)
// with pause/resume and "Silence for…" on a monitor in trouble, and the form: `every` or
// `cron` with the next five fire times as the user types, or a heartbeat with its ping URL;
// the collections, tags, dependencies, alert settings, and notifiers whose fields come from
// each plugin's config schema, with the transitions each hears and its escalation delay.

import { can } from "./access.js";
import { api, badge, el, link, path, show, showProblems, when } from "./api.js";
import { silenceButton } from "./operations.js";

const list = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);

export async function monitorsPage() {
  const monitors = await api("GET", "/api/v1/monitors");
  const rows = monitors.map((stored) => {
    const { spec, status } = stored;
    const state = status.paused ? badge("paused")
      : status.health !== "up" ? el("span", {}, badge(status.health), " since ", when(status.down_since))
        : badge("up");
    const maintenance = status.maintenance?.paused ? badge("paused by a window")
      : status.maintenance?.muted ? badge("maintenance") : null;
    const verb = spec.paused ? "Resume" : "Pause";
    const toggle = el("button", { type: "button", class: "secondary small", "aria-label": `${verb} ${spec.name}`, onclick: async () => {
      await api("PUT", `/api/v1/monitors/${stored.id}`, { ...spec, paused: !spec.paused });
      await monitorsPage();
    } }, verb);
    const silence = status.health !== "up" && !status.maintenance?.muted && can("run") ? silenceButton(spec.name, monitorsPage) : null;
    return el("tr", { "data-state": status.paused ? "paused" : status.health },
      el("th", { scope: "row" }, link(`#/monitors/${path(spec.name)}`, spec.name)),
      el("td", {}, state, maintenance ? " " : null, maintenance),
      el("td", {}, when(status.last_run)),
      el("td", {}, status.paused ? "–" : spec.heartbeat ? "pinged" : when(status.next_run)),
      el("td", { class: "wide" }, spec.heartbeat ? "heartbeat" : (spec.collections ?? []).join(", ")),
      el("td", {}, el("div", { class: "step-actions" }, can("apply") && toggle, silence, link(`#/monitors/${path(spec.name)}/history`, "History"))));
  });
  show("Monitors",
    el("div", { class: "toolbar" }, can("apply") && link("#/new-monitor", "New monitor", { class: "button" })),
    monitors.length
      ? el("table", { class: "monitors" },
        el("thead", {}, el("tr", {}, ["Monitor", "State", "Last run", "Next run"].map((h) => el("th", {}, h)), el("th", { class: "wide" }, "Collections"), el("th", {}, ""))),
        el("tbody", {}, rows))
      : el("p", { class: "muted" }, "No monitors yet."));
}

/** The form for a new monitor (`name` absent) or an existing one. */
export async function monitorPage(name) {
  const [stored, collections, plugins] = await Promise.all([
    name ? api("GET", `/api/v1/monitors/${path(name)}`) : null,
    api("GET", "/api/v1/collections"),
    api("GET", "/api/v1/plugins"),
  ]);
  const spec = stored?.spec ?? { name: "", schedule: { every: "1m" }, collections: [], notify: [] };
  const timing = spec.heartbeat ?? spec.schedule ?? {};
  const notifiers = plugins.plugins.filter((p) => p.kind === "notifier");
  const input = (id, field, value, attributes = {}) => el("input", { id, type: "text", "data-field": field, value: value ?? "", ...attributes });
  const row = (id, label, control, hint) => el("div", { class: "row" }, el("label", { for: id }, label), control, hint ? el("span", { class: "hint muted" }, hint) : null);

  const monitorName = input("monitor-name", "name", spec.name, { required: true });
  const kind = el("select", { id: "schedule-kind" }, el("option", { value: "every", selected: !timing.cron }, "every"), el("option", { value: "cron", selected: !!timing.cron }, "cron"));
  const push = el("input", { id: "heartbeat", type: "checkbox", checked: !!spec.heartbeat });
  const every = input("schedule-every", "schedule.every", timing.every, { placeholder: "30s, 5m, 1h" });
  const cron = input("schedule-cron", "schedule.cron", timing.cron, { placeholder: "*/5 * * * *" });
  const tz = input("schedule-tz", "schedule.tz", timing.tz, { placeholder: "UTC" });
  const jitter = input("schedule-jitter", "schedule.jitter", timing.jitter, { placeholder: "none" });
  const grace = input("heartbeat-grace", "heartbeat.grace", spec.heartbeat?.grace, { placeholder: "5m" });
  const tags = input("monitor-tags", "tags", (spec.tags ?? []).join(", "), { placeholder: "tier-1, checkout" });
  const dependsOn = input("monitor-depends-on", "depends_on", (spec.depends_on ?? []).join(", "), { placeholder: "edge network" });
  const fireTimes = el("ol", { class: "fire-times", "aria-live": "polite", "aria-label": "Next fire times" });
  const scheduleError = el("p", { class: "error" });
  const schedule = () => {
    const value = kind.value === "every" ? { every: every.value.trim() } : { cron: cron.value.trim(), ...(tz.value.trim() ? { tz: tz.value.trim() } : {}) };
    if (jitter.value.trim()) value.jitter = jitter.value.trim();
    return value;
  };
  let previewed = 0;
  const preview = async () => {
    const mine = ++previewed;
    every.closest(".row").hidden = kind.value !== "every";
    cron.closest(".row").hidden = tz.closest(".row").hidden = kind.value !== "cron";
    grace.closest(".row").hidden = !push.checked;
    jitter.closest(".row").hidden = push.checked;
    picked.hidden = push.checked;
    for (const field of [every, cron, tz]) field.dataset.field = field.dataset.field.replace(/^(schedule|heartbeat)/, push.checked ? "heartbeat" : "schedule");
    try {
      const { next } = await api("POST", `/api/v1/schedule/preview?monitor=${encodeURIComponent(monitorName.value)}`, schedule());
      if (mine !== previewed) return;
      fireTimes.replaceChildren(...next.map((time) => el("li", {}, when(time))));
      scheduleError.textContent = "";
    } catch (error) {
      if (mine !== previewed) return;
      fireTimes.replaceChildren();
      scheduleError.textContent = error.field ? `${error.field}: ${error.message}` : error.message;
    }
  };
  for (const field of [kind, every, cron, tz, jitter, push]) field.addEventListener("input", preview);

  const picked = el("fieldset", { class: "checks", "data-field": "collections" }, el("legend", {}, "Collections"),
    collections.map((c, i) => el("label", {}, el("input", { type: "checkbox", value: c.spec.name, checked: spec.collections.includes(c.spec.name), "data-field": `collections[${spec.collections.indexOf(c.spec.name)}]`, id: `collection-${i}` }), c.spec.name)));
  const alertAfter = input("alert-after", "alert_after", spec.alert_after ?? 1, { type: "number", min: 1 });
  const recoverAfter = input("recover-after", "recover_after", spec.recover_after ?? 1, { type: "number", min: 1 });
  const remindEvery = input("remind-every", "remind_every", spec.remind_every, { placeholder: "never" });
  const notify = el("div", { class: "notifiers" });
  const addNotifier = (entry) => notify.append(notifierEditor(notifiers, entry, () => renumber(notify)));
  (spec.notify ?? []).forEach(addNotifier);

  const message = el("div", { class: "form-problems" });
  const form = el("form", { class: "monitor-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    try {
      // What the form does not show (alert_regions, ...) is kept as it was.
      const { schedule: _s, collections: _c, heartbeat: _h, remind_every: _r, tags: _t, depends_on: _d, ...kept } = spec;
      const monitor = {
        ...kept,
        name: monitorName.value.trim(),
        alert_after: Number(alertAfter.value || 1),
        recover_after: Number(recoverAfter.value || 1),
        notify: [...notify.children].map((editor) => editor.read()),
      };
      if (push.checked) {
        const { jitter: _j, ...cadence } = schedule();
        monitor.heartbeat = { ...cadence, ...(grace.value.trim() ? { grace: grace.value.trim() } : {}) };
      } else {
        monitor.schedule = schedule();
        monitor.collections = [...picked.querySelectorAll("input:checked")].map((box) => box.value);
      }
      if (list(tags.value).length) monitor.tags = list(tags.value);
      if (list(dependsOn.value).length) monitor.depends_on = list(dependsOn.value);
      if (remindEvery.value.trim()) monitor.remind_every = remindEvery.value.trim();
      const saved = stored ? await api("PUT", `/api/v1/monitors/${stored.id}`, monitor) : await api("POST", "/api/v1/monitors", monitor);
      if (saved?.ping_url) return showPingKey(saved.spec.name, saved);
      location.hash = saved ? "#/monitors" : location.hash;
    } catch (error) {
      if (error.message !== "signed out") showProblems(form, message, error);
    }
  } },
  row("monitor-name", "Name", monitorName),
  row("monitor-tags", "Tags", tags, "windows, silences and status pages select by these"),
  row("monitor-depends-on", "Depends on", dependsOn, "monitors whose outage holds this one's alerts"),
  el("fieldset", {}, el("legend", {}, "Schedule"),
    row("heartbeat", "Heartbeat (the job pings Skopos)", push),
    row("schedule-kind", "Runs", kind),
    row("schedule-every", "Every", every, "aligned to the clock"),
    row("schedule-cron", "Cron", cron, "5 fields, or 6 with seconds first"),
    row("schedule-tz", "Time zone", tz),
    row("schedule-jitter", "Jitter", jitter, "a fixed offset within this"),
    row("heartbeat-grace", "Grace", grace, "how late a ping may be (default 5m)"),
    el("p", { class: "muted" }, "Next five runs:"), fireTimes, scheduleError),
  picked,
  el("fieldset", {}, el("legend", {}, "Alerts"),
    row("alert-after", "Alert after failures", alertAfter),
    row("recover-after", "Recovered after passes", recoverAfter),
    row("remind-every", "Remind every", remindEvery),
    notify,
    can("notifier_settings") && el("button", { type: "button", class: "secondary small", onclick: () => { addNotifier({ plugin: notifiers[0]?.name ?? "", config: {} }); renumber(notify); } }, "Add notifier")),
  message,
  // What the role cannot do is not offered (the API refuses it anyway).
  can("apply") && el("div", { class: "toolbar" }, el("button", { type: "submit" }, stored ? "Save monitor" : "Create monitor"),
    stored?.spec.heartbeat ? el("button", { type: "button", class: "secondary", onclick: async () => {
      showPingKey(spec.name, await api("POST", `/api/v1/monitors/${stored.id}/ping-key`));
    } }, "New ping URL") : null,
    stored ? deleteButton(stored) : null));
  renumber(notify);
  show(stored ? `Monitor ${spec.name}` : "New monitor", el("section", { class: "card" }, form));
  preview();
}

/** A heartbeat monitor's ping URL and crontab line, shown once (only a hash is kept). */
function showPingKey(name, { ping_url: url, curl }) {
  const copy = (text) => el("button", { type: "button", class: "secondary small", onclick: (event) => {
    navigator.clipboard?.writeText(text);
    event.target.textContent = "Copied";
  } }, "Copy");
  show(`Ping URL of ${name}`, el("section", { class: "card ping-key" },
    el("p", {}, "Have the job call this URL when it finishes (", el("code", {}, "/start"), " when it starts, ",
      el("code", {}, "/fail"), " when it fails). It is shown this once: keep it now."),
    el("p", {}, el("code", { id: "ping-url" }, url), " ", copy(url)),
    el("p", {}, "At the end of a crontab line:"),
    el("pre", { class: "body" }, el("code", { id: "ping-curl" }, curl)), copy(curl),
    el("p", {}, link("#/monitors", "Back to monitors"))));
}

function deleteButton(stored) {
  const button = el("button", { type: "button", class: "danger", onclick: async () => {
    if (button.dataset.armed !== "yes") {
      button.dataset.armed = "yes";
      button.textContent = `Really delete ${stored.spec.name}?`;
      return;
    }
    await api("DELETE", `/api/v1/monitors/${stored.id}`);
    location.hash = "#/monitors";
  } }, "Delete monitor");
  return button;
}

function renumber(notify) {
  [...notify.children].forEach((editor, i) => editor.number(i));
}

let fieldCount = 0;

/** One `notify` entry: the plugin, then a field per property of its config schema. */
function notifierEditor(notifiers, entry, removed) {
  const plugin = el("select", { "aria-label": "Notifier plugin" }, notifiers.map((p) => el("option", { value: p.name, selected: p.name === entry.plugin }, `${p.name} ${p.version}`)));
  const fields = el("div", { class: "config-fields" });
  let readers = [];
  let index = 0;
  const draw = (config) => {
    const found = notifiers.find((p) => p.name === plugin.value);
    let schema = found?.config_schema ?? {};
    if (typeof schema === "string") schema = JSON.parse(schema);
    const required = new Set(schema.required ?? []);
    readers = [];
    fields.replaceChildren(...Object.entries(schema.properties ?? {}).map(([key, property]) => {
      const { control, read } = configField(key, property, config?.[key]);
      control.dataset.key = key;
      control.id = `notifier-${++fieldCount}`;
      readers.push([key, read]);
      return el("div", { class: "row" }, el("label", { for: control.id }, `${key}${required.has(key) ? " *" : ""}`), control,
        property.description ? el("span", { class: "hint muted" }, property.description) : null);
    }));
    editor.number(index);
  };
  plugin.addEventListener("change", () => draw({}));
  const kinds = ["failing", "degraded", "reminder", "recovered"];
  const hears = el("fieldset", { class: "checks hears" }, el("legend", {}, "Tell it of"),
    kinds.map((k) => el("label", {}, el("input", { type: "checkbox", value: k, checked: !entry.on?.length || entry.on.includes(k) }), k)));
  const after = el("input", { type: "text", value: entry.after ?? "", placeholder: "at once", "aria-label": "Escalate after" });
  const title = el("input", { type: "text", value: entry.template?.title ?? "", placeholder: "{{ state }}: {{ monitor }} / {{ collection }}", "aria-label": "Message title" });
  const text = el("textarea", { rows: 3, value: entry.template?.text ?? "", placeholder: "{{ summary }}", "aria-label": "Message text" });
  const template = el("details", { class: "template", open: Boolean(entry.template) }, el("summary", {}, "Message template"),
    el("div", { class: "row" }, el("label", {}, "Title", title)),
    el("div", { class: "row" }, el("label", {}, "Text", text)),
    el("span", { class: "hint muted" }, "minijinja: {{ monitor }}, {{ collection }}, {{ state }}, {{ summary }}, {{ failure.step }}, {{ run_link }}; empty keeps the notifier's own words"));
  const editor = el("fieldset", { class: "notifier" }, el("legend", {}, "Notifier"), plugin, fields, hears,
    el("div", { class: "row" }, el("label", {}, "Only if still failing after", after), el("span", { class: "hint muted" }, "escalation, such as 15m")),
    template,
    el("button", { type: "button", class: "secondary small", onclick: () => { editor.remove(); removed(); } }, "Remove notifier"));
  editor.read = () => {
    const config = {};
    for (const [key, read] of readers) {
      const value = read();
      if (value !== undefined) config[key] = value;
    }
    const on = [...hears.querySelectorAll("input:checked")].map((box) => box.value);
    const read = { plugin: plugin.value, config };
    if (on.length < kinds.length) read.on = on;
    if (after.value.trim()) read.after = after.value.trim();
    if (title.value.trim() || text.value.trim()) {
      read.template = {};
      if (title.value.trim()) read.template.title = title.value;
      if (text.value.trim()) read.template.text = text.value;
    }
    return read;
  };
  editor.number = (i) => {
    index = i;
    plugin.dataset.field = `notify[${i}].plugin`;
    after.dataset.field = `notify[${i}].after`;
    hears.dataset.field = `notify[${i}].on`;
    title.dataset.field = `notify[${i}].template.title`;
    text.dataset.field = `notify[${i}].template.text`;
    for (const control of fields.querySelectorAll("[data-key]")) control.dataset.field = `notify[${i}].config.${control.dataset.key}`;
  };
  draw(entry.config);
  return editor;
}

/** An input for one config property; `@{{env.NAME}}` may be typed into any text. */
function configField(key, property, value) {
  const listOfText = property.type === "array" || property.oneOf?.some((s) => s.type === "array");
  if (property.enum) {
    const control = el("select", {}, el("option", { value: "" }, "(default)"), property.enum.map((v) => el("option", { value: v, selected: v === value }, v)));
    return { control, read: () => control.value || undefined };
  }
  if (property.type === "boolean") {
    const control = el("input", { type: "checkbox", checked: value === true });
    return { control, read: () => control.checked || undefined };
  }
  if (property.type === "integer" || property.type === "number") {
    const control = el("input", { type: "number", value: value ?? "" });
    return { control, read: () => (control.value === "" ? undefined : Number(control.value)) };
  }
  if (listOfText) {
    const control = el("input", { type: "text", value: Array.isArray(value) ? value.join(", ") : value ?? "", placeholder: "one, or several separated by commas" });
    return { control, read: () => {
      const items = control.value.split(",").map((s) => s.trim()).filter(Boolean);
      return items.length ? (property.type === "array" || items.length > 1 ? items : items[0]) : undefined;
    } };
  }
  if (property.type === "object") {
    const control = el("textarea", { rows: 3, value: value ? JSON.stringify(value, null, 2) : "", placeholder: "{\"X-Team\": \"shop\"}" });
    return { control, read: () => (control.value.trim() ? JSON.parse(control.value) : undefined) };
  }
  const control = el("input", { type: "text", value: value ?? "", placeholder: key.includes("url") ? "@{{env.HOOK_URL}} or https://..." : "" });
  return { control, read: () => (control.value === "" ? undefined : control.value) };
}
