// Accounts and tokens: signing in (password, or the bootstrap token), setting a password from
// a one-time link, the tokens page (everyone's own; an admin's: all) and the users page
// (admins). Secrets are shown once, as text, and never kept by the page.

import { api, el, session, show, showProblems, when } from "./api.js";

/** Whether the signed-in role grants `permission` (`apply`, `manage_access`...). */
export const can = (permission) => session.permissions?.includes(permission) ?? false;

/** Remembers who is signed in and what they may do, from `GET /api/v1/session`. */
export function remember(signedIn) {
  const { csrf, user, role, permissions, token_roles: tokenRoles, totp, env_allow: envAllow } = signedIn;
  Object.assign(session, { csrf, user, role, permissions, tokenRoles, totp, envAllow });
}

export async function signInPage(params = new URLSearchParams()) {
  const message = el("p", { class: "error", role: "alert" }, params.get("sso_error") ?? "");
  const sso = await api("GET", "/api/v1/sso").catch(() => ({ enabled: false }));
  const user = el("input", { id: "user", autocomplete: "username", required: true });
  const password = el("input", { id: "password", type: "password", autocomplete: "current-password", required: true });
  const token = el("input", { id: "token", type: "password", autocomplete: "off", required: true });
  // Shown once the password matched an account with a second factor.
  const code = el("input", { id: "code", inputmode: "numeric", autocomplete: "one-time-code" });
  const codeField = el("div", { class: "stack", hidden: true }, el("label", { for: "code" }, "Authentication code"), code);
  const signIn = (body) => async (event) => {
    event.preventDefault();
    try {
      await api("POST", "/api/v1/session", body());
      remember(await api("GET", "/api/v1/session"));
      location.hash = "#/dashboard";
    } catch (error) {
      message.textContent = error.message;
      if (error.field === "code") {
        codeField.hidden = false;
        code.focus();
      }
    }
  };
  const withCode = () => ({ user: user.value, password: password.value, ...(code.value.trim() ? { code: code.value.trim() } : {}) });
  show("Sign in",
    el("form", { class: "card sign-in", onsubmit: signIn(withCode) },
      el("label", { for: "user" }, "User"), user,
      el("label", { for: "password" }, "Password"), password,
      codeField,
      el("button", { type: "submit" }, "Sign in"),
      sso.enabled && el("a", { href: "/api/v1/sso/start", class: "button secondary" }, "Sign in with single sign-on"),
      message),
    el("details", { class: "card sign-in" },
      el("summary", {}, "Sign in with the bootstrap token"),
      el("form", { class: "stack", onsubmit: signIn(() => ({ token: token.value })) },
        el("label", { for: "token" }, "API token"), token,
        el("button", { type: "submit", class: "secondary" }, "Sign in with the token"),
        el("p", { class: "muted" }, "The token the agent printed at its first start, or SKOPOS_TOKEN: the first admin's."))));
  user.focus();
}

/** `#/invite/CODE`: sets the password of the account the one-time code was made for. */
export async function invitePage(code) {
  const message = el("p", { class: "error", role: "alert" });
  const password = el("input", { id: "new-password", type: "password", autocomplete: "new-password", minlength: 12, required: true, "data-field": "password" });
  const again = el("input", { id: "repeat-password", type: "password", autocomplete: "new-password", required: true });
  const form = el("form", { class: "card sign-in", onsubmit: async (event) => {
    event.preventDefault();
    if (password.value !== again.value) return void (message.textContent = "the two passwords differ");
    try {
      const { user } = await api("POST", `/api/v1/invites/${encodeURIComponent(code)}`, { password: password.value });
      show("Password set", el("p", {}, `The account ${user} can sign in now.`), el("a", { href: "#/sign-in", class: "button" }, "Sign in"));
    } catch (error) {
      showProblems(form, message, error);
    }
  } },
  el("label", { for: "new-password" }, "New password"), password,
  el("label", { for: "repeat-password" }, "Repeat the password"), again,
  el("button", { type: "submit" }, "Set password"),
  message,
  el("p", { class: "muted" }, "At least 12 characters. This link works once."));
  show("Set your password", form);
  password.focus();
}

const ROLES = ["admin", "editor", "runner", "viewer", "follower"];
const roleSelect = (id, roles) => el("select", { id, "data-field": "role" }, roles.map((r) => el("option", { value: r }, r)));

/** A secret shown once, with what to do with it. */
function once(label, secret, note) {
  return el("section", { class: "card secret", role: "status" },
    el("p", {}, label), el("code", { class: "secret-value" }, secret), el("p", { class: "muted" }, note));
}

