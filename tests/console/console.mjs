// Drives the console in headless Chromium against a running agent:
//   node console.mjs BASE_URL TOKEN SCREENSHOT_DIR
// The agent holds a collection `checkout` (two passing steps) and `broken` (its second step
// fails). Exits non-zero, naming the step, when anything is not as expected.
import { chromium } from "playwright-core";

const [base, token, shots] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
const timings = {};

function expect(condition, what) {
  if (!condition) throw new Error(`expected ${what}`);
}

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));

  // Not signed in: the console asks for the token; a wrong one is refused.
  await page.goto(base);
  await page.getByLabel("API token").waitFor();
  await page.screenshot({ path: `${shots}/sign-in.png` });
  await page.getByLabel("API token").fill("wrong");
  await page.keyboard.press("Enter");
  await page.getByRole("alert").filter({ hasText: "not the agent's token" }).waitFor();

  // Signing in with the keyboard alone.
  await page.getByLabel("API token").fill(token);
  await page.keyboard.press("Enter");
  let started = Date.now();
  await page.getByRole("heading", { name: "Collections" }).waitFor();
  await page.getByRole("link", { name: "checkout" }).waitFor();
  timings.collections_ms = Date.now() - started;
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === "skopos_session");
  expect(session?.httpOnly && session.sameSite === "Strict", `an HttpOnly SameSite=Strict cookie, got ${JSON.stringify(session)}`);
  expect(!(await page.content()).includes(token), "the token nowhere in the page");
  await page.screenshot({ path: `${shots}/collections.png` });

  // A collection, run: each step streams in with its assertions.
  await page.getByRole("link", { name: "checkout" }).click();
  await page.getByRole("heading", { name: "checkout" }).waitFor();
  await page.getByRole("button", { name: "Run collection" }).click();
  await page.getByRole("status").filter({ hasText: "passed" }).waitFor();
  const passed = await page.locator(".step-result[data-status=passed]").count();
  expect(passed === 2, `2 passed steps, got ${passed}`);
  const checks = await page.locator(".step-result li.passed").count();
  expect(checks >= 2, `every assertion shown as passed, got ${checks}`);
  await page.screenshot({ path: `${shots}/run-passed.png`, fullPage: true });

  // A failing one shows expected against actual.
  await page.goto(`${base}/#/collections/broken`);
  await page.getByRole("button", { name: "Run collection" }).click();
  await page.getByRole("status").filter({ hasText: "failed" }).waitFor();
  const failure = await page.locator(".step-result[data-status=failed] li.failed").first().innerText();
  expect(failure.includes("200") && failure.includes("got 503"), `expected 200 against actual 503, got "${failure}"`);
  await page.screenshot({ path: `${shots}/run-failed.png`, fullPage: true });

  // Phone width: the list still works.
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(`${base}/#/collections`);
  await page.getByRole("link", { name: "broken" }).waitFor();
  const brokenRow = await page.getByRole("row").filter({ hasText: "broken" }).innerText();
  expect(brokenRow.includes("failed"), `the list to show broken's last run failed, got "${brokenRow}"`);
  await page.screenshot({ path: `${shots}/collections-phone.png` });

  // Signed out: the API refuses the old cookie and the console asks for the token again.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("API token").waitFor();
  const refused = await page.evaluate(async () => (await fetch("/api/v1/collections")).status);
  expect(refused === 401, `401 after signing out, got ${refused}`);
  expect(problems.length === 0, `no script errors, got ${problems.join("; ")}`);
  console.log(JSON.stringify({ ok: true, timings }));
} finally {
  await browser.close();
}
