// Running a collection with its steps streamed in (server-sent events over fetch), and a
// step's result: the request as sent (secrets masked by the agent), the response, the timing
// bar and every assertion with expected against actual.

import { badge, el, ms, path, session } from "./api.js";
import { timingBar } from "./charts.js";

/** Runs `name`; `onStep` and `onDone` see the events as they come. */
export async function streamRun(name, { onStep, onDone, onError }) {
  const response = await fetch(`/api/v1/collections/${path(name)}/run?stream=true`, {
    method: "POST",
    credentials: "same-origin",
    headers: { "x-csrf-token": session.csrf ?? "", accept: "text/event-stream" },
  });
  if (!response.ok) throw new Error((await response.json().catch(() => null))?.error ?? `HTTP ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += value;
    let end;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const event = /^event:(.*)$/m.exec(block)?.[1]?.trim();
      const data = /^data:(.*)$/m.exec(block)?.[1];
      if (!event || data === undefined) continue;
      const payload = JSON.parse(data);
      if (event === "step") onStep(payload);
      if (event === "done") onDone(payload);
      if (event === "error") onError(payload.error);
    }
  }
}

/** The Run button's panel: a status line and the steps as they finish. */
export function runPanel(name) {
  const results = el("ol", { class: "steps", "aria-live": "polite" });
  const summary = el("p", { role: "status" });
  const button = el("button", { type: "button", onclick: async () => {
    button.disabled = true;
    results.replaceChildren();
    summary.textContent = "Running…";
    try {
      await streamRun(name, {
        onStep: (step) => results.append(stepResult(step)),
        onDone: (run) => summary.replaceChildren("Run ", badge(run.status), ` in ${ms(run.duration_ms)} · `,
          el("a", { href: `#/runs/${run.id}` }, "details")),
        onError: (message) => { summary.textContent = message; },
      });
    } catch (error) {
      summary.textContent = error.message;
    } finally {
      button.disabled = false;
    }
  } }, "Run collection");
  return { button, summary, results };
}

function headerTable(headers) {
  if (!headers?.length) return el("p", { class: "muted" }, "no headers");
  return el("table", { class: "headers" }, el("tbody", {}, headers.map(([name, value]) => el("tr", {}, el("th", {}, name), el("td", {}, el("code", {}, value))))));
}

/** A body, pretty-printed when it is JSON. */
function bodyView(text) {
  if (text == null || text === "") return el("p", { class: "muted" }, "no body");
  let shown = text;
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: shown as it came
  }
  return el("pre", { class: "body" }, shown);
}

export function assertionList(assertions) {
  return el("ul", { class: "assertions" }, (assertions ?? []).map((a) => a.source === "script" ? scriptTest(a) : el(
    "li",
    { class: a.passed ? "passed" : "failed" },
    `${a.passed ? "✓" : "✗"} ${a.name ?? [a.source, a.property].filter(Boolean).join(" ")} ${a.not ? "not " : ""}${a.op} `,
    a.op === "exists" || a.op === "not_exists" ? "" : el("code", {}, JSON.stringify(a.expected ?? null)),
    a.passed ? "" : el("span", {}, " got ", el("code", {}, JSON.stringify(a.actual ?? null))),
  )));
}

/** A test a step's script recorded: its name, and why it failed. */
function scriptTest(test) {
  return el("li", { class: test.passed ? "passed" : "failed" }, `${test.passed ? "✓" : "✗"} ${test.name} `,
    el("span", { class: "muted" }, "script test"), test.passed ? "" : el("span", {}, ": ", el("code", {}, test.message ?? "")));
}

export function stepResult(step) {
  const request = step.request ? `${step.request.method} ${step.request.url}` : "";
  const response = step.response ? `→ ${step.response.status}` : "";
  const details = el("details", {},
    el("summary", {}, "Request and response"),
    step.request ? el("div", { class: "exchange" },
      el("h3", {}, "Request"), el("code", {}, request), headerTable(step.request.headers), bodyView(step.request.body)) : null,
    step.response ? el("div", { class: "exchange" },
      el("h3", {}, `Response ${step.response.status} ${step.response.version ?? ""}`),
      headerTable(step.response.headers), bodyView(step.response.body),
      step.response.body_truncated ? el("p", { class: "muted" }, `first part of ${step.response.body_bytes} bytes`) : null) : null);
  return el(
    "li",
    { class: "step-result", "data-status": step.status },
    el("div", { class: "step-head" }, badge(step.status), el("strong", {}, step.name ?? `step ${step.index}`),
      el("code", {}, request), el("span", {}, response)),
    step.timings ? timingBar(step.timings) : null,
    step.error ? el("p", { class: "error" }, `${step.error.kind}: ${step.error.message}`) : null,
    assertionList(step.assertions),
    step.request || step.response ? details : null,
  );
}
