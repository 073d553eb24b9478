//! Secrets stay secret (issue 8, security pass, first part): a canary value from `env` is used
//! in a collection's URL, header and body and in a notifier's settings; after runs, an alert
//! and OTLP export it reached the API under test and the webhook receiver, and nowhere else:
//! not the agent's log, its data folder, any API reply, `/metrics`, `skopos export`'s files,
//! or the exported traces and metrics.

use std::path::Path;

use serde_json::{Value, json};

use crate::agent::{Agent, TOKEN, log_path, wait_until};
use crate::{Files, server, unique};

const CANARY: &str = "canary-9f3b2c-never-print-me";

/// Every file under `dir`, as bytes, with its path.
fn files_under(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                found.push((path, bytes));
            }
        }
    }
    found
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

#[test]
fn a_canary_secret_reaches_its_destinations_and_nothing_else() {
    let key = unique("canary");
    let base = server().base();
    let (otlp, received) = crate::telemetry::receiver();
    let endpoint = format!("http://{otlp}");
    let data = tempfile::tempdir().unwrap();
    let env = [
        ("CANARY", CANARY),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "300"),
    ];
    let agent = Agent::start_with(data.path(), &["--region", "eu"], &env);
    let collection = json!({"name": "secret use", "steps": [
        {"name": "echo", "request": {"url": format!("{base}/echo?key=@{{{{env.CANARY}}}}"),
                                     "headers": {"X-Secret": "Bearer @{{env.CANARY}}"}},
         "assert": [{"source": "status", "op": "eq", "value": 201}]},
        {"name": "hook", "request": {"method": "POST", "url": format!("{base}/hook/{key}-step"),
                                     "body": {"json": {"secret": "@{{env.CANARY}}"}}}}
    ]});
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(collection)).0, 201);
    let monitor = json!({"name": "secret watch", "schedule": {"every": "1s"}, "collections": ["secret use"],
        "notify": [{"plugin": "webhook", "config": {"url": format!("{base}/hook/{key}-alert"),
                                                    "headers": {"X-Token": "@{{env.CANARY}}"}}}]});
    assert_eq!(agent.api("POST", "/api/v1/monitors", Some(monitor)).0, 201);
    let (status, run) = agent.api("POST", "/api/v1/collections/secret%20use/run", None);
    assert_eq!(status, 200, "{run}");

    // It reached where it was sent.
    wait_until("the alert", || !server().received(&format!("{key}-alert")).is_empty());
    assert_eq!(server().received(&format!("{key}-alert"))[0].headers["x-token"], CANARY);
    assert_eq!(server().received(&format!("{key}-step"))[0].body["secret"], CANARY);
    wait_until("spans at the OTLP receiver", || received.lock().unwrap().spans().len() >= 6);

    // And nowhere else.
    let run_id = run["id"].as_str().unwrap();
    let mut replies: Vec<(String, Value)> = Vec::new();
    for path in [
        "/api/v1/collections".to_string(),
        "/api/v1/collections/secret%20use".into(),
        "/api/v1/monitors".into(),
        "/api/v1/monitors/secret%20watch/status".into(),
        "/api/v1/runs?limit=1000".into(),
        format!("/api/v1/runs/{run_id}"),
        "/api/v1/notifications".into(),
        "/api/v1/definitions".into(),
        "/api/v1/regions".into(),
    ] {
        let (status, reply) = agent.api("GET", &path, None);
        assert_eq!(status, 200, "{path}");
        replies.push((path, reply));
    }
    for (path, reply) in &replies {
        assert!(!reply.to_string().contains(CANARY), "{path}: {reply}");
    }
    // The run's report shows the values masked, the response's echo of them included.
    assert!(replies[5].1.to_string().contains("key=***"), "{}", replies[5].1);
    let (_, metrics) = agent.text("/metrics", Some(TOKEN));
    assert!(!metrics.contains(CANARY), "/metrics");
    let files = Files::new();
    let exported = files
        .skopos(&["export".into(), "out".into(), "--server".into(), agent.base.clone()], &[("SKOPOS_TOKEN", TOKEN)]);
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    for (path, bytes) in files_under(&files.path().join("out")) {
        assert!(!contains(&bytes, CANARY), "export {}", path.display());
    }
    assert!(!received.lock().unwrap().all_text().contains(CANARY), "OTLP");
    drop(agent);
    for (path, bytes) in files_under(data.path()) {
        assert!(!contains(&bytes, CANARY), "{}", path.display());
    }
    assert!(std::fs::read_to_string(log_path(data.path())).unwrap().contains("\"event\":\"alert\""));
}

/// What the agent answers on one raw connection to `request` (read until it closes or goes quiet).
fn raw(agent: &Agent, request: &str) -> String {
    use std::io::{Read, Write};
    let address = agent.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_millis(1500))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    String::from_utf8_lossy(&reply).into_owned()
}

#[test]
fn path_traversal_and_request_smuggling_are_refused() {
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    for path in
        ["/assets/../../../../etc/passwd", "/assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/assets/..%2f..%2fCargo.toml"]
    {
        let reply = raw(&agent, &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        assert!(reply.starts_with("HTTP/1.1 4"), "{path}: {reply}");
        assert!(!reply.contains("root:") && !reply.contains("[workspace]"), "{path}: {reply}");
    }
    // Content-Length and Transfer-Encoding together: one answer, a refusal, and the hidden
    // second request is never served.
    let smuggled = format!(
        "POST /api/v1/collections HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nDELETE /api/v1/collections/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
    );
    let reply = raw(&agent, &smuggled);
    assert_eq!(reply.matches("HTTP/1.1 ").count(), 1, "{reply}");
    assert!(reply.starts_with("HTTP/1.1 4"), "{reply}");
}

#[test]
fn cross_site_requests_are_refused_and_never_readable() {
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    let body = format!(r#"{{"token":"{TOKEN}"}}"#);
    let signed_in = raw(
        &agent,
        &format!(
            "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(signed_in.starts_with("HTTP/1.1 200"), "{signed_in}");
    let cookie = signed_in
        .lines()
        .find_map(|line| line.to_ascii_lowercase().starts_with("set-cookie:").then(|| line[11..].trim().to_string()))
        .unwrap();
    let cookie = cookie.split(';').next().unwrap();

    // A form another site's page submits: the browser sends the cookie (were it not
    // SameSite=Strict), but the page cannot know the CSRF token.
    let form = "name=evil";
    let forged = raw(
        &agent,
        &format!(
            "POST /api/v1/collections HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
            form.len()
        ),
    );
    assert!(forged.starts_with("HTTP/1.1 403"), "{forged}");
    assert!(!forged.contains("HTTP/1.1 201"));
    // Another site's script may not read answers, nor be allowed to send its own headers.
    for request in [
        format!("GET /api/v1/collections HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"),
        "OPTIONS /api/v1/collections HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: x-csrf-token, authorization\r\nConnection: close\r\n\r\n".to_string(),
    ] {
        let reply = raw(&agent, &request);
        assert!(!reply.to_ascii_lowercase().contains("access-control-allow"), "{reply}");
    }
    assert_eq!(agent.api("GET", "/api/v1/collections", None).1, serde_json::json!([]), "nothing was created");
}
