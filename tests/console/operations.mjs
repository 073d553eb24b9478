// Operating monitors in headless Chromium against a running agent:
//   node operations.mjs AGENT_URL BOOTSTRAP_TOKEN SCREENSHOT_DIR
// The agent runs `shop` (failing) and `slow` (degraded: a `warn` latency assertion). The
// monitors page shows each state in its own colour; "Silence for…" mutes `shop`; the
// Maintenance page lists the silence, ends it, and adds a weekly window through its form; a
// heartbeat monitor made through the form shows its ping URL and a curl line once.
// Prints {"ok": true, "ping_url": ...}.
import { expect, launch, signInWithToken } from "./browser.mjs";

const [base, token, shots] = process.argv.slice(2);
const browser = await launch();

try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.setDefaultTimeout(15000);
  page.on("pageerror", (error) => { throw new Error(`page error: ${error.message}`); });
  const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  await signInWithToken(page, base, token);
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();

  // Down and degraded, each its own state and colour.
  const row = (name) => page.getByRole("row").filter({ has: page.getByRole("link", { name, exact: true }) });
  for (let tries = 0; ; tries++) {
    await page.goto(`${base}/#/monitors`);
    await page.getByRole("heading", { name: "Monitors" }).waitFor();
    await page.waitForFunction(() => document.activeElement?.id === "main");
    const states = [await row("shop").getAttribute("data-state"), await row("slow").getAttribute("data-state")];
    if (states[0] === "down" && states[1] === "degraded") break;
    expect(tries < 20, `shop down and slow degraded, got ${states}`);
    await page.waitForTimeout(500);
  }
  const colour = (name, state) => row(name).locator(`.badge.${state}`).evaluate((badge) => getComputedStyle(badge).color);
  const [down, degraded] = [await colour("shop", "down"), await colour("slow", "degraded")];
  expect(down !== degraded, `degraded in its own colour (down ${down}, degraded ${degraded})`);
  await shot("monitors-states");

  // "Silence for…" on the failing monitor.
  await page.getByRole("button", { name: "Silence shop for…" }).click();
  await page.getByLabel("Why").fill("deploying the fix");
  await page.getByRole("button", { name: "Silence", exact: true }).click();
  await row("shop").locator(".badge.maintenance").waitFor();

  // The Maintenance page: the silence, ended; a weekly window added through the form.
  await page.getByRole("link", { name: "Maintenance" }).click();
  await page.getByRole("heading", { name: "Maintenance", exact: true }).waitFor();
  await page.getByRole("cell", { name: "deploying the fix" }).waitFor();
  await shot("maintenance");
  await page.getByRole("button", { name: "End silence of shop" }).click();
  await page.getByText("No silences in force.").waitFor();
  await page.getByLabel("Name", { exact: true }).fill("weekly upgrade");
  await page.getByLabel("Starts (cron)").fill("0 2 * * SUN");
  await page.getByLabel("Lasts").fill("soon");
  await page.getByRole("button", { name: "Add window" }).click();
  await page.getByText("is not a duration").waitFor();
  await page.getByLabel("Lasts").fill("2h");
  await page.locator("#window-monitors").selectOption("slow");
  await page.getByRole("button", { name: "Add window" }).click();
  await page.getByRole("row").filter({ hasText: "weekly upgrade" }).waitFor();

  // A heartbeat monitor: its ping URL and crontab line, shown once.
  await page.getByRole("link", { name: "Monitors" }).click();
  await page.getByRole("link", { name: "New monitor" }).click();
  await page.getByLabel("Name", { exact: true }).fill("nightly backup");
  await page.getByLabel("Heartbeat (the job pings Skopos)").check();
  expect(await page.getByRole("group", { name: "Collections" }).isHidden(), "no collections for a heartbeat");
  await page.getByLabel("Every", { exact: true }).fill("1d");
  await page.getByLabel("Grace").fill("1h");
  await page.getByRole("button", { name: "Create monitor" }).click();
  await page.getByRole("heading", { name: "Ping URL of nightly backup" }).waitFor();
  const url = await page.locator("#ping-url").innerText();
  const curl = await page.locator("#ping-curl").innerText();
  expect(url.startsWith(`${base}/ping/`) && curl.endsWith(url), `a ping URL and its curl line, got ${url} / ${curl}`);
  await shot("heartbeat-ping-url");
  console.log(JSON.stringify({ ok: true, ping_url: url }));
} finally {
  await browser.close();
}
