//! Wasm assertion plugins built from `plugins/`, loaded by `skopos run --plugins DIR`.

use serde_json::json;

use crate::agent::Agent;
use crate::{Files, server};

#[test]
fn a_wasm_assertion_plugin_judges_a_step() {
    let files = Files::new();
    let plugins = files.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    std::fs::copy(
        skopos::plugins::first_party_plugins().unwrap().join("jwt_expiry.wasm"),
        plugins.join("jwt_expiry.wasm"),
    )
    .unwrap();
    files.write(
        "token.yaml",
        &format!(
            "name: token\nsteps:\n  - request: {{ url: '{}/jwt/3600' }}\n    assert:\n      - {{ source: body, op: plugin, plugin: jwt-expiry, value: {{ from: body.access_token, min_valid_seconds: 60, claims: {{ iss: e2e }} }} }}\n      - {{ source: body, op: plugin, plugin: jwt-expiry, value: {{ from: body.access_token, min_valid_seconds: 7200 }} }}\n      - {{ source: body, op: plugin, plugin: nope }}\n",
            server().base()
        ),
    );
    let outcome = files.run(&["token.yaml", "--plugins", "plugins"], &[]);
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert!(outcome.stderr.contains("loaded assertion plugin `jwt-expiry` 0.1.0"), "{}", outcome.stderr);
    let assertions = &outcome.step(0, 0)["assertions"];
    assert_eq!(assertions[0]["passed"], true, "{assertions}");
    assert_eq!(assertions[0]["actual"]["claims"]["iss"], "e2e");
    assert_eq!(assertions[1]["passed"], false);
    let message = assertions[1]["message"].as_str().unwrap();
    assert!(message.contains("wanted at least 7200 s"), "{message}");
    assert_eq!(
        assertions[2]["message"],
        "plugin `nope` failed: no assertion plugin named `nope` is loaded (loaded: jwt-expiry)"
    );

    let missing = files.run(&["token.yaml", "--plugins", "no-such-folder"], &[]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
}

#[test]
fn the_agent_lists_its_plugins_and_runs_them() {
    let data = tempfile::tempdir().unwrap();
    let plugins = tempfile::tempdir().unwrap();
    std::fs::copy(
        skopos::plugins::first_party_plugins().unwrap().join("jwt_expiry.wasm"),
        plugins.path().join("jwt.wasm"),
    )
    .unwrap();
    let agent = Agent::start_with(data.path(), &["--plugins", plugins.path().to_str().unwrap()], &[]);
    let collection = json!({"name": "token", "steps": [{"request": {"url": format!("{}/jwt/30", server().base())},
        "assert": [{"source": "body", "op": "plugin", "plugin": "jwt-expiry",
                    "value": {"from": "body.access_token", "min_valid_seconds": 300}}]}]});
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(collection)).0, 201);
    let (_, run) = agent.api("POST", "/api/v1/collections/token/run", None);
    let assertion = &run["report"]["steps"][0]["assertions"][0];
    assert_eq!(run["status"], "failed", "{run}");
    assert!(assertion["message"].as_str().unwrap().contains("wanted at least 300 s"), "{assertion}");
    let (status, listed) = agent.api("GET", "/api/v1/plugins", None);
    assert_eq!(status, 200);
    let plugin = &listed["plugins"][0];
    assert_eq!((plugin["name"].as_str(), plugin["kind"].as_str()), (Some("jwt-expiry"), Some("assertion")), "{listed}");
    assert_eq!((plugin["calls"].as_u64(), plugin["errors"].as_u64()), (Some(1), Some(0)));
    assert_eq!(plugin["config_schema"]["required"], json!(["from"]));
}
