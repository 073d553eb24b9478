// Status pages, the dashboard and reports in headless Chromium against a running agent:
//   node status.mjs AGENT_URL BOOTSTRAP_TOKEN FIX_URL SCREENSHOT_DIR
// The agent runs `shop` (failing: its collection `shop api` checks a URL answering 503) and
// `search` (passing), and serves the status page `acme` with the groups Checkout and Search.
// The dashboard lists `shop` first; a person posts an update to its incident in the console;
// the public page shows the states, daily bars and the incident, and passes axe-core with no
// serious or critical violation in light and dark mode; then `shop api` is pointed at FIX_URL
// and the page shows the incident resolved. Screenshots of the dashboard, the status page
// and a report, light and dark. Prints {"ok": true}.
import { createRequire } from "node:module";
import { expect, launch, signInWithToken } from "./browser.mjs";

const require = createRequire(import.meta.url);
const [base, token, fixUrl, shots] = process.argv.slice(2);
const browser = await launch();

/** Reloads `url` until `ready()` holds in the page. */
async function until(page, url, ready, what) {
  for (let tries = 0; ; tries++) {
    await page.goto(url);
    // Afresh: a console page is the same document, and a status page is cached for 30 s.
    await page.reload();
    if (await page.evaluate(ready)) return;
    if (tries >= 40) throw new Error(`expected ${what}; the page said: ${(await page.locator("main").textContent()).slice(0, 600)}`);
    await page.waitForTimeout(500);
  }
}

/** axe-core's serious and critical violations of the page as it is. */
async function violations(page) {
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on("pageerror", (error) => { throw new Error(`page error: ${error.message}`); });
  const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });

  // The dashboard: the down monitor first.
  await signInWithToken(page, base, token);
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  await until(page, `${base}/#/dashboard`, async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const rows = [...document.querySelectorAll("table.dashboard tbody tr")];
    return rows.length === 2 && rows[0].dataset.state === "down" && rows[0].querySelectorAll(".tick").length >= 2;
  }, "shop down and listed first on the dashboard");
  expect(await page.locator("table.dashboard tbody tr").first().getByRole("link", { name: "shop" }).isVisible(), "shop first");
  // A run's time and duration on focus.
  const bar = page.getByRole("list", { name: /Last \d+ runs of shop/ });
  await bar.focus();
  await page.keyboard.press("End");
  const detail = await page.locator("table.dashboard tbody tr").first().locator(".tick-detail").textContent();
  expect(/failed, \d+ ms/.test(detail), `the focused run's details, got ${detail}`);
  expect(await page.getByRole("heading", { name: "Open incidents" }).isVisible(), "an open incidents panel");
  await shot("dashboard-light");
  await page.getByRole("button", { name: "Dark mode" }).click();
  expect(await page.evaluate(() => document.documentElement.dataset.theme) === "dark", "dark mode on");
  await shot("dashboard-dark");

  // A person updates the incident in the console.
  await page.goto(`${base}/#/status-pages/Acme%20status`);
  await page.getByRole("heading", { name: "Incidents" }).waitFor();
  const incident = page.getByRole("form", { name: "Update shop is down" });
  await incident.getByLabel("Status").selectOption("identified");
  await incident.getByLabel("Message").fill("The payment provider is timing out.");
  await incident.getByRole("button", { name: "Post update" }).click();
  await page.getByText("— The payment provider is timing out.").waitFor();

  // The public page, without signing in.
  const visitor = await (await browser.newContext({ viewport: { width: 1100, height: 900 }, bypassCSP: true })).newPage();
  visitor.setDefaultTimeout(15000);
  await visitor.goto(`${base}/status/acme`);
  expect(await visitor.getByRole("heading", { name: "Major outage" }).isVisible(), "the banner says major outage");
  for (const group of ["Checkout", "Search"]) expect(await visitor.getByRole("heading", { name: group, level: 2 }).isVisible(), `the group ${group}`);
  const open = visitor.locator("article.incident.open");
  expect((await open.textContent()).includes("The payment provider is timing out."), "the update on the page");
  expect(await visitor.locator("svg.bars rect").count() === 180, "90 daily bars for each monitor");
  expect(await visitor.locator("svg.bars rect.f").count() === 1 && await visitor.locator("svg.bars rect.p").count() === 1, "today failed for shop, passed for search");
  expect(await visitor.locator("script").count() === 0, "no scripts on a status page");
  for (const scheme of ["light", "dark"]) {
    await visitor.emulateMedia({ colorScheme: scheme });
    await visitor.reload();
    const found = await violations(visitor);
    expect(found.length === 0, `no serious accessibility violations in ${scheme} mode, got ${found.join("; ")}`);
    await visitor.screenshot({ path: `${shots}/status-page-${scheme}.png`, fullPage: true });
  }

  // The shop recovers: the incident is resolved on the public page.
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const collection = await (await fetch(`${base}/api/v1/collections/shop%20api`, { headers })).json();
  collection.spec.steps[0].request.url = fixUrl;
  const put = await fetch(`${base}/api/v1/collections/shop%20api`, { method: "PUT", headers, body: JSON.stringify(collection.spec) });
  expect(put.ok, `the collection fixed, got ${put.status}`);
  await until(visitor, `${base}/status/acme`, () => document.body.textContent.includes("All systems operational"), "the recovery on the page");
  const past = await visitor.locator("section", { has: visitor.getByRole("heading", { name: "Past incidents" }) }).textContent();
  expect(past.includes("shop is down") && past.includes("Resolved") && past.includes("Identified"), `the resolved incident, got ${past}`);

  // A report, light and dark.
  await page.goto(`${base}/#/reports?monitor=shop&by=day`);
  await page.getByRole("table", { name: /Uptime of shop by day/ }).waitFor();
  expect(await page.getByRole("link", { name: "Export CSV" }).getAttribute("href") !== null, "an export link");
  await page.waitForFunction(() => document.activeElement?.id === "main");
  await shot("report-dark");
  await page.getByRole("button", { name: "Dark mode" }).click();
  await shot("report-light");
  await page.goto(`${base}/#/dashboard`);
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
