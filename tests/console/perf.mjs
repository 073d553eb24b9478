// Render times of the console's heaviest pages in headless Chromium, for BENCHMARKS.md:
//   node perf.mjs AGENT_URL TOKEN BUSY_COLLECTION [REPEATS]
// Run by `cargo bench -p skopos --bench agent -- console`, which fills the store first. Each
// time is from changing the page (the location's hash) to the page's table being drawn and
// painted (the next animation frame), measured in the page with performance.now().
import { launch, summary, timed } from "./browser.mjs";

const [base, token, busy, repeats = "15"] = process.argv.slice(2);
const browser = await launch();

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(base);
  await page.getByLabel("API token").fill(token);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  const list = () => document.querySelectorAll("table.collections tbody tr").length >= 500;
  const history = () => document.querySelectorAll("table.runs tbody tr").length >= 200 && document.querySelector(".chart circle");
  const results = { collections: [], history: [] };
  for (let i = 0; i < Number(repeats); i++) {
    await timed(page, "#/plugins", () => document.querySelector("table.plugins"));
    results.collections.push(await timed(page, "#/collections", list));
    await timed(page, "#/plugins", () => document.querySelector("table.plugins"));
    results.history.push(await timed(page, `#/collections/${busy}/history`, history));
  }
  // A first load: a new tab, the assets fetched, then the list.
  const fresh = await context.newPage();
  const started = Date.now();
  await fresh.goto(`${base}/#/collections`);
  await fresh.waitForFunction(list, null, { polling: "raf" });
  const firstLoad = Date.now() - started;
  const rows = await page.evaluate(() => document.querySelectorAll("table.runs tbody tr").length);
  const api = await page.evaluate(async () => {
    const times = [];
    for (let i = 0; i < 10; i++) {
      const start = performance.now();
      await (await fetch("/api/v1/collections")).json();
      times.push(performance.now() - start);
    }
    return times;
  });
  results.api = api;
  console.log(JSON.stringify({ collections_api: summary(api), samples: results.collections.map(Math.round), collections_list: summary(results.collections), history: summary(results.history), history_rows: rows, first_load_ms: firstLoad }));
} finally {
  await browser.close();
}
