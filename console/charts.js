// Small SVG charts drawn from data: a latency sparkline, latency over time with each run's
// status, and a step's timing bar.

import { el, ms } from "./api.js";

/** Hourly means (nulls for hours without runs) as a line, oldest on the left. */
export function sparkline(values, label) {
  const width = 120, height = 28;
  const known = values.filter((v) => v != null);
  const top = Math.max(1, ...known);
  const step = (width - 4) / Math.max(1, values.length - 1);
  const xy = values
    .map((value, i) => (value == null ? null : [2 + i * step, height - 2 - (value / top) * (height - 4)]))
    .filter(Boolean);
  const points = xy.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
  const [lastX, lastY] = xy[xy.length - 1] ?? [];
  return el("svg", { class: "sparkline", viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": label },
    el("title", {}, label),
    known.length > 1 ? el("polyline", { points, fill: "none", stroke: "currentColor", "stroke-width": 1.5 }) : null,
    known.length ? el("circle", { cx: lastX.toFixed(1), cy: lastY.toFixed(1), r: 2, fill: "currentColor" }) : null);
}

/** Each run as a dot: time across, duration up, coloured by status; axes with units. */
export function latencyChart(runs) {
  const width = 640, height = 180, left = 56, right = 12, top = 12, bottom = 34;
  const timed = runs.filter((run) => run.status !== "skipped");
  if (!timed.length) return el("p", { class: "muted" }, "No runs to chart.");
  const times = timed.map((run) => Date.parse(run.started_at));
  const [first, last] = [Math.min(...times), Math.max(...times)];
  const highest = Math.max(1, ...timed.map((run) => run.duration_ms));
  const x = (t) => left + ((t - first) / Math.max(1, last - first)) * (width - left - right);
  const y = (v) => height - bottom - (v / highest) * (height - top - bottom);
  const dots = timed.map((run, i) => el("circle", { class: run.status, cx: x(times[i]).toFixed(1), cy: y(run.duration_ms).toFixed(1), r: 3, fill: "currentColor" },
    el("title", {}, `${new Date(times[i]).toLocaleString()}: ${run.status}, ${ms(run.duration_ms)}`)));
  const line = timed.map((run, i) => `${x(times[i]).toFixed(1)},${y(run.duration_ms).toFixed(1)}`).reverse().join(" ");
  const yTicks = [0, highest / 2, highest].map((value) => el("g", {},
    el("line", { class: "grid", x1: left, x2: width - right, y1: y(value), y2: y(value) }),
    el("text", { x: left - 6, y: y(value) + 4, "text-anchor": "end" }, ms(value))));
  const sameDay = new Date(first).toDateString() === new Date(last).toDateString();
  const label = (t) => (sameDay ? new Date(t).toLocaleTimeString() : new Date(t).toLocaleString());
  const xTicks = (first === last ? [first] : [first, (first + last) / 2, last]).map((t, i, all) => el("text", {
    x: x(t), y: height - bottom + 16, "text-anchor": all.length === 1 ? "middle" : ["start", "middle", "end"][i] }, label(t)));
  return el("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `Duration of the last ${timed.length} runs, from ${label(first)} to ${label(last)}, up to ${ms(highest)}` },
    yTicks,
    el("line", { class: "axis", x1: left, y1: top, x2: left, y2: height - bottom }),
    el("line", { class: "axis", x1: left, y1: height - bottom, x2: width - right, y2: height - bottom }),
    el("polyline", { class: "trend", points: line, fill: "none", "stroke-width": 1 }),
    dots,
    xTicks,
    el("text", { x: (left + width - right) / 2, y: height - 2, "text-anchor": "middle" }, sameDay ? `time (${new Date(first).toLocaleDateString()})` : "time"));
}

const PHASES = [["dns_ms", "DNS"], ["connect_ms", "connect"], ["tls_ms", "TLS"], ["first_byte_ms", "first byte"]];

/** DNS, connect, TLS and first byte as segments of the step's total time. */
export function timingBar(timings) {
  const total = Math.max(timings.total_ms, 0.001);
  const parts = PHASES.map(([key, name]) => [name, timings[key] ?? 0]);
  const spent = parts.reduce((sum, [, value]) => sum + value, 0);
  parts.push(["rest", Math.max(0, total - spent)]);
  let at = 0;
  const segments = parts.map(([name, value]) => {
    const rect = el("rect", { class: `phase ${name.replace(" ", "-")}`, x: `${(at / total) * 100}%`, y: 0, width: `${(value / total) * 100}%`, height: 10 },
      el("title", {}, `${name}: ${ms(value)}`));
    at += value;
    return rect;
  });
  const legend = parts.filter(([, value]) => value > 0).map(([name, value]) => el("span", { class: `legend ${name.replace(" ", "-")}` }, `${name} ${ms(value)}`));
  return el("div", { class: "timing" },
    el("svg", { class: "timing-bar", width: "100%", height: 10, role: "img", "aria-label": `total ${ms(total)}` }, segments),
    el("div", { class: "legend-row" }, legend, el("span", {}, `total ${ms(timings.total_ms)}`)));
}
