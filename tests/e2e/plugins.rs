//! Wasm assertion plugins built from `plugins/`, loaded by `skopos run --plugins DIR`.

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
