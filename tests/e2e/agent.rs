//! `skopos serve`: a real agent process with a temporary data folder, driven over its API.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use crate::{server, unique};

pub const TOKEN: &str = "test-token-123";

/// A running agent, killed when dropped.
pub struct Agent {
    child: Child,
    pub base: String,
    /// The token a first start without `SKOPOS_TOKEN` printed.
    printed_token: Option<String>,
}

impl Agent {
    pub fn start(data: &Path) -> Agent {
        Agent::start_with(data, &[], &[])
    }

    /// With extra `serve` flags and environment; standard error goes to `agent.log` in the
    /// data folder, for tests that read the agent's log.
    pub fn start_with(data: &Path, flags: &[&str], env: &[(&str, &str)]) -> Agent {
        Agent::start_at(data, "127.0.0.1:0", flags, env)
    }

    /// Listening on `listen` (an agent restarted where others expect it).
    pub fn start_at(data: &Path, listen: &str, flags: &[&str], env: &[(&str, &str)]) -> Agent {
        Agent::start_logging(data, &log_path(data), listen, flags, env)
    }

    /// With its log (standard error) in `log`.
    pub fn start_logging(data: &Path, log: &Path, listen: &str, flags: &[&str], env: &[(&str, &str)]) -> Agent {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_skopos"))
            .args(["serve", "--listen", listen, "--data"])
            .arg(data)
            .args(flags)
            .env("SKOPOS_TOKEN", TOKEN)
            .env("SKOPOS_CACHE_DIR", crate::plugin_cache())
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        // Dropping the agent kills the process, should it stop before listening.
        let mut agent = Agent { child, base: String::new(), printed_token: None };
        let mut stdout = BufReader::new(agent.child.stdout.take().unwrap());
        loop {
            let mut line = String::new();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "the agent stopped before listening");
            if line.contains("API token") {
                agent.printed_token = line.split_whitespace().last().map(str::to_string);
            } else if let Some(base) = line
                .contains("listening on")
                .then(|| line.split_whitespace().find(|w| w.starts_with("http://")))
                .flatten()
            {
                agent.base = base.to_string();
                return agent;
            }
        }
    }

    pub fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
        let (status, bytes) = self.request(method, path, token, body);
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    /// A GET whose reply is text (`/metrics`).
    pub fn text(&self, path: &str, token: Option<&str>) -> (u16, String) {
        let (status, bytes) = self.request("GET", path, token, None);
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    fn request(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Bytes) {
        let authorization = token.map(|token| format!("Bearer {token}"));
        let headers: Vec<(&str, &str)> = authorization.iter().map(|a| ("authorization", a.as_str())).collect();
        let body = body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string()));
        let (status, _, bytes) = self.request_with(method, path, &headers, body);
        (status, bytes)
    }

    /// A GET with these headers (a `host` among them replaces the agent's address), answered
    /// with its status, headers and body as text.
    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> (u16, hyper::HeaderMap, String) {
        let (status, headers, body) = self.request_with("GET", path, headers, Bytes::new());
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    fn request_with(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> (u16, hyper::HeaderMap, Bytes) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let address = self.base.trim_start_matches("http://").to_string();
            let stream = tokio::net::TcpStream::connect(&address).await.unwrap();
            let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
            tokio::spawn(connection);
            let mut request = hyper::Request::builder().method(method).uri(path);
            if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("host")) {
                request = request.header("host", address);
            }
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let response = sender.send_request(request.body(Full::new(body)).unwrap()).await.unwrap();
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            (status, headers, response.into_body().collect().await.unwrap().to_bytes())
        })
    }

    pub fn api(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call(method, path, Some(TOKEN), body)
    }

    /// Whether the process (the same process id) is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    pub fn kill_9(mut self) {
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

/// Inside the data folder, so it goes with it; sled ignores files it does not know.
pub fn log_path(data: &Path) -> std::path::PathBuf {
    data.join("agent.log")
}

pub fn collection(name: &str, path: &str) -> Value {
    json!({"name": name, "steps": [{"name": "get", "request": {"url": format!("{}{path}", server().base())},
                                    "assert": [{"source": "status", "op": "eq", "value": 200}]}]})
}

pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
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

/// Runs listed by a query string, newest first.
pub fn runs(agent: &Agent, query: &str) -> Vec<Value> {
    let (_, page) = agent.api("GET", &format!("/api/v1/runs?limit=1000&{query}"), None);
    page["runs"].as_array().cloned().unwrap_or_default()
}

