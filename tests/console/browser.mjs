// What the browser scripts share: Chromium (Debian's, or $CHROMIUM) started headless, the
// check that throws when something is not as expected, signing in with the bootstrap token,
// and for the benches, timing a page change in the page and summing samples up.
import { chromium } from "playwright-core";

export function launch() {
  const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
  return chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update"] });
}

export function expect(condition, what) {
  if (!condition) throw new Error(`expected ${what}`);
}

/** Opens the console at `base` and signs in with the bootstrap token. */
export async function signInWithToken(page, base, token) {
  await page.goto(base);
  await page.getByText("Sign in with the bootstrap token").click();
  await page.getByLabel("API token").fill(token);
  await page.keyboard.press("Enter");
}

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

