//! Every route of [`rules::ROUTES`] with every role: each is allowed exactly when the role
//! grants the route's permission, and refused with a 403 naming that permission otherwise.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Value, json};

use super::*;
use crate::rules::{ROUTES, Rule};
use skopos_service::access::{NewToken, Role};

const BOOTSTRAP: &str = "bootstrap-token";

fn agent() -> (tempfile::TempDir, Arc<Agent>) {
    let (dir, agent, _) = crate::tests::agent_at(Some(BOOTSTRAP), None);
    (dir, agent)
}

async fn call(agent: &Arc<Agent>, method: &str, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut request = warp::test::request().method(method).path(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if !body.is_null() {
        request = request.json(body);
    }
    let reply = request.reply(&routes(agent.clone())).await;
    (reply.status().as_u16(), serde_json::from_slice(reply.body()).unwrap_or(Value::Null))
}

/// A path of the table made concrete: segments that name nothing, so an allowed call is
/// refused by its handler (404, 422) rather than changing what the next role sees.
fn concrete(path: &str) -> String {
    path.replace("{key}", "nothing-here")
        .replace("{id}", "nothing-here")
        .replace("{name}", "nobody")
        .replace("{code}", "no-code")
        .replace("{file}", "collection.json")
        .replace("{region}", "eu")
        .replace("{slug}", "no-page")
        .replace("{monitor}", "nothing-here")
}

#[tokio::test]
async fn every_route_allows_exactly_the_roles_whose_permissions_it_needs() {
    let (_dir, agent) = agent();
    let admin = agent.access.bearer(BOOTSTRAP).unwrap();
    let mut tokens = Vec::new();
    for role in Role::ALL {
        let region = (role == Role::Follower).then(|| "eu".to_string());
        let new = NewToken { name: role.as_str().into(), role, region, expires_in: None };
        tokens.push((role, agent.access.create_token(&admin, new).unwrap().1));
    }
    for route in ROUTES {
        let path = concrete(route.path);
        let (anonymous, _) = call(&agent, route.method, &path, None, &Value::Null).await;
        match route.rule {
            Rule::Public => assert_ne!(anonymous, 403, "{} {}", route.method, route.path),
            Rule::Needs(_) => assert_eq!(anonymous, 401, "{} {} without a token", route.method, route.path),
        }
        let Rule::Needs(permission) = route.rule else { continue };
        for (role, token) in &tokens {
            let (status, reply) = call(&agent, route.method, &path, Some(token), &json!({})).await;
            let what = format!("{} {} as {}: {status} {reply}", route.method, route.path, role.as_str());
            assert_ne!(reply["error"], "no such route", "{what}");
            if role.allows(permission) {
                // Allowed: the handler answers (a `403` there is not for a permission, as for
                // a person's own account changed with a token).
                assert!(status != 401 && reply["permission"].is_null(), "{what}");
            } else {
                assert_eq!((status, reply["permission"].as_str()), (403, Some(permission.as_str())), "{what}");
            }
        }
    }
}

/// The table and the OpenAPI document list the same operations.
#[test]
fn the_rules_cover_every_documented_operation_and_no_other() {
    let document: Value = serde_json::from_str(OPENAPI).unwrap();
    let documented: BTreeSet<String> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, operations)| {
            let methods = operations.as_object().unwrap().keys().filter(|m| *m != "parameters");
            methods.map(move |method| format!("{} {path}", method.to_uppercase())).collect::<Vec<_>>()
        })
        .collect();
    let ruled: BTreeSet<String> = ROUTES.iter().map(|route| format!("{} {}", route.method, route.path)).collect();
    assert_eq!(documented, ruled);
}

#[tokio::test]
async fn a_follower_token_sends_only_its_own_regions_runs_and_a_runner_cannot_redirect_alerts() {
    let (_dir, agent) = agent();
    let admin = agent.access.bearer(BOOTSTRAP).unwrap();
    let follower = NewToken { name: "eu".into(), role: Role::Follower, region: Some("eu".into()), expires_in: None };
    let (_, follower) = agent.access.create_token(&admin, follower).unwrap();
    let batch = json!({"region": "us", "runs": []});
    let (status, reply) = call(&agent, "POST", "/api/v1/regions/us/runs", Some(&follower), &batch).await;
    assert_eq!(status, 403, "{reply}");
    assert!(reply["error"].as_str().unwrap().contains("bound to region `eu`"), "{reply}");

    let runner = NewToken { name: "ci".into(), role: Role::Runner, region: None, expires_in: None };
    let (_, runner) = agent.access.create_token(&admin, runner).unwrap();
    let collection = json!({"name": "c", "steps": [{"request": {"url": "http://127.0.0.1:9/"}}]});
    assert_eq!(call(&agent, "POST", "/api/v1/collections", Some(&runner), &collection).await.0, 201);
    let monitor = json!({"name": "m", "collections": ["c"], "schedule": {"every": "1h"}});
    assert_eq!(call(&agent, "POST", "/api/v1/monitors", Some(&runner), &monitor).await.0, 201);
    let mut alerting = monitor.clone();
    alerting["notify"] = json!([{"plugin": "webhook", "config": {"url": "http://127.0.0.1:9/hook"}}]);
    let (status, reply) = call(&agent, "PUT", "/api/v1/monitors/m", Some(&runner), &alerting).await;
    assert_eq!((status, reply["permission"].as_str()), (403, Some("notifier_settings")), "{reply}");
    // The same monitor with its notify entries unchanged is applied.
    let mut slower = monitor.clone();
    slower["schedule"] = json!({"every": "2h"});
    assert_eq!(call(&agent, "PUT", "/api/v1/monitors/m", Some(&runner), &slower).await.0, 200);
}

/// Behind an https public address, the session cookie is `Secure`; over plain http, not.
#[tokio::test]
async fn session_cookies_are_secure_when_the_public_url_is_https() {
    for (public_url, secure) in [(Some("https://skopos.example.com"), true), (None, false)] {
        let (_dir, agent, _) = crate::tests::agent_at(Some(BOOTSTRAP), public_url);
        let reply = warp::test::request()
            .method("POST")
            .path("/api/v1/session")
            .json(&json!({"token": BOOTSTRAP}))
            .reply(&routes(agent))
            .await;
        let cookie = reply.headers()["set-cookie"].to_str().unwrap().to_string();
        assert_eq!(cookie.contains("; Secure"), secure, "{cookie}");
        assert!(cookie.contains("HttpOnly; SameSite=Strict"), "{cookie}");
    }
}
