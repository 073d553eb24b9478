// Maintenance: windows (recurring or one-off, mute or pause, by monitor or tag) and silences
// (made by a person, with a comment and an end), each listed with a form to add one; and the
// "Silence for…" action the monitor list offers on a monitor in trouble.

import { can } from "./access.js";
import { api, badge, el, show, showProblems, when } from "./api.js";

const list = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);

export async function maintenancePage() {
  const [windows, silences, monitors] = await Promise.all([
    api("GET", "/api/v1/windows"), api("GET", "/api/v1/silences"), api("GET", "/api/v1/monitors")]);
  const names = monitors.map((m) => m.spec.name);
  show("Maintenance",
    el("h2", {}, "Maintenance windows"),
    windows.length ? windowTable(windows) : el("p", { class: "muted" }, "No maintenance windows."),
    can("apply") && windowForm(names),
    el("h2", {}, "Silences"),
    silences.length ? silenceTable(silences) : el("p", { class: "muted" }, "No silences in force."),
    can("run") && silenceForm(names));
}

function windowTable(windows) {
  const occurrence = (o) => (o ? el("span", {}, when(o.start), " – ", when(o.end)) : "–");
  return el("table", { class: "windows" },
    el("thead", {}, el("tr", {}, ["Window", "When", "Covers", "Mode", "Now", "Next", ""].map((h) => el("th", {}, h)))),
    el("tbody", {}, windows.map((w) => {
      const { spec } = w;
      const time = spec.window.cron ? `${spec.window.cron} (${spec.window.tz ?? "UTC"}) for ${spec.window.duration}` : "once";
      const covers = [...(spec.monitors ?? []), ...(spec.tags ?? []).map((t) => `tag ${t}`)].join(", ");
      const remove = el("button", { type: "button", class: "danger small", "aria-label": `Delete window ${spec.name}`, onclick: async () => {
        await api("DELETE", `/api/v1/windows/${encodeURIComponent(w.id)}`);
        await maintenancePage();
      } }, "Delete");
      return el("tr", { "data-window": spec.name },
        el("th", { scope: "row" }, spec.name), el("td", {}, time), el("td", {}, covers),
        el("td", {}, spec.mode ?? "mute"), el("td", {}, w.active ? badge("maintenance") : "–"),
        el("td", {}, occurrence(w.next ?? (spec.window.from ? { start: spec.window.from, end: spec.window.to } : null))),
        el("td", {}, can("apply") && remove));
    })));
}

function windowForm(names) {
  const input = (id, field, attributes = {}) => el("input", { id, type: "text", "data-field": field, ...attributes });
  const row = (id, label, control, hint) => el("div", { class: "row" }, el("label", { for: id }, label), control, hint ? el("span", { class: "hint muted" }, hint) : null);
  const name = input("window-name", "name", { required: true });
  const kind = el("select", { id: "window-kind" }, el("option", { value: "cron" }, "every week, day…"), el("option", { value: "once" }, "once"));
  const cron = input("window-cron", "window.cron", { placeholder: "0 2 * * SUN" });
  const tz = input("window-tz", "window.tz", { placeholder: "UTC" });
  const duration = input("window-duration", "window.duration", { placeholder: "2h" });
  const from = input("window-from", "window.from", { type: "datetime-local" });
  const to = input("window-to", "window.to", { type: "datetime-local" });
  const monitors = el("select", { id: "window-monitors", multiple: true, "data-field": "monitors" }, names.map((n) => el("option", { value: n }, n)));
  const tags = input("window-tags", "tags", { placeholder: "tier-1, checkout" });
  const mode = el("select", { id: "window-mode", "data-field": "mode" }, el("option", { value: "mute" }, "mute: run, tell nobody"), el("option", { value: "pause" }, "pause: do not run"));
  const toggle = () => {
    for (const field of [cron, tz, duration]) field.closest(".row").hidden = kind.value !== "cron";
    for (const field of [from, to]) field.closest(".row").hidden = kind.value !== "once";
  };
  kind.addEventListener("change", toggle);
  const message = el("div", { class: "form-problems" });
  const form = el("form", { class: "card window-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const iso = (value) => (value ? new Date(value).toISOString() : "");
    const window = kind.value === "cron"
      ? { cron: cron.value.trim(), duration: duration.value.trim(), ...(tz.value.trim() ? { tz: tz.value.trim() } : {}) }
      : { from: iso(from.value), to: iso(to.value) };
    const body = { name: name.value.trim(), window, monitors: [...monitors.selectedOptions].map((o) => o.value), tags: list(tags.value), mode: mode.value };
    try {
      await api("POST", "/api/v1/windows", body);
      await maintenancePage();
    } catch (error) {
      if (error.message !== "signed out") showProblems(form, message, error);
    }
  } },
  el("h3", {}, "New window"),
  row("window-name", "Name", name), row("window-kind", "Happens", kind),
  row("window-cron", "Starts (cron)", cron, "5 fields"), row("window-tz", "Time zone", tz), row("window-duration", "Lasts", duration),
  row("window-from", "From", from), row("window-to", "To", to),
  row("window-monitors", "Monitors", monitors), row("window-tags", "Tags", tags, "and every monitor with one of these"),
  row("window-mode", "Mode", mode), message,
  el("div", { class: "toolbar" }, el("button", { type: "submit" }, "Add window")));
  toggle();
  return form;
}

