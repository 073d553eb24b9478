//! The `scripts` scenario of the run bench (issue 21): Postman scripts run as written.
//!
//! - The same Postman collection, run by Newman and, imported with `skopos import postman`
//!   (which carries its scripts over as scripts), by `skopos run`, against the same local
//!   server: CPU time (user+sys) per scripted request, each the best of 3 runs. Each request has a pre-request script
//!   that signs its URL with an HMAC, and a test script with a test per item in a loop.
//! - Hostile scripts, each alone in a collection: an endless loop, a memory bomb and endless
//!   recursion: how long `skopos run` takes to stop each, and the reason it gives.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::tools::{import, tool};
use crate::{best_of, measure, skopos};

const REQUESTS: usize = 200;

pub fn scripts_scenario(dir: &Path, server: SocketAddr) {
    let folder = dir.join("scripts");
    std::fs::create_dir_all(&folder).unwrap();
    let postman = folder.join("scripted.postman.json");
    std::fs::write(&postman, scripted(server, REQUESTS)).unwrap();
    import(&postman, &folder.join("scripted"));
    let imported = std::fs::read_dir(folder.join("scripted")).unwrap().flatten().next().unwrap().path();
    assert!(
        std::fs::read_to_string(&imported).unwrap().contains("CryptoJS.HmacSHA256"),
        "the scripts are carried over"
    );
    let ours =
        best_of(3, || measure(Command::new(skopos()).arg("run").arg(folder.join("scripted")).arg("-q"), REQUESTS));
    ours.print("scripts", "skopos run (imported, scripts in the javascript plugin)");
    if let Some(newman) = tool("newman") {
        let theirs = best_of(3, || {
            measure(Command::new(&newman).arg("run").arg(&postman).args(["--reporters", "cli"]), REQUESTS)
        });
        theirs.print("scripts", "newman run");
        println!(
            "scripts: CPU per scripted request: skopos {:.0} µs, newman {:.0} µs: skopos uses {:.3} of newman's",
            ours.cpu / REQUESTS as f64 * 1e6,
            theirs.cpu / REQUESTS as f64 * 1e6,
            ours.cpu / theirs.cpu
        );
    }
    for (name, code) in [
        ("endless loop", "while (true) {}"),
        ("memory bomb", "let parts = ['x']; while (true) { parts = parts.concat(parts); }"),
        ("endless recursion", "function deeper(n) { return deeper(n + 1) + 1; } deeper(0);"),
    ] {
        hostile(&folder, server, name, code);
    }
}

/// Runs one step whose after-response script is `code`: the time until the run ends, and
/// the reason the report gives.
fn hostile(folder: &Path, server: SocketAddr, name: &str, code: &str) {
    let file = folder.join(format!("{}.yaml", name.replace(' ', "-")));
    let collection = format!(
        "name: {name}\nsteps:\n  - name: hostile\n    request: {{ url: \"http://{server}/item/0\" }}\n    script:\n      after: |\n        {code}\n"
    );
    std::fs::write(&file, collection).unwrap();
    let report = folder.join("report.json");
    let start = Instant::now();
    let output = Command::new(skopos()).arg("run").arg(&file).arg("-q").arg("--json").arg(&report).output().unwrap();
    let wall = start.elapsed().as_secs_f64();
    assert_eq!(output.status.code(), Some(1), "{name}: {}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let reason = report["collections"][0]["steps"][0]["assertions"][0]["message"].as_str().unwrap_or("").to_string();
    println!("scripts hostile: {name}: stopped, the run took {wall:.2} s: {reason}");
}

/// `requests` requests, each signed by a pre-request script and checked by a test script
/// with a loop: what the static translation cannot follow.
fn scripted(server: SocketAddr, requests: usize) -> String {
    let items: Vec<serde_json::Value> = (1..=requests)
        .map(|step| {
            serde_json::json!({
                "name": format!("step {step}"),
                "request": {"method": "GET", "url": format!("http://{server}/item/{step}")},
                "event": [
                    {"listen": "prerequest", "script": {"exec": [
                        "const signature = CryptoJS.HmacSHA256(pm.request.url.toString(), 'bench-key').toString();",
                        "pm.request.headers.add({ key: 'X-Signature', value: signature });"
                    ]}},
                    {"listen": "test", "script": {"exec": [
                        "pm.test('status', () => pm.response.to.have.status(200));",
                        "const body = pm.response.json();",
                        "_.each(body.items, (item, i) => pm.test('item ' + i, () => pm.expect(item.qty).to.be.above(0)));",
                        "pm.collectionVariables.set('last', body.id);"
                    ]}}
                ]
            })
        })
        .collect();
    serde_json::json!({
        "info": {"name": "scripted", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": items
    })
    .to_string()
}