#[test]
fn a_failing_collection_alerts_once_through_the_webhook_and_once_when_it_recovers() {
    const SECRET: &str = "canary-hunter2-secret";
    let key = unique("alerts");
    server().set_status(&key, 503);
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start_with(data.path(), &[], &[("HOOK_SECRET", SECRET)]);
    assert_eq!(
        agent.api("POST", "/api/v1/collections", Some(collection("orders api", &format!("/switch/{key}")))).0,
        201
    );
    let monitor = json!({
        "name": "orders", "schedule": {"every": "1s"}, "collections": ["orders api"], "alert_after": 2,
        "notify": [{"plugin": "webhook", "config": {
            "url": format!("{}/hook/{key}", server().base()),
            "headers": {"Authorization": "Bearer @{{env.HOOK_SECRET}}"}}}]
    });
    assert_eq!(agent.api("POST", "/api/v1/monitors", Some(monitor)).0, 201);

    wait_until("the failing alert", || !server().received(&key).is_empty());
    let failing = &server().received(&key)[0];
    assert_eq!(failing.headers["authorization"], format!("Bearer {SECRET}"));
    assert_eq!(failing.headers["content-type"], "application/json");
    let alert = &failing.body;
    assert_eq!((alert["transition"].as_str(), alert["monitor"].as_str()), (Some("failing"), Some("orders")), "{alert}");
    assert_eq!(alert["collection"], "orders api");
    assert_eq!(alert["failure"]["step"], "step 1 'get'");
    assert_eq!(alert["failure"]["assertions"][0]["actual"], 503, "{alert}");
    assert!(alert["summary"].as_str().unwrap().starts_with("orders / orders api is failing: step 1 'get'"), "{alert}");
    let run = alert["run_id"].as_str().unwrap();
    assert_eq!(agent.api("GET", &format!("/api/v1/runs/{run}"), None).1["status"], "failed");
    // Two failures were needed, and later failures do not alert again.
    let failed = runs(&agent, "monitor=orders&status=failed").len();
    assert!(failed >= 2, "{failed}");
    wait_until("two more failed runs", || runs(&agent, "monitor=orders&status=failed").len() >= failed + 2);
    assert_eq!(server().received(&key).len(), 1);

    server().set_status(&key, 200);
    wait_until("the recovery", || server().received(&key).len() >= 2);
    let recovered = &server().received(&key)[1].body;
    assert_eq!(recovered["transition"], "recovered");
    assert_eq!(recovered["since"], alert["since"]);
    assert!(recovered.get("failure").is_none(), "{recovered}");

    let (_, log) = agent.api("GET", "/api/v1/notifications?monitor=orders", None);
    let entries = log["notifications"].as_array().unwrap();
    let summary: Vec<(&str, &str)> =
        entries.iter().map(|e| (e["transition"].as_str().unwrap(), e["delivery"].as_str().unwrap())).collect();
    assert_eq!(summary, [("recovered", "delivered"), ("failing", "delivered")]);
    assert_eq!(agent.api("GET", "/api/v1/monitors/orders/status", None).1["health"], "up");

    // The secret went to the receiver and nowhere else.
    let everything = [
        agent.api("GET", "/api/v1/runs?monitor=orders&limit=1000", None).1,
        agent.api("GET", "/api/v1/monitors/orders", None).1,
        agent.api("GET", &format!("/api/v1/runs/{run}"), None).1,
        log,
    ];
    for reply in everything {
        assert!(!reply.to_string().contains(SECRET), "{reply}");
    }
    let logged = std::fs::read_to_string(log_path(data.path())).unwrap();
    assert!(logged.contains("\"event\":\"alert\""), "{logged}");
    assert!(!logged.contains(SECRET));
}

#[test]
fn a_run_still_going_when_the_next_is_due_is_recorded_as_skipped() {
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(collection("slow", "/slow/2500"))).0, 201);
    let monitor = json!({"name": "impatient", "schedule": {"every": "1s"}, "collections": ["slow"]});
    assert_eq!(agent.api("POST", "/api/v1/monitors", Some(monitor)).0, 201);
    wait_until("a finished run after skips", || {
        !runs(&agent, "monitor=impatient&status=passed").is_empty()
            && runs(&agent, "monitor=impatient&status=skipped").len() >= 2
    });
    let skipped = runs(&agent, "monitor=impatient&status=skipped");
    assert!(skipped[0]["report"].is_null(), "a skipped run sent nothing: {}", skipped[0]);
    // One request at a time reached the server: a slot that came while one ran was skipped.
    let all = runs(&agent, "monitor=impatient");
    let passed: Vec<&Value> = all.iter().filter(|r| r["status"] == "passed").collect();
    for pair in passed.windows(2) {
        let (newer, older) = (pair[0]["started_at"].as_str().unwrap(), pair[1]["started_at"].as_str().unwrap());
        let gap = chrono_gap(older, newer);
        assert!(gap >= 2.4, "runs overlapped: {older} and {newer}");
    }
}

