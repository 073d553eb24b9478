//! Hurl's own integration tests (`integration/hurl/` of Orange-OpenSource/hurl, read from the
//! folder `SKOPOS_HURL_SUITE` names: the peers' files are not copied into this repository)
//! imported and run against a stand-in for Hurl's Flask test server, written here: every
//! `tests_ok` case passes with every check that was carried over, every `tests_failed` case
//! fails, and each check left out has a note naming its line. Run on demand:
//!
//! ```sh
//! SKOPOS_HURL_SUITE=path/to/hurl/integration/hurl \
//!   cargo test -p skopos --test e2e hurls -- --ignored --nocapture
//! ```

use std::net::SocketAddr;
use std::path::Path;
use std::sync::OnceLock;

use skopos_test_support::{Reply, reply, serve};

use crate::{Files, Outcome};

const ASSERT_JSON: &str = r#"{
  "count": 5,
  "success": false,
  "errors": [{"id":"error1"},{"id":"error2"}],
  "failures": [{"id":"failure1"}],
  "warnings": [],
  "message": "Bob says \"Hello\"",
  "duration": 1.5,
  "tags": ["test"],
  "nullable": null,
  "profile-id": "123abc",
  "dates": [
    "2022-10-31T09:00:00.594Z",
    "2024-03-20T11:23:56.773+02:00"
  ],
  "uuid": "01cc0f54-8885-4a1d-9121-ae5d316a33c5",
  "empty": {}
}"#;

/// The routes of Hurl's Flask app that the cases here call, answered as Flask does.
async fn hurl_routes(request: http::Request<bytes::Bytes>) -> Reply {
    const JSON: &str = "application/json";
    const HTML: &str = "text/html; charset=utf-8";
    match request.uri().path() {
        "/assert-status-code" => reply(201, HTML, ""),
        "/assert-json" => reply(200, JSON, ASSERT_JSON),
        "/assert-json/index" => reply(200, HTML, "1"),
        "/assert-json/list" => {
            reply(200, JSON, "[\n  { \"id\": 1, \"name\": \"Bob\"},\n  { \"id\": 2, \"name\": \"Bill\"}\n]")
        }
        "/assert-json/list-in-list" => {
            reply(200, JSON, "{\n    \"list\": [1, 2, 3],\n    \"list_in_list\": [[1, 2, 3]]\n}")
        }
        _ => reply(404, HTML, "<!doctype html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"),
    }
}

fn hurl_server() -> SocketAddr {
    static ADDRESS: OnceLock<SocketAddr> = OnceLock::new();
    *ADDRESS.get_or_init(|| serve(hurl_routes))
}

/// Imports one case, pointed at the stand-in server, and runs it.
fn import_and_run(case: &str) -> (Outcome, Outcome) {
    let suite = std::env::var_os("SKOPOS_HURL_SUITE").expect("SKOPOS_HURL_SUITE: Hurl's integration/hurl folder");
    let source = Path::new(&suite).join(case);
    let text = std::fs::read_to_string(&source).unwrap();
    let files = Files::new();
    let name = Path::new(case).file_name().unwrap().to_str().unwrap();
    files.write(name, &text.replace("http://localhost:8000", &format!("http://{}", hurl_server())));
    let imported = files.skopos(&["import".into(), "hurl".into(), name.into(), "-o".into(), "imported".into()], &[]);
    assert_eq!(imported.code, 0, "{case}: {}{}", imported.stdout, imported.stderr);
    let run = files.run(&["imported"], &[]);
    (imported, run)
}

/// Every assertion of every step, with whether it passed.
fn verdicts(run: &Outcome) -> Vec<(String, bool)> {
    let steps = run.report["collections"][0]["steps"].as_array().cloned().unwrap_or_default();
    let mut all = Vec::new();
    for step in steps {
        for assertion in step["assertions"].as_array().into_iter().flatten() {
            all.push((format!("{} {}", step["name"], assertion), assertion["passed"] == true));
        }
    }
    all
}

#[test]
#[ignore = "needs Hurl's suite: SKOPOS_HURL_SUITE=path/to/hurl/integration/hurl"]
fn hurls_passing_cases_pass_with_every_check_carried_over() {
    // (case, steps, checks carried over at least)
    for (case, steps, carried) in [("tests_ok/assert_status_code.hurl", 4, 5), ("tests_ok/assert_json.hurl", 5, 47)] {
        let (imported, run) = import_and_run(case);
        let verdicts = verdicts(&run);
        let failed: Vec<&String> = verdicts.iter().filter(|(_, passed)| !passed).map(|(what, _)| what).collect();
        assert!(failed.is_empty(), "{case}: these carried-over checks fail:\n{failed:#?}\n{}", imported.stdout);
        assert_eq!(run.code, 0, "{case}: {}{}", run.stdout, run.stderr);
        assert_eq!(run.report["collections"][0]["steps"].as_array().map(Vec::len), Some(steps), "{case}");
        assert!(verdicts.len() >= carried, "{case}: {} checks carried over\n{}", verdicts.len(), imported.stdout);
        for note in imported.stdout.lines().filter(|line| line.starts_with("  - step")) {
            assert!(note.contains(" line "), "{case}: a note without its line: {note}");
        }
    }
}

/// Hurl's `tests_failed` cases here.
const FAILING: &[&str] = &["tests_failed/assert_status.hurl"];

#[test]
#[ignore = "needs Hurl's suite: SKOPOS_HURL_SUITE=path/to/hurl/integration/hurl"]
fn hurls_failing_cases_fail() {
    for case in FAILING {
        let (imported, run) = import_and_run(case);
        assert_eq!(run.code, 1, "{case}: {}{}\n{}", run.stdout, run.stderr, imported.stdout);
        assert!(verdicts(&run).iter().any(|(_, passed)| !passed), "{case}: {}", run.stdout);
    }
}
