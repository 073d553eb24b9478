// What the browser benches share: timing a page change in the page, and summing samples up.

/** Goes to `hash` and resolves with the milliseconds until `done()` holds and a frame is painted. */
export function timed(page, hash, done) {
  return page.evaluate(([hash, done]) => new Promise((resolve) => {
    const check = new Function(`return (${done})()`);
    const start = performance.now();
    location.hash = hash;
    const poll = () => (check() ? requestAnimationFrame(() => resolve(performance.now() - start)) : requestAnimationFrame(poll));
    poll();
  }), [hash, done.toString()]);
}

export function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median_ms: +at(0.5).toFixed(1), p95_ms: +at(0.95).toFixed(1), max_ms: +sorted[sorted.length - 1].toFixed(1) };
}

