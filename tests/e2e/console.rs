//! The web console in a real headless Chromium (Debian's `chromium`, driven by
//! `playwright-core` from `tests/console`): sign in, list, run with streamed results, a
//! failure with expected against actual, phone width, sign out. Screenshots land in
//! `target/tmp/console-screenshots`.

use std::process::Command;

use serde_json::json;

use crate::agent::Agent;
use crate::{server, unique};

#[test]
fn the_console_signs_in_lists_runs_and_signs_out_in_a_real_browser() {
    let key = unique("console");
    server().set_status(&key, 503);
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    let step = |name: &str, path: &str| {
        json!({"name": name, "request": {"url": format!("{}{path}", server().base())},
               "assert": [{"source": "status", "op": "eq", "value": 200}, {"source": "latency", "op": "lt", "value": 5000}]})
    };
    let checkout = json!({"name": "checkout", "steps": [step("home", "/slow/50"), step("again", "/slow/50")]});
    let broken = json!({"name": "broken", "steps": [step("home", "/slow/10"), step("pay", &format!("/switch/{key}"))]});
    for collection in [checkout, broken] {
        assert_eq!(agent.api("POST", "/api/v1/collections", Some(collection)).0, 201);
    }
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/console");
    assert!(
        folder.join("node_modules/playwright-core").is_dir(),
        "run `npm ci --prefix tests/console` first (the README's test command does)"
    );
    let output = Command::new("node")
        .arg(folder.join("console.mjs"))
        .args([&agent.base, crate::agent::TOKEN, shots.to_str().unwrap()])
        .output()
        .expect("node runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the browser test failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("\"ok\":true"), "{stdout}");
    for page in ["sign-in", "collections", "run-passed", "run-failed", "collections-phone"] {
        assert!(shots.join(format!("{page}.png")).is_file(), "no screenshot of {page}");
    }
}
