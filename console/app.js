// The Skopos console: plain ES modules, no build step. It talks to the agent's JSON API with
// the session cookie set at sign-in, and sends the session's CSRF token with changes.
// Everything from the API is put into the page as text (never as HTML). Pages are chosen by
// the location's hash: #/dashboard (the first page), #/collections, #/collections/NAME[/history], #/new-collection, #/runs/ID,
// #/monitors, #/monitors/NAME[/history], #/new-monitor, #/maintenance, #/status-pages[/NAME], #/reports, #/notifications, #/regions, #/plugins, #/tokens, #/users, #/audit, #/account,
// #/sign-in, #/invite/CODE. Links and buttons the signed-in role cannot use are not shown (the
// API refuses them anyway).

import { accountPage, auditPage, can, invitePage, remember, signInPage, tokensPage, usersPage } from "./access.js";
import { api, el, session, show } from "./api.js";
import { collectionPage, collectionsPage, newCollectionPage } from "./collections.js";
import { dashboardPage } from "./dashboard.js";
import { historyPage, runPage } from "./history.js";
import { monitorPage, monitorsPage } from "./monitors.js";
import { maintenancePage } from "./operations.js";
import { pluginsPage } from "./plugins.js";
import { regionsPage } from "./regions.js";
import { notificationsPage, reportsPage } from "./reports.js";
import { statusPagePage, statusPagesPage } from "./status-pages.js";
import { initTheme } from "./theme.js";

const nav = document.getElementById("nav");

/** `#/a/b?x=1` → `["a", "b"]` (decoded) and the query. */
function location_() {
  const [route, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  return { parts: route.split("/").filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query) };
}

async function route() {
  const { parts: [page, name, sub], params } = location_();
  try {
    if (page === "invite") {
      nav.hidden = true;
      return await invitePage(name);
    }
    if (page !== "sign-in" && !session.csrf) {
      const signedIn = await api("GET", "/api/v1/session").catch(() => null);
      if (!signedIn) {
        location.hash = "#/sign-in";
        return;
      }
      remember(signedIn);
    }
    if (page === "sign-in") {
      nav.hidden = true;
      return await signInPage(params);
    }
    nav.hidden = false;
    for (const a of nav.querySelectorAll("a[data-needs]")) a.hidden = !can(a.dataset.needs);
    document.getElementById("who").textContent = session.user ? `${session.user} (${session.role})` : "";
    for (const a of nav.querySelectorAll("a")) a.toggleAttribute("aria-current", a.hash.slice(2) === page);
    if (page === "new-collection") return await newCollectionPage();
    if (page === "collections" && name && sub === "history") return await historyPage("collection", name, params);
    if (page === "collections" && name) return await collectionPage(name);
    if (page === "runs" && name) return await runPage(name);
    if (page === "new-monitor") return await monitorPage(null);
    if (page === "monitors" && name && sub === "history") return await historyPage("monitor", name, params);
    if (page === "monitors" && name) return await monitorPage(name);
    if (page === "monitors") return await monitorsPage();
    if (page === "maintenance") return await maintenancePage();
    if (page === "status-pages" && name) return await statusPagePage(name);
    if (page === "status-pages") return await statusPagesPage();
    if (page === "reports") return await reportsPage(params);
    if (page === "notifications") return await notificationsPage();
    if (page === "collections") return await collectionsPage();
    if (page === "plugins") return await pluginsPage();
    if (page === "regions") return await regionsPage();
    if (page === "tokens") return await tokensPage();
    if (page === "users") return await usersPage();
    if (page === "audit") return await auditPage(params);
    if (page === "account") return await accountPage();
    return await dashboardPage();
  } catch (error) {
    if (error.message !== "signed out") show("Something went wrong", el("p", { class: "error" }, error.message));
  }
}

document.getElementById("sign-out").addEventListener("click", async () => {
  await api("DELETE", "/api/v1/session").catch(() => {});
  Object.assign(session, { csrf: null, user: null, role: null, permissions: [] });
  location.hash = "#/sign-in";
});
initTheme(document.getElementById("theme"));
window.addEventListener("hashchange", route);
route();
