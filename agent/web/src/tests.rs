//! The routes against the OpenAPI document, and token rotation, through `warp::test` on a
//! real store in a temporary folder.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::*;
use skopos_engine::RunContext;
use skopos_service::store::Store;
use skopos_service::{AgentParts, Token};

fn agent(env_token: Option<&str>) -> (tempfile::TempDir, Arc<Agent>, Option<String>) {
    agent_at(env_token, None)
}

/// An agent on a real store in a temporary folder, with `SKOPOS_TOKEN` as `env_token` and
/// `--public-url` as `public_url`; the token a first start made, when it made one.
pub(crate) fn agent_at(
    env_token: Option<&str>,
    public_url: Option<&str>,
) -> (tempfile::TempDir, Arc<Agent>, Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let (token, made) = Token::load(&store, env_token.map(str::to_string)).unwrap();
    let context = RunContext::new(HashMap::new());
    let parts = AgentParts {
        store,
        context,
        telemetry: None,
        token,
        plugins: None,
        primary: None,
        public_url: public_url.map(str::to_string),
        env_allow: Default::default(),
        sso: None,
    };
    (dir, Agent::start(parts).unwrap(), made)
}

async fn call(agent: &Arc<Agent>, method: &str, path: &str, token: &str) -> (u16, Value) {
    let reply = warp::test::request()
        .method(method)
        .path(path)
        .header("authorization", format!("Bearer {token}"))
        .reply(&routes(agent.clone()))
        .await;
    (reply.status().as_u16(), serde_json::from_slice(reply.body()).unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_operation_in_the_openapi_document_is_served() {
    let (_dir, agent, _) = agent(Some("t"));
    let document: Value = serde_json::from_str(OPENAPI).unwrap();
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 12, "{}", paths.len());
    for (path, operations) in paths {
        let concrete = path
            .replace("{key}", "nothing-here")
            .replace("{id}", "nothing-here")
            .replace("{region}", "nowhere")
            .replace("{name}", "nobody")
            .replace("{code}", "no-code");
        for method in operations.as_object().unwrap().keys().filter(|m| *m != "parameters") {
            if method == "post" && path == "/api/v1/token" {
                continue; // rotating is tested below
            }
            let (status, reply) = call(&agent, &method.to_uppercase(), &concrete, "t").await;
            let documented = operations[method]["responses"].as_object().unwrap();
            assert!(
                documented.contains_key(&status.to_string()),
                "{method} {path}: {status} is not documented: {reply}"
            );
            assert_ne!(reply["error"], "no such route", "{method} {path}");
        }
    }
}

#[tokio::test]
async fn rotating_the_token_retires_the_old_one_at_once() {
    let (_dir, agent, made) = agent(None);
    let old = made.expect("a first start makes a token");
    assert_eq!(call(&agent, "GET", "/api/v1/monitors", &old).await.0, 200);
    let (status, reply) = call(&agent, "POST", "/api/v1/token", &old).await;
    assert_eq!(status, 200, "{reply}");
    let new = reply["token"].as_str().unwrap();
    assert_eq!(call(&agent, "GET", "/api/v1/monitors", &old).await.0, 401);
    assert_eq!(call(&agent, "GET", "/api/v1/monitors", new).await.0, 200);
    // A restart reads the new token's hash from the store.
    let (again, made) = Token::load(&agent.store, None).unwrap();
    assert!(made.is_none() && again.is(new));
}

#[tokio::test]
async fn a_token_from_the_environment_is_not_rotated_by_the_agent() {
    let (_dir, agent, _) = agent(Some("from-env"));
    let (status, reply) = call(&agent, "POST", "/api/v1/token", "from-env").await;
    assert_eq!(status, 409);
    assert!(reply["error"].as_str().unwrap().contains("SKOPOS_TOKEN"), "{reply}");
    assert_eq!(call(&agent, "GET", "/api/v1/monitors", "from-env").await.0, 200);
}

#[tokio::test]
async fn bodies_over_a_mebibyte_are_refused_and_bad_ones_name_the_field() {
    let (_dir, agent, _) = agent(Some("t"));
    let huge = format!("{{\"name\": \"{}\", \"steps\": []}}", "x".repeat(2 << 20));
    let reply = warp::test::request()
        .method("POST")
        .path("/api/v1/collections")
        .header("authorization", "Bearer t")
        .body(huge)
        .reply(&routes(agent.clone()))
        .await;
    assert_eq!(reply.status(), 413);
    let reply = warp::test::request()
        .method("POST")
        .path("/api/v1/monitors")
        .header("authorization", "Bearer t")
        .body(r#"{"name": "m", "schedule": {"every": "soon"}, "collections": []}"#)
        .reply(&routes(agent.clone()))
        .await;
    let error: Value = serde_json::from_slice(reply.body()).unwrap();
    assert_eq!((reply.status().as_u16(), error["field"].as_str()), (422, Some("schedule.every")), "{error}");
}

/// A request as a browser makes it: the session cookie, and optionally the CSRF token.
async fn browser(agent: &Arc<Agent>, method: &str, path: &str, cookie: &str, csrf: Option<&str>, body: Value) -> u16 {
    let mut request =
        warp::test::request().method(method).path(path).header("cookie", format!("skopos_session={cookie}"));
    if let Some(csrf) = csrf {
        request = request.header("x-csrf-token", csrf);
    }
    request.json(&body).reply(&routes(agent.clone())).await.status().as_u16()
}

#[tokio::test]
async fn a_browser_signs_in_with_the_token_and_changes_things_only_with_its_csrf_token() {
    let (_dir, agent, made) = agent(None);
    let token = made.unwrap();
    let sign_in = |token: &str| {
        warp::test::request().method("POST").path("/api/v1/session").json(&serde_json::json!({ "token": token }))
    };
    assert_eq!(sign_in("wrong").reply(&routes(agent.clone())).await.status(), 401);
    let reply = sign_in(&token).reply(&routes(agent.clone())).await;
    assert_eq!(reply.status(), 200);
    let set_cookie = reply.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    assert!(!set_cookie.contains(&token), "the token must not be the cookie");
    let cookie = set_cookie.trim_start_matches("skopos_session=").split(';').next().unwrap().to_string();
    let csrf = serde_json::from_slice::<Value>(reply.body()).unwrap()["csrf"].as_str().unwrap().to_string();

    let collection = serde_json::json!({"name": "c", "steps": [{"request": {"url": "http://127.0.0.1:9/"}}]});
    assert_eq!(browser(&agent, "GET", "/api/v1/collections", &cookie, None, Value::Null).await, 200);
    assert_eq!(browser(&agent, "POST", "/api/v1/collections", &cookie, None, collection.clone()).await, 403);
    assert_eq!(browser(&agent, "POST", "/api/v1/collections", &cookie, Some("forged"), collection.clone()).await, 403);
    assert_eq!(browser(&agent, "POST", "/api/v1/collections", &cookie, Some(&csrf), collection).await, 201);
    assert_eq!(browser(&agent, "GET", "/api/v1/collections", "made-up", None, Value::Null).await, 401);
    let session = warp::test::request().path("/api/v1/session").header("cookie", format!("skopos_session={cookie}"));
    let reply = session.reply(&routes(agent.clone())).await;
    assert_eq!(serde_json::from_slice::<Value>(reply.body()).unwrap()["csrf"], csrf.as_str());

    // Signing out ends the session; rotating the token ends every session.
    let out = warp::test::request()
        .method("DELETE")
        .path("/api/v1/session")
        .header("cookie", format!("skopos_session={cookie}"));
    let reply = out.reply(&routes(agent.clone())).await;
    assert_eq!(reply.status(), 204);
    assert!(reply.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(browser(&agent, "GET", "/api/v1/collections", &cookie, None, Value::Null).await, 401);
    let again = sign_in(&token).reply(&routes(agent.clone())).await;
    let cookie = again.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .trim_start_matches("skopos_session=")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(browser(&agent, "GET", "/api/v1/collections", &cookie, None, Value::Null).await, 200);
    agent.access.rotate_bootstrap().unwrap();
    assert_eq!(browser(&agent, "GET", "/api/v1/collections", &cookie, None, Value::Null).await, 401);
}

#[tokio::test]
async fn the_console_is_served_with_a_strict_content_security_policy() {
    let (_dir, agent, _) = agent(Some("t"));
    let routes = routes(agent.clone());
    let get = |path: &'static str| warp::test::request().path(path).reply(&routes);
    let index = get("/").await;
    assert_eq!(index.status(), 200);
    assert!(index.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let policy = index.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(String::from_utf8_lossy(index.body()).contains("/assets/app.js"));
    let script = get("/assets/app.js").await;
    assert!(script.headers()["content-type"].to_str().unwrap().contains("javascript"));
    assert_eq!(get("/assets/nothing.js").await.status(), 404);
    assert_eq!(get("/assets/..%2FCargo.toml").await.status(), 404);
}

async fn send(agent: &Arc<Agent>, method: &str, path: &str, body: Value) -> (u16, Value) {
    let reply = warp::test::request()
        .method(method)
        .path(path)
        .header("authorization", "Bearer t")
        .json(&body)
        .reply(&routes(agent.clone()))
        .await;
    (reply.status().as_u16(), serde_json::from_slice(reply.body()).unwrap_or(Value::Null))
}

#[tokio::test]
async fn schedules_preview_their_next_five_fire_times_and_name_the_bad_field() {
    let (_dir, agent, _) = agent(Some("t"));
    let (status, reply) = send(&agent, "POST", "/api/v1/schedule/preview", serde_json::json!({"every": "1h"})).await;
    assert_eq!(status, 200, "{reply}");
    let times: Vec<chrono::DateTime<chrono::Utc>> = serde_json::from_value(reply["next"].clone()).unwrap();
    assert_eq!(times.len(), 5);
    assert!(times.windows(2).all(|w| w[1] - w[0] == chrono::TimeDelta::hours(1)), "{times:?}");
    assert!(times.iter().all(|t| t.timestamp() % 3600 == 0), "aligned to the hour: {times:?}");
    let cron = serde_json::json!({"cron": "30 9 * * 1-5", "tz": "Europe/Paris"});
    let (status, reply) = send(&agent, "POST", "/api/v1/schedule/preview", cron).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["next"].as_array().unwrap().len(), 5);
    let (status, reply) =
        send(&agent, "POST", "/api/v1/schedule/preview", serde_json::json!({"cron": "61 * * * *"})).await;
    assert_eq!((status, reply["field"].as_str()), (422, Some("cron")), "{reply}");
}

#[tokio::test]
async fn a_paused_monitor_is_kept_off_the_scheduler_until_resumed_and_lists_show_status_and_stats() {
    let (_dir, agent, _) = agent(Some("t"));
    let collection = serde_json::json!({"name": "c", "steps": [{"request": {"url": "http://127.0.0.1:9/"}}]});
    assert_eq!(send(&agent, "POST", "/api/v1/collections", collection).await.0, 201);
    let monitor = |paused: bool| serde_json::json!({"name": "m", "schedule": {"every": "1h"}, "collections": ["c"], "paused": paused});
    let (status, created) = send(&agent, "POST", "/api/v1/monitors", monitor(true)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert!(!agent.scheduler.next_runs().contains_key(&id), "paused: not scheduled");
    let (_, listed) = call(&agent, "GET", "/api/v1/monitors", "t").await;
    assert_eq!(listed[0]["status"]["paused"], true, "{listed}");
    assert_eq!(listed[0]["status"]["next_run"], Value::Null, "{listed}");

    assert_eq!(send(&agent, "PUT", "/api/v1/monitors/m", monitor(false)).await.0, 200);
    assert!(agent.scheduler.next_runs().get(&id).copied().flatten().is_some(), "resumed: scheduled");
    let (_, listed) = call(&agent, "GET", "/api/v1/monitors", "t").await;
    assert_eq!(listed[0]["status"]["paused"], false, "{listed}");
    assert_eq!(listed[0]["spec"].get("paused"), None, "not paused is the default, left out: {listed}");

    // A run (the port refuses): the collections list counts it, the runs summary names the step.
    let (status, run) = send(&agent, "POST", "/api/v1/collections/c/run", Value::Null).await;
    assert_eq!((status, run["status"].as_str()), (200, Some("failed")), "{run}");
    let (_, listed) = call(&agent, "GET", "/api/v1/collections", "t").await;
    let stats = &listed[0]["stats"];
    assert_eq!((stats["runs_24h"].as_u64(), stats["uptime_24h"].as_f64()), (Some(1), Some(0.0)), "{stats}");
    assert_eq!(stats["latency_24h_ms"].as_array().unwrap().len(), 24);
    let (_, page) = call(&agent, "GET", "/api/v1/runs?collection=c&summary=true", "t").await;
    let summary = &page["runs"][0];
    assert_eq!(summary.get("report"), None, "{summary}");
    assert_eq!(summary["failure"]["index"], 1, "{summary}");
    assert!(summary["failure"]["message"].as_str().unwrap().contains("127.0.0.1:9"), "{summary}");
}

/// The file format's definitions in the OpenAPI document have exactly the fields of the
/// model's JSON Schema (generated from the model's types), so neither drifts from the code.
#[test]
fn the_openapi_definitions_of_the_file_format_have_the_models_fields() {
    let openapi: Value = serde_json::from_str(OPENAPI).unwrap();
    let documented = &openapi["components"]["schemas"];
    let collection = skopos_core::schema::collection();
    let monitor = skopos_core::schema::monitor();
    let window = skopos_core::schema::window();
    let generated = [
        ("Collection", &collection),
        ("Step", &collection["$defs"]["Step"]),
        ("Request", &collection["$defs"]["Request"]),
        ("WebSocket", &collection["$defs"]["WebSocket"]),
        ("Assertion", &collection["$defs"]["Assertion"]),
        ("Monitor", &monitor),
        ("Notifier", &monitor["$defs"]["Notifier"]),
        ("Window", &window),
    ];
    let fields = |schema: &Value| -> Vec<String> {
        let mut names: Vec<String> = schema["properties"].as_object().unwrap().keys().cloned().collect();
        names.sort();
        names
    };
    for (name, schema) in generated {
        assert_eq!(fields(&documented[name]), fields(schema), "openapi.json {name}");
    }
    assert_eq!(documented["Assertion"]["properties"]["op"]["enum"], collection["$defs"]["Op"]["enum"]);
}

#[tokio::test]
async fn the_file_schemas_are_served_without_a_token() {
    let (_dir, agent, _) = agent(Some("t"));
    let (status, schema) = call(&agent, "GET", "/api/v1/schema/collection.json", "wrong").await;
    assert_eq!((status, schema), (200, skopos_core::schema::collection()));
    let (status, schema) = call(&agent, "GET", "/api/v1/schema/monitor.json", "wrong").await;
    assert_eq!((status, schema), (200, skopos_core::schema::monitor()));
    assert_eq!(call(&agent, "GET", "/api/v1/schema/other.json", "wrong").await.0, 404);
}
