// The dashboard's load and draw time in headless Chromium, for BENCHMARKS.md:
//   node perf-dashboard.mjs AGENT_URL TOKEN MONITORS [REPEATS]
// Run by `cargo bench -p skopos --bench agent -- pages`, which fills the store first: from
// changing the page to the dashboard's table holding every monitor, painted.
import { launch, signInWithToken, summary, timed } from "./browser.mjs";

const [base, token, monitors, repeats = "10"] = process.argv.slice(2);
const browser = await launch();
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await signInWithToken(page, base, token);
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  const drawn = new Function(`return () => document.querySelectorAll("table.dashboard tbody tr").length >= ${Number(monitors)}`)();
  const samples = [];
  for (let i = 0; i < Number(repeats); i++) {
    await timed(page, "#/plugins", () => document.querySelector("table.plugins"));
    samples.push(await timed(page, "#/dashboard", drawn));
  }
  console.log(JSON.stringify({ dashboard: summary(samples) }));
} finally {
  await browser.close();
}
