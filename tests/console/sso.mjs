// Single sign-on in headless Chromium: the console → the OpenID provider's sign-in form
// (oidc-provider.mjs, any password) → back, signed in with the role the provider's `groups`
// claim maps to:   node sso.mjs AGENT_URL SCREENSHOT_DIR
// olga (skopos-admins) signs in as an admin; eve (no group) is refused with why; dan
// (skopos-devs) signs in as an editor and sees no admin pages.
import { expect, launch } from "./browser.mjs";

const [base, shots] = process.argv.slice(2);
const browser = await launch();

/** Signs `login` in through the provider, from a fresh browser. */
async function throughProvider(login) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  await page.goto(base);
  await page.getByRole("link", { name: "Sign in with single sign-on" }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  return page;
}

/** Waits for `what` on `page`, or fails saying where the page is and what it shows. */
async function see(page, locator, what) {
  try {
    await locator.waitFor();
  } catch (error) {
    const text = (await page.locator("body").innerText().catch(() => "")).slice(0, 600);
    throw new Error(`${what}: at ${page.url()}, showing: ${text}`);
  }
}

try {
  const olga = await throughProvider("olga");
  await see(olga, olga.getByRole("heading", { name: "Dashboard" }), "olga signed in");
  await olga.getByText("olga (admin)").waitFor();
  expect(await olga.getByRole("link", { name: "Users" }).isVisible(), "an admin sees Users");
  await olga.screenshot({ path: `${shots}/sso-admin.png`, fullPage: true });

  const eve = await throughProvider("eve");
  await eve.getByRole("alert").filter({ hasText: "gives `eve` no role" }).waitFor();
  expect(eve.url().includes("#/sign-in"), `the sign-in page, got ${eve.url()}`);

  const dan = await throughProvider("dan");
  await dan.getByText("dan (editor)").waitFor();
  expect(!(await dan.getByRole("link", { name: "Users" }).isVisible()), "no Users page for an editor");
  console.log(JSON.stringify({ ok: true }));
} finally {
  await browser.close();
}
