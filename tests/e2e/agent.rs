//! `skopos serve`: a real agent process with a temporary data folder, driven over its API.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use crate::server;

const TOKEN: &str = "test-token-123";

/// A running agent, killed when dropped.
struct Agent {
    child: Child,
    base: String,
}

impl Agent {
    fn start(data: &Path) -> Agent {
        let mut child = Command::new(env!("CARGO_BIN_EXE_skopos"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .env("SKOPOS_TOKEN", TOKEN)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let base = line.split_whitespace().find(|w| w.starts_with("http://")).expect(&line).to_string();
        Agent { child, base }
    }

    fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let address = self.base.trim_start_matches("http://").to_string();
            let stream = tokio::net::TcpStream::connect(&address).await.unwrap();
            let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
            tokio::spawn(connection);
            let mut request = hyper::Request::builder().method(method).uri(path).header("host", address);
            if let Some(token) = token {
                request = request.header("authorization", format!("Bearer {token}"));
            }
            let body = body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string()));
            let response = sender.send_request(request.body(Full::new(body)).unwrap()).await.unwrap();
            let status = response.status().as_u16();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
        })
    }

    fn api(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call(method, path, Some(TOKEN), body)
    }

    fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collection(name: &str, path: &str) -> Value {
    json!({"name": name, "steps": [{"name": "get", "request": {"url": format!("{}{path}", server().base())},
                                    "assert": [{"source": "status", "op": "eq", "value": 200}]}]})
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(15), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_api_needs_the_token_and_names_the_field_at_fault() {
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    assert_eq!(agent.call("GET", "/healthz", None, None), (200, json!({"status": "ok"})));
    assert_eq!(agent.call("GET", "/api/v1/collections", None, None).0, 401);
    assert_eq!(agent.call("GET", "/api/v1/collections", Some("wrong"), None).0, 401);

    let mut bad = collection("shop", "/final");
    bad["steps"][0]["assert"][0]["op"] = json!("equals");
    let (status, error) = agent.api("POST", "/api/v1/collections", Some(bad));
    assert_eq!(status, 422);
    assert_eq!(error["field"], "steps[0].assert[0].op");
    assert!(error["error"].as_str().unwrap().contains("did you mean `eq`?"), "{error}");

    let (status, created) = agent.api("POST", "/api/v1/collections", Some(collection("shop front", "/final")));
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    assert_eq!(agent.api("GET", &format!("/api/v1/collections/{id}"), None).1["spec"]["name"], "shop front");
    assert_eq!(agent.api("GET", "/api/v1/collections/shop%20front", None).1["id"], id);
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(collection("shop front", "/final"))).0, 409);

    let (status, run) = agent.api("POST", "/api/v1/collections/shop%20front/run", None);
    assert_eq!((status, run["status"].clone()), (200, json!("passed")), "{run}");
    let (_, fetched) = agent.api("GET", &format!("/api/v1/runs/{}", run["id"].as_str().unwrap()), None);
    assert_eq!(fetched["report"]["steps"][0]["assertions"][0]["passed"], true);

    let (status, error) = agent.api("GET", "/api/v1/runs?status=green", None);
    assert_eq!((status, error["field"].clone()), (400, json!("status")));
    let monitor = json!({"name": "m", "schedule": {"every": "1h"}, "collections": ["shop frnt"]});
    let (status, error) = agent.api("POST", "/api/v1/monitors", Some(monitor));
    assert_eq!((status, error["field"].clone()), (422, json!("collections[0]")), "{error}");
    assert_eq!(agent.api("GET", "/api/v1/nothing", None).0, 404);
}

#[test]
fn monitors_run_on_schedule_and_survive_kill_9() {
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(collection("ping", "/final"))).0, 201);
    let monitor = json!({"name": "every second", "schedule": {"every": "1s"}, "collections": ["ping"]});
    assert_eq!(agent.api("POST", "/api/v1/monitors", Some(monitor)).0, 201);
    let runs = |agent: &Agent| {
        let (_, page) = agent.api("GET", "/api/v1/runs?monitor=every%20second&limit=100", None);
        page["runs"].as_array().cloned().unwrap_or_default()
    };
    wait_until("two scheduled runs", || runs(&agent).len() >= 2);
    let (_, status) = agent.api("GET", "/api/v1/monitors/every%20second/status", None);
    assert_eq!(status["health"], "up", "{status}");
    assert!(status["next_run"].is_string() && status["last_run"].is_string(), "{status}");
    let before = runs(&agent).len();
    // An acknowledged write is on disk, and so is everything stored before it.
    let (_, on_demand) = agent.api("POST", "/api/v1/collections/ping/run", None);
    agent.kill_9();

    let agent = Agent::start(data.path());
    assert!(runs(&agent).len() >= before, "every run seen before the kill is still there");
    let on_demand = on_demand["id"].as_str().unwrap();
    assert_eq!(agent.api("GET", &format!("/api/v1/runs/{on_demand}"), None).0, 200);
    assert_eq!(agent.api("GET", "/api/v1/monitors/every%20second", None).0, 200);
    wait_until("the schedule to resume", || runs(&agent).len() >= before + 2);

    assert_eq!(agent.api("DELETE", "/api/v1/collections/ping", None).0, 409, "a monitor still runs it");
    assert_eq!(agent.api("DELETE", "/api/v1/monitors/every%20second", None).0, 204);
    assert_eq!(agent.api("DELETE", "/api/v1/collections/ping", None).0, 204);
}

#[test]
fn apply_upserts_files_into_the_agent_and_prunes_what_they_dropped() {
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    let files = crate::Files::new();
    let text = |status: u16| {
        format!(
            "name: api health\nsteps:\n  - request: {{ url: '{}/final' }}\n    assert: [{{ source: status, op: eq, value: {status} }}]\n",
            server().base()
        )
    };
    files.write("health.yaml", &text(200));
    files.write("monitor.yaml", "name: hourly\nschedule: { every: 1h }\ncollections: [api health]\n");
    let apply = |extra: &[&str], token: &str| {
        let mut args: Vec<String> = vec!["apply".into(), ".".into(), "--server".into(), agent.base.clone()];
        args.extend(extra.iter().map(|a| a.to_string()));
        files.skopos(&args, &[("SKOPOS_TOKEN", token)])
    };
    let outcome = apply(&[], TOKEN);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert_eq!(outcome.stdout, "created collection `api health`\ncreated monitor `hourly`\n");

    files.write("health.yaml", &text(201));
    let outcome = apply(&[], TOKEN);
    assert_eq!(outcome.stdout, "updated collection `api health`\nupdated monitor `hourly`\n");
    let (_, stored) = agent.api("GET", "/api/v1/collections/api%20health", None);
    assert_eq!(stored["spec"]["steps"][0]["assert"][0]["value"], 201);

    std::fs::remove_file(files.path().join("monitor.yaml")).unwrap();
    let outcome = apply(&["--prune"], TOKEN);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert!(outcome.stdout.ends_with("deleted monitor `hourly`\n"), "{}", outcome.stdout);
    assert_eq!(agent.api("GET", "/api/v1/monitors/hourly", None).0, 404);

    let outcome = apply(&[], "wrong");
    assert_eq!(outcome.code, 1);
    assert!(outcome.stderr.contains("a bearer token is required"), "{}", outcome.stderr);
}