/// Seconds from `a` to `b` (RFC 3339).
fn chrono_gap(a: &str, b: &str) -> f64 {
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap();
    (parse(b) - parse(a)).num_milliseconds() as f64 / 1000.0
}

#[test]
fn old_runs_and_runs_beyond_keep_runs_are_pruned_in_the_background() {
    let data = tempfile::tempdir().unwrap();
    let flags = ["--keep-runs", "2", "--retention", "4s", "--prune-every", "1s"];
    let agent = Agent::start_with(data.path(), &flags, &[]);
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(collection("kept", "/final"))).0, 201);
    let ids: Vec<String> = (0..5)
        .map(|_| agent.api("POST", "/api/v1/collections/kept/run", None).1["id"].as_str().unwrap().to_string())
        .collect();
    wait_until("all but the newest two pruned", || runs(&agent, "collection=kept").len() == 2);
    let left: Vec<String> =
        runs(&agent, "collection=kept").iter().map(|r| r["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(left, [ids[4].clone(), ids[3].clone()]);
    assert_eq!(agent.api("GET", &format!("/api/v1/runs/{}", ids[0]), None).0, 404);
    wait_until("the rest to age out", || runs(&agent, "collection=kept").is_empty());
    assert_eq!(agent.api("GET", "/api/v1/collections/kept", None).0, 200, "definitions are never pruned");
}

#[test]
fn export_writes_files_that_apply_reads_back_without_loss() {
    let files = crate::Files::new();
    let base = server().base();
    files.write(
        "shop.yaml",
        &format!(
            r#"name: "shop: checkout #1"
description: |
  Logs in, then reads the cart.
  Two lines.
variables: {{ base: "{base}", retries: 2, ratio: 0.5, flag: "yes" }}
defaults: {{ timeout_ms: 5000, headers: {{ Accept: application/json }}, cookies: true }}
steps:
  - name: login
    request:
      method: POST
      url: "@{{{{vars.base}}}}/login/export"
      body: {{ json: {{ user: "@{{{{env.SHOP_USER}}}}", password: open-sesame, tags: [a, "1", null] }} }}
    retry: {{ attempts: 2, delay_ms: 10, backoff: exponential, on: [error, status] }}
    assert:
      - {{ source: status, op: in, value: [200, 201] }}
      - {{ name: a token, source: body, property: token, op: matches, value: "^tok-[0-9]+$" }}
  - request:
      url: "@{{{{vars.base}}}}/cart/7"
      headers: {{ Authorization: "Bearer @{{{{login.body.token}}}}" }}
    assert: [{{ source: header, property: content-type, op: contains, value: json }}]
"#
        ),
    );
    files.write(
        "watch.yaml",
        "name: watch shop\nschedule: { cron: '*/5 * * * *', tz: Europe/Paris, jitter: 10s }\ncollections: ['shop: checkout #1']\nalert_after: 3\nremind_every: 1h\nnotify:\n  - plugin: webhook\n    config: { url: '@{{env.HOOK}}', headers: { X-Team: checkout } }\n",
    );
    let (first_data, second_data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (first, second) = (Agent::start(first_data.path()), Agent::start(second_data.path()));
    let skopos = |args: &[&str], agent: &Agent| {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.extend(["--server".into(), agent.base.clone()]);
        files.skopos(&all, &[("SKOPOS_TOKEN", TOKEN)])
    };
    assert_eq!(skopos(&["apply", "shop.yaml", "watch.yaml"], &first).code, 0);
    let outcome = skopos(&["export", "exported"], &first);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert_eq!(
        outcome.stdout.trim(),
        "wrote 1 collection(s), 1 monitor(s), 0 window(s) and 0 status page(s) to exported"
    );
    let mut names: Vec<String> = std::fs::read_dir(files.path().join("exported"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["collection.shop-checkout-1.yaml", "monitor.watch-shop.yaml"]);
    let validated = files.skopos(&["validate".into(), "exported".into()], &[]);
    assert_eq!(validated.code, 0, "{}", validated.stderr);

    let outcome = skopos(&["apply", "exported"], &second);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    for path in ["/api/v1/collections/shop%3A%20checkout%20%231", "/api/v1/monitors/watch%20shop"] {
        let (a, b) = (first.api("GET", path, None).1, second.api("GET", path, None).1);
        assert!(a["spec"].is_object(), "{a}");
        assert_eq!(a["spec"], b["spec"], "{path}");
    }
    assert_eq!(skopos(&["export", "again"], &first).code, 0);
    for name in &names {
        let read = |dir: &str| std::fs::read_to_string(files.path().join(dir).join(name)).unwrap();
        assert_eq!(read("exported"), read("again"), "exporting is stable");
    }
}

#[test]
fn skopos_token_rotates_through_the_agent_or_in_a_stopped_data_folder() {
    let data = tempfile::tempdir().unwrap();
    let files = crate::Files::new();
    let no_env = [("SKOPOS_TOKEN", "")];
    let agent = Agent::start_with(data.path(), &[], &no_env);
    let first = agent.printed_token.clone().expect("a first start prints the token");
    assert_eq!(agent.call("GET", "/api/v1/monitors", Some(&first), None).0, 200);

    let token = |args: &[&str], token: &str| {
        let mut all = vec!["token".to_string()];
        all.extend(args.iter().map(|a| a.to_string()));
        files.skopos(&all, &[("SKOPOS_TOKEN", token)])
    };
    let rotated = token(&["--server", &agent.base], &first);
    assert_eq!(rotated.code, 0, "{}", rotated.stderr);
    let second = rotated.stdout.trim().to_string();
    assert_eq!(agent.call("GET", "/api/v1/monitors", Some(&first), None).0, 401);
    assert_eq!(agent.call("GET", "/api/v1/monitors", Some(&second), None).0, 200);
    let refused = token(&["--server", &agent.base], &first);
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("bearer token is required"), "{}", refused.stderr);

    let data_dir = data.path().to_str().unwrap();
    let busy = token(&["--data", data_dir], "");
    assert_eq!(busy.code, 1);
    assert!(busy.stderr.contains("use --server"), "{}", busy.stderr);
    agent.kill_9();

    let offline = token(&["--data", data_dir], "");
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    let third = offline.stdout.trim();
    let agent = Agent::start_with(data.path(), &[], &no_env);
    assert_eq!(agent.printed_token, None, "a token exists, so none is made");
    assert_eq!(agent.call("GET", "/api/v1/monitors", Some(third), None).0, 200);
    assert_eq!(agent.call("GET", "/api/v1/monitors", Some(&second), None).0, 401);
    let missing = token(&["--data", "no-such-folder"], "");
    assert_eq!((missing.code, missing.stderr.contains("no data folder")), (1, true), "{}", missing.stderr);
}

#[test]
fn a_run_streams_each_step_as_server_sent_events() {
    use std::io::{Read, Write};
    let key = unique("stream");
    server().set_status(&key, 503);
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    let mut two_steps = collection("streamed", "/slow/200");
    let second = json!({"name": "broken", "request": {"url": format!("{}/switch/{key}", server().base())},
                        "assert": [{"source": "status", "op": "eq", "value": 200}]});
    two_steps["steps"].as_array_mut().unwrap().push(second);
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(two_steps)).0, 201);

    let address = agent.base.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    let request = format!(
        "POST /api/v1/collections/streamed/run?stream=true HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.to_ascii_lowercase().contains("content-type: text/event-stream"), "{reply}");
    let events: Vec<(String, Value)> = reply
        .split("\n\n")
        .filter_map(|block| {
            let name = block.lines().find_map(|l| l.strip_prefix("event:"))?.trim().to_string();
            let data = block.lines().find_map(|l| l.strip_prefix("data:"))?.trim();
            Some((name, serde_json::from_str(data).unwrap()))
        })
        .collect();
    let names: Vec<&str> = events.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["step", "step", "done"], "{reply}");
    assert_eq!((events[0].1["index"].as_u64(), events[0].1["status"].as_str()), (Some(1), Some("passed")));
    assert_eq!(events[1].1["status"], "failed");
    assert_eq!(events[1].1["assertions"][0]["actual"], 503);
    let run = &events[2].1;
    assert_eq!(run["status"], "failed");
    let stored = agent.api("GET", &format!("/api/v1/runs/{}", run["id"].as_str().unwrap()), None).1;
    assert_eq!(stored["report"]["steps"][1]["status"], "failed");
    let (_, listed) = agent.api("GET", "/api/v1/collections", None);
    let last_run = &listed[0]["last_run"];
    assert_eq!(
        (last_run["id"].as_str(), last_run["status"].as_str()),
        (run["id"].as_str(), Some("failed")),
        "{listed}"
    );
    let (status, missing) = agent.api("POST", "/api/v1/collections/nothing/run?stream=true", None);
    assert_eq!((status, missing["error"].as_str().is_some()), (404, true));
}