function silenceTable(silences) {
  return el("table", { class: "silences" },
    el("thead", {}, el("tr", {}, ["Silences", "Until", "By", "Why", ""].map((h) => el("th", {}, h)))),
    el("tbody", {}, silences.map((s) => el("tr", { "data-silence": s.id },
      el("th", { scope: "row" }, [...(s.monitors ?? []), ...(s.tags ?? []).map((t) => `tag ${t}`)].join(", ")),
      el("td", {}, when(s.until)), el("td", {}, s.created_by), el("td", {}, s.comment),
      el("td", {}, can("run") && el("button", { type: "button", class: "secondary small", "aria-label": `End silence of ${(s.monitors ?? []).join(", ")}`, onclick: async () => {
        await api("DELETE", `/api/v1/silences/${encodeURIComponent(s.id)}`);
        await maintenancePage();
      } }, "End now"))))));
}

function silenceForm(names) {
  const monitors = el("select", { id: "silence-monitors", multiple: true, "data-field": "monitors" }, names.map((n) => el("option", { value: n }, n)));
  const tags = el("input", { id: "silence-tags", type: "text", "data-field": "tags", placeholder: "tier-1" });
  const { form } = silenceFields("silence", () => ({ monitors: [...monitors.selectedOptions].map((o) => o.value), tags: list(tags.value) }),
    [el("div", { class: "row" }, el("label", { for: "silence-monitors" }, "Monitors"), monitors),
      el("div", { class: "row" }, el("label", { for: "silence-tags" }, "Tags"), tags)],
    maintenancePage);
  form.classList.add("card");
  form.prepend(el("h3", {}, "New silence"));
  return form;
}

/** A duration and comment form that posts a silence of `what()`; `done` after it is made. */
function silenceFields(prefix, what, extra, done) {
  const lasting = el("select", { id: `${prefix}-for`, "data-field": "for" }, ["30m", "1h", "4h", "1d"].map((d) => el("option", { value: d, selected: d === "1h" }, d)));
  const comment = el("input", { id: `${prefix}-comment`, type: "text", "data-field": "comment", placeholder: "deploying", required: true });
  const message = el("div", { class: "form-problems" });
  const form = el("form", { class: "silence-form", novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    try {
      await api("POST", "/api/v1/silences", { ...what(), for: lasting.value, comment: comment.value.trim() });
      await done();
    } catch (error) {
      if (error.message !== "signed out") showProblems(form, message, error);
    }
  } },
  ...extra,
  el("div", { class: "row" }, el("label", { for: `${prefix}-for` }, "For"), lasting),
  el("div", { class: "row" }, el("label", { for: `${prefix}-comment` }, "Why"), comment),
  message, el("div", { class: "toolbar" }, el("button", { type: "submit" }, "Silence")));
  return { form };
}

/** "Silence for…" on one monitor: opens a small form in place. */
export function silenceButton(name, done) {
  const holder = el("span", {});
  const button = el("button", { type: "button", class: "secondary small", "aria-label": `Silence ${name} for…`, onclick: () => {
    const { form } = silenceFields(`silence-${name.replace(/\W+/g, "-")}`, () => ({ monitors: [name] }), [], done);
    holder.replaceChildren(form);
    form.querySelector("input").focus();
  } }, "Silence for…");
  holder.append(button);
  return holder;
}