export async function tokensPage(shown = null) {
  const { tokens } = await api("GET", "/api/v1/tokens");
  const rows = tokens.map((t) => el("tr", {},
    el("th", { scope: "row" }, t.name),
    el("td", {}, t.region ? `${t.role} (${t.region})` : t.role),
    el("td", {}, t.owner),
    el("td", {}, t.expires_at ? when(t.expires_at) : "never"),
    el("td", {}, t.last_used_at ? when(t.last_used_at) : el("span", { class: "muted" }, "never used")),
    el("td", {}, el("button", { class: "small danger", "aria-label": `Revoke ${t.name}`, onclick: async () => {
      await api("DELETE", `/api/v1/tokens/${encodeURIComponent(t.id)}`);
      await tokensPage();
    } }, "Revoke"))));
  const message = el("div");
  const name = el("input", { id: "token-name", required: true, "data-field": "name" });
  const role = roleSelect("token-role", ROLES.filter((r) => session.tokenRoles?.includes(r)));
  const expires = el("input", { id: "token-expires", placeholder: "90d", "data-field": "expires_in" });
  const region = el("input", { id: "token-region", placeholder: "for a follower: its region", "data-field": "region" });
  const form = el("form", { class: "card stack", onsubmit: async (event) => {
    event.preventDefault();
    const body = { name: name.value, role: role.value };
    if (expires.value.trim()) body.expires_in = expires.value.trim();
    if (region.value.trim()) body.region = region.value.trim();
    try {
      const made = await api("POST", "/api/v1/tokens", body);
      await tokensPage(once(`The token ${made.name} (${made.role}):`, made.token, "Copy it now: it is shown once and cannot be read again."));
    } catch (error) {
      showProblems(form, message, error);
    }
  } },
  el("h2", {}, "New token"),
  el("label", { for: "token-name" }, "Token name"), name,
  el("label", { for: "token-role" }, "Role"), role,
  el("label", { for: "token-expires" }, "Expires in"), expires,
  el("label", { for: "token-region" }, "Region"), region,
  el("button", { type: "submit" }, "Make token"), message);
  const { sessions } = await api("GET", "/api/v1/sessions");
  const sessionRows = sessions.map((s) => el("tr", {},
    el("th", { scope: "row" }, s.user),
    el("td", {}, when(s.started_at)),
    el("td", {}, when(s.last_seen_at)),
    el("td", {}, s.address ?? ""),
    el("td", {}, el("button", { class: "small danger", "aria-label": `End session ${s.id}`, onclick: async () => {
      await api("DELETE", `/api/v1/sessions/${encodeURIComponent(s.id)}`);
      await tokensPage();
    } }, "End"))));
  show("Tokens", shown ?? "",
    el("p", { class: "muted" }, can("manage_access") ? "Every token, with its owner." : "Your tokens."),
    el("table", {}, el("thead", {}, el("tr", {}, ["Name", "Role", "Owner", "Expires", "Last used", ""].map((h) => el("th", {}, h)))), el("tbody", {}, rows)),
    form,
    el("h2", {}, can("manage_access") ? "Signed-in browsers" : "Your signed-in browsers"),
    el("table", { class: "sessions" }, el("thead", {}, el("tr", {}, ["User", "Signed in", "Last seen", "From", ""].map((h) => el("th", {}, h)))), el("tbody", {}, sessionRows)));
}

export async function usersPage(shown = null) {
  const { users } = await api("GET", "/api/v1/users");
  const link = (invite) => `${location.origin}${invite}`;
  const rows = users.map((u) => el("tr", {},
    el("th", { scope: "row" }, u.name),
    el("td", {}, u.role),
    el("td", {}, u.disabled ? el("span", { class: "failed" }, "disabled") : u.has_password ? "active" : el("span", { class: "muted" }, "invited")),
    el("td", { class: "actions" },
      el("button", { class: "small secondary", "aria-label": `${u.disabled ? "Enable" : "Disable"} ${u.name}`, onclick: () => change(() => api("PATCH", `/api/v1/users/${encodeURIComponent(u.name)}`, { disabled: !u.disabled })) }, u.disabled ? "Enable" : "Disable"),
      el("button", { class: "small secondary", "aria-label": `New link for ${u.name}`, onclick: () => change(async () => {
        const { invite } = await api("POST", `/api/v1/users/${encodeURIComponent(u.name)}/invite`);
        return once(`A new link for ${u.name} to set a password:`, link(invite), "It works once, for 72 hours; the last one no longer works.");
      }) }, "New link"),
      u.totp && el("button", { class: "small secondary", "aria-label": `Reset second factor of ${u.name}`, onclick: () => change(() => api("DELETE", `/api/v1/users/${encodeURIComponent(u.name)}/totp`)) }, "Reset second factor"),
      el("button", { class: "small danger", "aria-label": `Remove ${u.name}`, onclick: () => change(() => api("DELETE", `/api/v1/users/${encodeURIComponent(u.name)}`)) }, "Remove"))));
  const problems = el("div");
  async function change(act) {
    try {
      const result = await act();
      await usersPage(result instanceof Node ? result : null);
    } catch (error) {
      problems.replaceChildren(el("p", { class: "error", role: "alert" }, error.message));
    }
  }
  const message = el("div");
  const name = el("input", { id: "user-name", required: true, "data-field": "name" });
  const role = roleSelect("user-role", ROLES.filter((r) => r !== "follower"));
  const form = el("form", { class: "card stack", onsubmit: async (event) => {
    event.preventDefault();
    try {
      const added = await api("POST", "/api/v1/users", { name: name.value, role: role.value });
      await usersPage(once(`Send ${added.user.name} this link to set a password:`, link(added.invite), "It works once, for 72 hours."));
    } catch (error) {
      showProblems(form, message, error);
    }
  } },
  el("h2", {}, "New user"),
  el("label", { for: "user-name" }, "User name"), name,
  el("label", { for: "user-role" }, "Role"), role,
  el("button", { type: "submit" }, "Add user"), message);
  show("Users", shown ?? "", problems,
    el("table", {}, el("thead", {}, el("tr", {}, ["User", "Role", "State", ""].map((h) => el("th", {}, h)))), el("tbody", {}, rows)),
    form);
}

