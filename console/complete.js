// `@{{` completion for the step form: while the text before the caret is an open reference,
// offer what may go there (earlier steps, `vars`, `env` names seen in collections, built-ins).

import { el } from "./api.js";

let counter = 0;

/** The references step `index` (0-based) of `spec` may use; `envNames` from all collections. */
export function referencesFor(spec, index, envNames) {
  const found = [];
  spec.steps.slice(0, index).forEach((step, i) => {
    for (const prefix of [`step${i + 1}`, step.name].filter(Boolean)) {
      found.push(`${prefix}.status`, `${prefix}.body`, `${prefix}.body.`, `${prefix}.headers.`, `${prefix}.latency`);
    }
  });
  for (const name of Object.keys(spec.variables ?? {})) found.push(`vars.${name}`);
  for (const name of envNames) found.push(`env.${name}`);
  found.push("$uuid", "$timestamp", "$now");
  return [...new Set(found)];
}

/**
 * Every `@{{env.NAME}}` name used anywhere in these collections that the agent lets
 * definitions read: `allow` is its patterns (`*` any run of characters), or null for any; the
 * agent's own `SKOPOS_*` never.
 */
export function envNamesIn(collections, allow = null) {
  const names = new Set();
  const text = JSON.stringify(collections);
  for (const match of text.matchAll(/@\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(match[1]);
  const glob = (pattern) => new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  const allowed = (name) => !name.startsWith("SKOPOS_") && (allow === null || allow.some((pattern) => glob(pattern).test(name)));
  return [...names].filter(allowed).sort();
}

/** Makes `input` (an input or textarea) offer `candidates()` after `@{{`. */
export function completeReferences(input, candidates) {
  const list = el("ul", { class: "completions", role: "listbox", id: `completions-${++counter}`, hidden: true });
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");
  let options = [];
  let active = -1;

  const open = () => /@\{\{\s*([^{}\s]*)$/.exec(input.value.slice(0, input.selectionStart ?? input.value.length));
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const highlight = (index) => {
    active = index;
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (options[index]) input.setAttribute("aria-activedescendant", options[index].id);
  };
  const accept = (value) => {
    const caret = input.selectionStart ?? input.value.length;
    const before = input.value.slice(0, caret).replace(/@\{\{\s*([^{}\s]*)$/, `@{{${value}`);
    let after = input.value.slice(caret);
    const closes = !value.endsWith(".") && !after.startsWith("}}");
    input.value = before + (closes ? "}}" : "") + after;
    input.setSelectionRange(before.length + (closes ? 2 : 0), before.length + (closes ? 2 : 0));
    input.dispatchEvent(new Event("input", { bubbles: true }));
    if (closes) close();
  };
  const refresh = () => {
    const typed = open();
    if (!typed) return close();
    const matching = candidates().filter((c) => c.startsWith(typed[1]) && c !== typed[1]).slice(0, 12);
    if (!matching.length) return close();
    options = matching.map((value, i) => el("li", { role: "option", id: `${list.id}-${i}`, "aria-selected": "false",
      onmousedown: (event) => { event.preventDefault(); accept(value); } }, value));
    list.replaceChildren(...options);
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(0);
  };
  input.addEventListener("input", refresh);
  input.addEventListener("blur", close);
  input.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + options.length) % options.length);
    } else if ((event.key === "Enter" || event.key === "Tab") && options[active]) {
      event.preventDefault();
      accept(options[active].textContent);
    } else if (event.key === "Escape") {
      close();
    }
  });
  return el("div", { class: "completing" }, input, list);
}
