// Accounts and tokens in headless Chromium against a running agent:
//   node access.mjs AGENT_URL BOOTSTRAP_TOKEN SCREENSHOT_DIR
// The admin (bootstrap token) adds a viewer through the Users page and makes a runner token
// on the Tokens page; the viewer sets a password from the one-time link, signs in, sees no
// admin pages and no "New collection"; disabled by the admin, the viewer's session stops at
// once; the audit log shows all of it. Prints {"ok": true, "token": ...} (the runner token, for the Rust side to try).
import { createHmac } from "node:crypto";
import { expect, launch, signInWithToken } from "./browser.mjs";

const [base, bootstrap, shots] = process.argv.slice(2);
const browser = await launch();

/** RFC 6238 (SHA-1, 6 digits, 30 s) for a base32 secret at `seconds`, as an app computes it. */
function totp(secret, seconds) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(seconds / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, "0");
}

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on("pageerror", (error) => { throw new Error(`page error: ${error.message}`); });
  return page;
}

try {
  const admin = await newPage();
  await signInWithToken(admin, base, bootstrap);
  await admin.getByRole("heading", { name: "Dashboard" }).waitFor();
  await admin.getByText("admin (admin)").waitFor();

  // A viewer, added on the Users page, with a one-time link.
  await admin.getByRole("link", { name: "Users" }).click();
  await admin.getByRole("heading", { name: "Users" }).waitFor();
  await admin.getByLabel("User name").fill("vera");
  await admin.getByLabel("Role").selectOption("viewer");
  await admin.getByRole("button", { name: "Add user" }).click();
  const invite = await admin.locator(".secret-value").textContent();
  expect(invite.startsWith(base) && invite.includes("#/invite/inv_"), `an invite link, got ${invite}`);
  await admin.getByRole("row", { name: /vera/ }).getByText("invited").waitFor();
  await admin.screenshot({ path: `${shots}/users.png`, fullPage: true });

  // A runner token, shown once.
  await admin.getByRole("link", { name: "Tokens" }).click();
  await admin.getByLabel("Token name").fill("ci");
  await admin.getByLabel("Role").selectOption("runner");
  await admin.getByLabel("Expires in").fill("1h");
  await admin.getByRole("button", { name: "Make token" }).click();
  const token = await admin.locator(".secret-value").textContent();
  expect(token.startsWith("skt_"), `a token, got ${token}`);
  await admin.getByRole("row", { name: /ci/ }).getByText("never used").waitFor();
  await admin.screenshot({ path: `${shots}/tokens.png`, fullPage: true });

  // A token made to expire in 2 s works, then is refused (tried from the page, as a script would).
  await admin.getByLabel("Token name").fill("brief");
  await admin.getByLabel("Role").selectOption("viewer");
  await admin.getByLabel("Expires in").fill("2s");
  await admin.getByRole("button", { name: "Make token" }).click();
  await admin.getByText("The token brief (viewer):").waitFor();
  const brief = await admin.locator(".secret-value").textContent();
  expect(brief !== token, "a new token");
  const status = () => admin.evaluate(async (t) => (await fetch("/api/v1/collections", { headers: { authorization: `Bearer ${t}` } })).status, brief);
  expect(await status() === 200, "the brief token works at first");
  await admin.waitForTimeout(2500);
  expect(await status() === 401, "the brief token is refused once expired");

  // The viewer sets a password from the link and signs in.
  const vera = await newPage();
  await vera.goto(invite);
  await vera.getByLabel("New password").fill("vera's long secret");
  await vera.getByLabel("Repeat the password").fill("vera's long secret");
  await vera.getByRole("button", { name: "Set password" }).click();
  await vera.getByText("The account vera can sign in now.").waitFor();
  await vera.getByRole("link", { name: "Sign in" }).click();
  await vera.getByLabel("User").fill("vera");
  await vera.getByLabel("Password").fill("not her password");
  await vera.keyboard.press("Enter");
  await vera.getByRole("alert").filter({ hasText: "do not match an account" }).waitFor();
  await vera.getByLabel("Password").fill("vera's long secret");
  await vera.keyboard.press("Enter");
  await vera.getByRole("heading", { name: "Dashboard" }).waitFor();
  await vera.getByRole("link", { name: "Collections", exact: true }).click();
  await vera.getByRole("heading", { name: "Collections" }).waitFor();
  await vera.getByText("vera (viewer)").waitFor();
  expect(!(await vera.getByRole("link", { name: "Users" }).isVisible()), "no Users page for a viewer");
  expect(!(await vera.getByRole("link", { name: "New collection" }).isVisible()), "no New collection for a viewer");
  // A collection's page offers a viewer neither running nor editing.
  await vera.getByRole("link", { name: "shared" }).click();
  await vera.getByRole("heading", { name: "shared" }).waitFor();
  expect(!(await vera.getByRole("button", { name: "Run collection" }).isVisible()), "no Run for a viewer");
  expect(!(await vera.getByRole("button", { name: "Add step" }).isVisible()), "no Add step for a viewer");
  await vera.getByRole("link", { name: "Collections" }).click();
  await vera.screenshot({ path: `${shots}/viewer.png`, fullPage: true });

  // Vera adds a second factor: the code comes from the secret the page shows (computed here
  // as an authenticator app would); then signing in needs a code.
  await vera.getByRole("link", { name: "vera (viewer)" }).click();
  await vera.getByRole("button", { name: "Set up a second factor" }).click();
  const secret = await vera.locator("#totp-secret").textContent();
  await vera.getByLabel("Code from the app").fill(totp(secret, Date.now() / 1000));
  await vera.getByRole("button", { name: "Confirm" }).click();
  await vera.locator(".recovery-codes li").first().waitFor();
  expect(await vera.locator(".recovery-codes li").count() === 10, "ten recovery codes");
  await vera.screenshot({ path: `${shots}/second-factor.png`, fullPage: true });
  await vera.getByRole("button", { name: "Sign out" }).click();
  await vera.getByLabel("User").fill("vera");
  await vera.getByLabel("Password").fill("vera's long secret");
  await vera.keyboard.press("Enter");
  await vera.getByLabel("Authentication code").waitFor();
  // The next step's code: the one used to confirm is not taken twice.
  await vera.getByLabel("Authentication code").fill(totp(secret, Date.now() / 1000 + 30));
  await vera.keyboard.press("Enter");
  await vera.getByRole("heading", { name: "Dashboard" }).waitFor();

  // The audit log shows who added vera, and vera's sign-ins (one refused).
  await admin.getByRole("link", { name: "Audit" }).click();
  await admin.getByRole("heading", { name: "Audit log" }).waitFor();
  await admin.locator('tr[data-action="user.add"]').filter({ hasText: "vera" }).first().waitFor();
  await admin.locator('tr[data-action="session.sign_in_failed"]').filter({ hasText: "vera" }).first().waitFor();
  await admin.getByLabel("Action").fill("session.");
  await admin.getByRole("button", { name: "Filter" }).click();
  // Filtered once the page is drawn anew with only sign-ins.
  await admin.waitForFunction(() => location.hash.includes("action=session.") && !document.querySelector('tr[data-action="user.add"]'));
  await admin.locator('tr[data-action="session.sign_in"]').filter({ hasText: "vera" }).first().waitFor();
  await admin.screenshot({ path: `${shots}/audit.png`, fullPage: true });

  // Disabled by the admin: the viewer's next request finds the session gone.
  await admin.getByRole("link", { name: "Users" }).click();
  await admin.getByRole("button", { name: "Disable vera" }).click();
  await admin.getByRole("row", { name: /vera/ }).getByText("disabled").waitFor();
  await vera.getByRole("link", { name: "Monitors" }).click();
  await vera.getByLabel("User").waitFor();

  console.log(JSON.stringify({ ok: true, token }));
} finally {
  await browser.close();
}