/** `#/audit?user=&action=`: the audit log, newest first, with what changed. */
export async function auditPage(params) {
  const query = new URLSearchParams({ limit: "200" });
  for (const name of ["user", "action"]) if (params.get(name)) query.set(name, params.get(name));
  const { entries } = await api("GET", `/api/v1/audit?${query}`);
  const change = (entry) => entry.before || entry.after
    ? el("details", {}, el("summary", {}, "what changed"),
      entry.before ? el("pre", {}, "before: ", JSON.stringify(entry.before, null, 2)) : "",
      entry.after ? el("pre", {}, "after: ", JSON.stringify(entry.after, null, 2)) : "")
    : "";
  const rows = entries.map((entry) => el("tr", { "data-action": entry.action },
    el("td", {}, when(entry.at)),
    el("td", {}, entry.user),
    el("td", {}, entry.via),
    el("th", { scope: "row" }, entry.action),
    el("td", {}, entry.target ?? ""),
    el("td", {}, entry.from ?? ""),
    el("td", { class: "wide" }, change(entry))));
  const user = el("input", { id: "audit-user", value: params.get("user") ?? "" });
  const action = el("input", { id: "audit-action", placeholder: "user. or collection.create", value: params.get("action") ?? "" });
  const filters = el("form", { class: "toolbar", onsubmit: (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (user.value.trim()) next.set("user", user.value.trim());
    if (action.value.trim()) next.set("action", action.value.trim());
    location.hash = `#/audit?${next}`;
  } },
  el("label", { for: "audit-user" }, "User"), user,
  el("label", { for: "audit-action" }, "Action"), action,
  el("button", { type: "submit", class: "secondary" }, "Filter"));
  show("Audit log", filters,
    entries.length
      ? el("table", { class: "audit" }, el("thead", {}, el("tr", {}, ["When", "User", "Via", "Action", "Target", "From"].map((h) => el("th", {}, h)), el("th", { class: "wide" }, "Change"))), el("tbody", {}, rows))
      : el("p", { class: "muted" }, "Nothing recorded that matches."));
}

/** `#/account`: the signed-in user's second factor: set it up, or turn it off. */
export async function accountPage(shown = null) {
  const message = el("div");
  const code = el("input", { id: "account-code", inputmode: "numeric", autocomplete: "one-time-code", required: true, "data-field": "code" });
  const on = session.totp;
  const turnOff = el("form", { class: "card stack", onsubmit: async (event) => {
    event.preventDefault();
    try {
      await api("DELETE", "/api/v1/account/totp", { code: code.value.trim() });
      session.totp = false;
      await accountPage(el("p", { role: "status" }, "The second factor is off."));
    } catch (error) {
      showProblems(turnOff, message, error);
    }
  } }, el("p", {}, "Signing in needs a code from your authenticator app."),
  el("label", { for: "account-code" }, "Code (or a recovery code)"), code,
  el("button", { type: "submit", class: "danger" }, "Turn off the second factor"), message);
  const setUp = el("section", { class: "card stack" },
    el("p", {}, "Add a second factor: signing in will also need a code from an authenticator app."),
    el("button", { type: "button", onclick: async () => {
      const { secret, link } = await api("POST", "/api/v1/account/totp");
      const confirm = el("form", { class: "stack", onsubmit: async (event) => {
        event.preventDefault();
        try {
          const { recovery_codes: codes } = await api("POST", "/api/v1/account/totp/confirm", { code: code.value.trim() });
          session.totp = true;
          await accountPage(el("section", { class: "card secret", role: "status" },
            el("p", {}, "The second factor is on. Keep these recovery codes somewhere safe: each signs in once without the app, and they are shown only now."),
            el("ul", { class: "recovery-codes" }, codes.map((c) => el("li", {}, el("code", {}, c))))));
        } catch (error) {
          showProblems(confirm, message, error);
        }
      } },
      el("label", { for: "account-code" }, "Code from the app"), code,
      el("button", { type: "submit" }, "Confirm"), message);
      setUp.replaceChildren(
        el("p", {}, "Add this key to your authenticator app (or open the link on the device that has it):"),
        el("code", { class: "secret-value", id: "totp-secret" }, secret),
        el("p", {}, el("a", { href: link }, "otpauth link")),
        confirm);
      code.focus();
    } }, "Set up a second factor"));
  show("Your account", shown ?? "",
    el("p", {}, `Signed in as ${session.user} (${session.role}).`),
    on ? turnOff : setUp);
}
