// Drives the console in headless Chromium against a running agent and a local API server:
//   node console.mjs AGENT_URL TOKEN API_URL KEY SCREENSHOT_DIR
// The agent holds a collection `broken` (its second step fails). Everything else is made
// through the forms. Exits non-zero, naming the step, when anything is not as expected.
import { expect, launch } from "./browser.mjs";

const [base, token, apiBase, key, shots] = process.argv.slice(2);
const browser = await launch();

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  const shot = (name, fullPage = true) => page.screenshot({ path: `${shots}/${name}.png`, fullPage });

  // Not signed in: the console asks for a user and password, or the bootstrap token; a wrong
  // token is refused.
  await page.goto(base);
  await page.getByLabel("User").waitFor();
  await shot("sign-in", false);
  await page.getByText("Sign in with the bootstrap token").click();
  await page.getByLabel("API token").fill("wrong");
  await page.keyboard.press("Enter");
  await page.getByRole("alert").filter({ hasText: "not the agent's bootstrap token" }).waitFor();

  // Signing in with the keyboard alone.
  await page.getByLabel("API token").fill(token);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  await page.getByRole("link", { name: "Collections", exact: true }).click();
  await page.getByRole("heading", { name: "Collections" }).waitFor();
  await page.getByRole("link", { name: "broken" }).waitFor();
  const session = (await context.cookies()).find((c) => c.name === "skopos_session");
  expect(session?.httpOnly && session.sameSite === "Strict", `an HttpOnly SameSite=Strict cookie, got ${JSON.stringify(session)}`);
  expect(!(await page.content()).includes(token), "the token nowhere in the page");

  // A new collection through the forms: step 1 logs in.
  await page.getByRole("link", { name: "New collection" }).click();
  await page.getByLabel("Collection name").fill("shop");
  await page.getByLabel("Step name").fill("login");
  await page.getByLabel("Method").selectOption("POST");
  await page.getByLabel("URL").fill(`${apiBase}/login/${key}`);
  await page.getByRole("tab", { name: "Body" }).click();
  await page.getByLabel("Body kind").selectOption("json");
  await page.getByLabel("Request body").fill('{"user": "ann", "password": "open-sesame"}');
  await page.getByRole("tab", { name: "Assertions" }).click();
  await page.getByRole("button", { name: "Add assertion" }).click();
  const second = page.locator(".assertion-row").nth(1);
  await second.getByLabel("Source").selectOption("body");
  await second.getByLabel("Property").fill("token");
  await second.getByLabel("Operator").selectOption("exists");
  await shot("step-form");
  await page.getByRole("button", { name: "Save step" }).click();
  await page.getByRole("heading", { name: "shop" }).waitFor();

  // A variable, typed: `2` is a number.
  await page.getByRole("button", { name: "Add variable" }).click();
  await page.getByLabel("variable name").fill("qty");
  await page.getByLabel("variable value").fill("2");
  await page.getByRole("button", { name: "Save variables" }).click();
  // Saved once the page is drawn anew (which focuses the main region).
  await page.waitForFunction(() => document.activeElement?.id === "main");
  expect((await page.getByLabel("variable value").inputValue()) === "2", "the variable saved");

  // Step 2 uses step 1's token, offered by completion after `@{{`.
  await page.getByRole("button", { name: "Add step" }).click();
  await page.getByLabel("Step name").fill("cart");
  await page.getByLabel("Method").selectOption("POST");
  await page.getByLabel("URL").fill(`${apiBase}/cart/@{{nothing.body.id}}`);
  await page.getByRole("tab", { name: "Headers" }).click();
  await page.getByRole("button", { name: "Add header" }).click();
  await page.getByLabel("header name").fill("authorization");
  await page.getByLabel("header value").pressSequentially("Bearer @{{lo");
  await page.getByRole("option", { name: "login.body.", exact: true }).waitFor();
  await shot("completion", false);
  await page.getByLabel("header value").pressSequentially("gin.b");
  // Offered: login.body, login.body. — the keyboard picks the second.
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await page.getByLabel("header value").pressSequentially("token}}");
  const header = await page.getByLabel("header value").inputValue();
  expect(header === "Bearer @{{login.body.token}}", `the completed reference, got "${header}"`);
  await page.getByRole("tab", { name: "Body" }).click();
  await page.getByLabel("Body kind").selectOption("json");
  await page.getByLabel("Request body").fill('{"sku": "A1", "qty": "@{{vars.qty}}"}');
  await page.getByRole("tab", { name: "Assertions" }).click();
  await page.locator(".assertion-row").first().getByLabel("Expected value").fill("201");
  await page.getByRole("button", { name: "Add assertion" }).click();
  const qty = page.locator(".assertion-row").nth(1);
  await qty.getByLabel("Source").selectOption("body");
  await qty.getByLabel("Property").fill("items[0].qty");
  await qty.getByLabel("Expected value").fill("2");

  // A reference to no step is refused, shown beside the URL; fixing it saves.
  await page.getByRole("button", { name: "Save step" }).click();
  const inline = page.locator(".field-error").filter({ hasText: "nothing" });
  await inline.waitFor();
  expect((await page.getByLabel("URL").getAttribute("aria-invalid")) === "true", "the URL marked invalid");
  await shot("step-form-error");
  await page.getByLabel("URL").fill(`${apiBase}/cart`);
  await page.getByRole("button", { name: "Save step" }).click();
  await page.locator("li.step").nth(1).filter({ hasText: "cart" }).waitFor();

  // Run: both steps stream in and every assertion passes, with timing bars.
  await page.getByRole("button", { name: "Run collection" }).click();
  await page.getByRole("status").filter({ hasText: "passed" }).waitFor();
  expect((await page.locator(".step-result[data-status=passed]").count()) === 2, "2 passed steps");
  expect((await page.locator(".step-result li.failed").count()) === 0, "no failed assertion");
  expect((await page.locator(".step-result li.passed").count()) === 4, "4 passed assertions");
  expect((await page.locator(".step-result .timing-bar").count()) === 2, "a timing bar per step");
  await page.locator(".step-result details").nth(1).locator("summary").click();
  const exchange = await page.locator(".step-result").nth(1).innerText();
  expect(exchange.includes("Bearer tok-123") && exchange.includes('"qty": 2'), `the request as sent and the pretty body, got ${exchange}`);
  await shot("run-passed");

  // Break an assertion: expected against actual.
  await page.getByRole("button", { name: "Edit cart" }).click();
  await page.getByRole("tab", { name: "Assertions" }).click();
  await page.locator(".assertion-row").nth(1).getByLabel("Expected value").fill("3");
  await page.getByRole("button", { name: "Save step" }).click();
  await page.getByRole("button", { name: "Edit cart" }).waitFor();
  await page.getByRole("button", { name: "Run collection" }).click();
  await page.getByRole("status").filter({ hasText: "failed" }).waitFor();
  const failure = await page.locator(".step-result[data-status=failed] li.failed").first().innerText();
  expect(failure.includes("3") && failure.includes("got 2"), `expected 3 against actual 2, got "${failure}"`);
  await shot("run-failed");

  // A script on the step: refused at its line, then fixed; its test is reported beside the
  // assertions.
  await page.getByRole("button", { name: "Edit cart" }).click();
  await page.getByRole("tab", { name: "Scripts" }).click();
  const afterScript = page.getByLabel("After the response");
  await afterScript.fill('pm.test("two of them", () => {\n  pm.expect(pm.response.json().items[0].qty).to.eql(2) +;\n});');
  await page.getByRole("button", { name: "Save step" }).click();
  await page.locator(".field-error").filter({ hasText: "line 2" }).waitFor();
  await afterScript.fill('pm.test("two of them", () => pm.expect(pm.response.json().items[0].qty).to.eql(2));');
  await page.getByRole("button", { name: "Save step" }).click();
  await page.getByRole("button", { name: "Edit cart" }).waitFor();
  await page.getByRole("button", { name: "Run collection" }).click();
  await page.getByRole("status").filter({ hasText: "failed" }).waitFor();
  await page.locator(".step-result li.passed").filter({ hasText: "two of them" }).waitFor();
  await shot("step-script");

  // Duplicate, reorder and delete steps.
  await page.getByRole("button", { name: "Duplicate login" }).click();
  await page.getByRole("button", { name: "Move down login-copy" }).waitFor();
  expect((await page.locator("li.step").count()) === 3, "3 steps after duplicating");
  await page.getByRole("button", { name: "Move down login-copy" }).click();
  await page.locator("li.step").nth(2).filter({ hasText: "login-copy" }).waitFor();
  await page.getByRole("button", { name: "Delete login-copy" }).click();
  await page.getByRole("button", { name: "Delete login-copy" }).waitFor({ state: "detached" });
  expect((await page.locator("li.step").count()) === 2, "2 steps after deleting the copy");

  // A probe step from the kind selector: the form shows the probe's fields, not a URL or a
  // body; the list says what the step does.
  await page.getByRole("button", { name: "Add step" }).click();
  await page.getByLabel("Step name").fill("port");
  await page.getByLabel("Step kind").selectOption("probe");
  expect(!(await page.getByLabel("URL").isVisible()), "no URL for a probe");
  expect(!(await page.getByRole("tab", { name: "Body" }).isVisible()), "no Body tab for a probe");
  await page.getByLabel("Step kind").selectOption("grpc");
  expect(await page.getByLabel("gRPC call").isVisible(), "a gRPC call for a gRPC step");
  expect(!(await page.getByLabel("Method", { exact: true }).isVisible()), "no HTTP method for a gRPC step");
  await page.getByLabel("Step kind").selectOption("probe");
  await page.getByLabel("Probe", { exact: true }).fill("tcp");
  await page.getByLabel("Target").fill(new URL(apiBase).host);
  await page.getByRole("button", { name: "Save step" }).click();
  await page.locator("li.step").nth(2).filter({ hasText: `probe tcp ${new URL(apiBase).host}` }).waitFor();
  await page.getByRole("button", { name: "Delete port" }).click();
  await page.getByRole("button", { name: "Delete port" }).waitFor({ state: "detached" });

  // A monitor every second, with a webhook notifier whose fields come from its schema.
  await page.getByRole("link", { name: "Monitors" }).click();
  await page.getByRole("link", { name: "New monitor" }).click();
  await page.getByLabel("Name", { exact: true }).fill("shop-watch");
  await page.getByLabel("Every", { exact: true }).fill("1s");
  await page.locator(".fire-times li").nth(4).waitFor();
  await page.getByLabel("Every", { exact: true }).fill("soon");
  await page.getByText("is not a duration").waitFor();
  await page.getByLabel("Every", { exact: true }).fill("1s");
  await page.locator(".fire-times li").nth(4).waitFor();
  await page.getByLabel("shop", { exact: true }).check();
  await page.getByRole("button", { name: "Add notifier" }).click();
  await page.getByLabel("Notifier plugin").selectOption("webhook");
  await page.getByLabel("url *").fill(`${apiBase}/hook/${key}`);
  // Its own words: a template with a misspelt name is refused at its line, then fixed.
  await page.getByText("Message template").click();
  await page.getByLabel("Message text").fill("{{ monitor }} broke\n{{ monitr }}");
  await page.getByRole("button", { name: "Create monitor" }).click();
  await page.getByText("line 2 of the template").waitFor();
  await page.getByLabel("Message text").fill("{{ monitor }} broke at {{ failure.step if failure else 'nothing' }}");
  await shot("monitor-form");
  await page.getByRole("button", { name: "Create monitor" }).click();
  await page.getByRole("heading", { name: "Monitors" }).waitFor();
  await page.getByRole("row").filter({ hasText: "shop-watch" }).waitFor();
  const saved = await page.evaluate(async () => (await (await fetch("/api/v1/monitors/shop-watch")).json()));
  const template = JSON.stringify(saved.spec?.notify?.[0]?.template ?? saved.notify?.[0]?.template);
  expect(template?.includes("broke at"), `the template saved with the monitor, got ${template}`);

  // Its history fills, each failed run naming the failing step.
  await page.goto(`${base}/#/monitors/shop-watch/history`);
  for (let tries = 0; (await page.locator("tr.run").count()) < 3; tries++) {
    expect(tries < 20, "3 runs in the monitor's history within 10 s");
    await page.waitForTimeout(500);
    await page.reload();
    await page.getByRole("heading", { name: "History of shop-watch" }).waitFor();
  }
  const failingStep = await page.locator("tr.run.failed .failing-step").first().innerText();
  expect(failingStep.includes("cart") && failingStep.includes("got 2"), `the failing step highlighted, got "${failingStep}"`);
  expect((await page.locator(".chart circle").count()) >= 3, "a point per run in the latency chart");
  await shot("monitor-history");
  await page.getByLabel("Status").selectOption("passed");
  await page.getByRole("button", { name: "Filter" }).click();
  await page.getByText("No runs match.").waitFor();

  // One run in full.
  await page.goto(`${base}/#/monitors/shop-watch/history`);
  await page.locator("tr.run a").first().click();
  await page.getByRole("heading", { name: "Run of shop" }).waitFor();
  await shot("run-detail");

  // Pause, and the list says so; the collections list shows uptime and a sparkline.
  await page.getByRole("link", { name: "Monitors" }).click();
  await page.getByRole("button", { name: "Pause shop-watch" }).click();
  await page.getByRole("button", { name: "Resume shop-watch" }).waitFor();
  expect((await page.getByRole("row").filter({ hasText: "shop-watch" }).getAttribute("data-state")) === "paused", "shop-watch paused");
  await shot("monitors");
  await page.getByRole("link", { name: "Collections" }).click();
  await page.getByRole("link", { name: "shop", exact: true }).waitFor();
  const shopRow = await page.getByRole("row").filter({ has: page.getByRole("link", { name: "shop", exact: true }) }).innerText();
  expect(/\d+(\.\d+)?%/.test(shopRow), `an uptime for shop, got "${shopRow}"`);
  expect((await page.locator(".sparkline circle").count()) >= 1, "a latency sparkline (one hour of runs: its last point)");
  await shot("collections");

  // The region × collection matrix: this agent (hq) and its follower (eu) both ran shop.
  await page.getByRole("link", { name: "Regions" }).click();
  await page.getByRole("columnheader", { name: /^eu/ }).waitFor();
  const shopCells = page.getByRole("row").filter({ has: page.getByRole("link", { name: "shop", exact: true }) }).locator("td:not([data-status=none])");
  expect((await shopCells.count()) === 2, `shop's latest run in hq and in eu, got ${await shopCells.count()} cells`);
  await shot("regions");

  await page.getByRole("link", { name: "Plugins" }).click();
  await page.getByRole("row").filter({ hasText: "json-schema" }).waitFor();
  await shot("plugins");

  // Rename and delete a collection; one a monitor runs cannot be deleted, and says why.
  await page.goto(`${base}/#/collections/broken`);
  await page.getByLabel("Collection name").fill("retired");
  await page.getByRole("button", { name: "Rename" }).click();
  await page.getByRole("heading", { name: "retired" }).waitFor();
  await page.getByRole("button", { name: "Delete collection" }).click();
  await page.getByRole("button", { name: "Really delete retired?" }).click();
  await page.getByRole("heading", { name: "Collections" }).waitFor();
  await page.getByRole("link", { name: "shop", exact: true }).waitFor();
  expect((await page.getByRole("link", { name: "retired" }).count()) === 0, "retired deleted");
  await page.goto(`${base}/#/collections/shop`);
  await page.getByRole("button", { name: "Delete collection" }).click();
  await page.getByRole("button", { name: "Really delete shop?" }).click();
  await page.getByRole("alert").filter({ hasText: "shop-watch" }).waitFor();

  // Phone width: the pages still work.
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(`${base}/#/collections/shop`);
  await page.getByRole("button", { name: "Run collection" }).waitFor();
  await shot("collection-phone");

  // Signed out: the API refuses the old cookie and the console asks to sign in again.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByLabel("User").waitFor();
  const refused = await page.evaluate(async () => (await fetch("/api/v1/collections")).status);
  expect(refused === 401, `401 after signing out, got ${refused}`);
  expect(problems.length === 0, `no script errors, got ${problems.join("; ")}`);
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
