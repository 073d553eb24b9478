//! Every route with the permission it needs: the one table the API is guarded by. A route is
//! built with [`needs`], which looks its rule up here, so a route missing from the table
//! cannot be served (building the routes panics, and every test with them fails), and the
//! route × role test walks this table with every role.

use skopos_service::access::Permission;

/// What a route needs from the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Nothing: anyone may call it (health, the API's description, signing in).
    Public,
    /// A principal holding this permission.
    Needs(Permission),
}

/// A route: its method, its path (`{name}` for a path segment) and its rule.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub rule: Rule,
}

const fn route(method: &'static str, path: &'static str, rule: Rule) -> Route {
    Route { method, path, rule }
}

use Permission::*;
use Rule::{Needs, Public};

pub const ROUTES: &[Route] = &[
    route("GET", "/healthz", Public),
    route("GET", "/metrics", Needs(ReadResults)),
    route("GET", "/api/v1/openapi.json", Public),
    route("GET", "/api/v1/schema/{file}", Public),
    route("GET", "/api/v1/collections", Needs(ReadDefinitions)),
    route("POST", "/api/v1/collections", Needs(Apply)),
    route("GET", "/api/v1/collections/{key}", Needs(ReadDefinitions)),
    route("PUT", "/api/v1/collections/{key}", Needs(Apply)),
    route("DELETE", "/api/v1/collections/{key}", Needs(Apply)),
    route("POST", "/api/v1/collections/{key}/run", Needs(Run)),
    route("GET", "/api/v1/monitors", Needs(ReadDefinitions)),
    route("POST", "/api/v1/monitors", Needs(Apply)),
    route("GET", "/api/v1/monitors/{key}", Needs(ReadDefinitions)),
    route("PUT", "/api/v1/monitors/{key}", Needs(Apply)),
    route("DELETE", "/api/v1/monitors/{key}", Needs(Apply)),
    route("GET", "/api/v1/monitors/{key}/status", Needs(ReadResults)),
    route("POST", "/api/v1/monitors/{key}/ping-key", Needs(Apply)),
    route("GET", "/api/v1/windows", Needs(ReadDefinitions)),
    route("POST", "/api/v1/windows", Needs(Apply)),
    route("GET", "/api/v1/windows/{key}", Needs(ReadDefinitions)),
    route("PUT", "/api/v1/windows/{key}", Needs(Apply)),
    route("DELETE", "/api/v1/windows/{key}", Needs(Apply)),
    route("GET", "/api/v1/silences", Needs(ReadResults)),
    route("POST", "/api/v1/silences", Needs(Run)),
    route("DELETE", "/api/v1/silences/{id}", Needs(Run)),
    route("GET", "/api/v1/status-pages", Needs(ReadDefinitions)),
    route("POST", "/api/v1/status-pages", Needs(Apply)),
    route("GET", "/api/v1/status-pages/{key}", Needs(ReadDefinitions)),
    route("PUT", "/api/v1/status-pages/{key}", Needs(Apply)),
    route("DELETE", "/api/v1/status-pages/{key}", Needs(Apply)),
    route("GET", "/api/v1/incidents", Needs(ReadResults)),
    route("POST", "/api/v1/incidents", Needs(Run)),
    route("GET", "/api/v1/incidents/{id}", Needs(ReadResults)),
    route("DELETE", "/api/v1/incidents/{id}", Needs(Apply)),
    route("POST", "/api/v1/incidents/{id}/updates", Needs(Run)),
    route("GET", "/api/v1/reports/uptime", Needs(ReadResults)),
    route("GET", "/api/v1/dashboard", Needs(ReadResults)),
    route("GET", "/badge/{monitor}/{file}", Needs(ReadResults)),
    route("GET", "/status/{slug}", Public),
    route("GET", "/status/{slug}/feed.atom", Public),
    route("GET", "/status/{slug}/api/v2/summary.json", Public),
    route("GET", "/ping/{key}", Public),
    route("POST", "/ping/{key}", Public),
    route("GET", "/ping/{key}/start", Public),
    route("POST", "/ping/{key}/start", Public),
    route("GET", "/ping/{key}/fail", Public),
    route("POST", "/ping/{key}/fail", Public),
    route("POST", "/api/v1/schedule/preview", Needs(ReadDefinitions)),
    route("GET", "/api/v1/runs", Needs(ReadResults)),
    route("GET", "/api/v1/runs/{id}", Needs(ReadResults)),
    route("GET", "/api/v1/notifications", Needs(ReadResults)),
    route("GET", "/api/v1/audit", Needs(ReadAudit)),
    route("GET", "/api/v1/plugins", Needs(ReadDefinitions)),
    route("GET", "/api/v1/plugins/{key}/files", Needs(ReadDefinitions)),
    route("GET", "/api/v1/definitions", Needs(ReadDefinitions)),
    route("GET", "/api/v1/regions", Needs(ReadResults)),
    route("POST", "/api/v1/regions/{region}/runs", Needs(SendRuns)),
    route("POST", "/api/v1/session", Public),
    route("GET", "/api/v1/session", Public),
    route("DELETE", "/api/v1/session", Public),
    route("POST", "/api/v1/invites/{code}", Public),
    route("GET", "/api/v1/sso", Public),
    route("GET", "/api/v1/sso/start", Public),
    route("GET", "/api/v1/sso/callback", Public),
    route("POST", "/api/v1/account/totp", Needs(OwnAccount)),
    route("POST", "/api/v1/account/totp/confirm", Needs(OwnAccount)),
    route("DELETE", "/api/v1/account/totp", Needs(OwnAccount)),
    route("DELETE", "/api/v1/users/{name}/totp", Needs(ManageAccess)),
    route("GET", "/api/v1/sessions", Needs(OwnTokens)),
    route("DELETE", "/api/v1/sessions/{id}", Needs(OwnTokens)),
    route("POST", "/api/v1/token", Needs(ManageAccess)),
    route("GET", "/api/v1/tokens", Needs(OwnTokens)),
    route("POST", "/api/v1/tokens", Needs(OwnTokens)),
    route("DELETE", "/api/v1/tokens/{id}", Needs(OwnTokens)),
    route("GET", "/api/v1/users", Needs(ManageAccess)),
    route("POST", "/api/v1/users", Needs(ManageAccess)),
    route("PATCH", "/api/v1/users/{name}", Needs(ManageAccess)),
    route("DELETE", "/api/v1/users/{name}", Needs(ManageAccess)),
    route("POST", "/api/v1/users/{name}/invite", Needs(ManageAccess)),
];

/// The permission the route `method path` needs.
///
/// # Panics
/// When the table has no such route, or says it is public: a guarded route must be listed.
pub fn permission(method: &str, path: &str) -> Permission {
    match ROUTES.iter().find(|route| route.method == method && route.path == path).map(|route| route.rule) {
        Some(Needs(permission)) => permission,
        Some(Public) => panic!("{method} {path} is public in rules::ROUTES, yet guarded"),
        None => panic!("{method} {path} has no rule in rules::ROUTES"),
    }
}
