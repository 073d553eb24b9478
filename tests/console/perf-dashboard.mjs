// The dashboard's load and draw time in headless Chromium, for BENCHMARKS.md:
//   node perf-dashboard.mjs AGENT_URL TOKEN MONITORS [REPEATS]
// Run by `cargo bench -p skopos --bench agent -- pages`, which fills the store first: from
// changing the page to the dashboard's table holding every monitor, painted.
import { chromium } from "playwright-core";
import { summary, timed } from "./perf-lib.mjs";

const [base, token, monitors, repeats = "10"] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-background-networking"] });
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(base);
  await page.getByText("Sign in with the bootstrap token").click();
  await page.getByLabel("API token").fill(token);
  await page.keyboard.press("Enter");
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
