//! The host against real components built from `plugins/` (the first build takes a while;
//! later ones are cached in `plugins/target`).

use std::path::PathBuf;

use bytes::Bytes;
use http::HeaderMap;
use serde_json::json;

use super::*;

fn built_plugins() -> &'static PathBuf {
    first_party_plugins().unwrap()
}

/// A folder holding copies of the named plugins (and anything else written into it).
fn folder(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in names {
        std::fs::copy(built_plugins().join(format!("{name}.wasm")), dir.path().join(format!("{name}.wasm"))).unwrap();
    }
    dir
}

fn response(body: serde_json::Value) -> Response {
    Response::new(200, HeaderMap::new(), Bytes::from(body.to_string()), Duration::from_millis(12), None)
}

/// `header.payload.signature` with the payload's claims (the signature is not checked).
fn jwt(claims: serde_json::Value) -> String {
    use base64::Engine;
    let encode = |v: &serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!("{}.{}.c2ln", encode(&json!({"alg": "HS256"})), encode(&claims))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[test]
fn a_jwt_plugin_judges_expiry_and_claims() {
    let dir = folder(&["jwt_expiry"]);
    let (host, problems) = PluginHost::load_dir(dir.path(), Limits::default()).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let info: Vec<_> = host.plugins().map(|p| (p.name.as_str(), p.kind)).collect();
    assert_eq!(info, [("jwt-expiry", "assertion")]);

    let value = json!({"from": "body.auth.token", "min_valid_seconds": 300, "claims": {"iss": "id.example"}});
    let fresh = response(json!({"auth": {"token": jwt(json!({"exp": now() + 3600, "iss": "id.example"}))}}));
    let verdict = host.evaluate("jwt-expiry", Some(&value), &fresh).unwrap();
    assert!(verdict.passed, "{verdict:?}");
    assert_eq!(verdict.actual.unwrap()["claims"]["iss"], "id.example");

    let soon = response(json!({"auth": {"token": jwt(json!({"exp": now() + 60, "iss": "id.example"}))}}));
    let verdict = host.evaluate("jwt-expiry", Some(&value), &soon).unwrap();
    assert!(!verdict.passed);
    let message = verdict.message.unwrap();
    assert!(message.starts_with("the token expires in") && message.ends_with("wanted at least 300 s"), "{message}");

    let other = response(json!({"auth": {"token": jwt(json!({"exp": now() + 3600, "iss": "evil"}))}}));
    let verdict = host.evaluate("jwt-expiry", Some(&value), &other).unwrap();
    assert_eq!(verdict.message.as_deref(), Some(r#"claim `iss` is "evil", wanted "id.example""#));

    let verdict = host.evaluate("jwt-expiry", Some(&value), &response(json!({"auth": {}}))).unwrap();
    assert_eq!(verdict.message.as_deref(), Some("no token at `body.auth.token`"));
    let error = host.evaluate("jwt-expiry", Some(&json!({"min_valid_seconds": 1})), &fresh).unwrap_err();
    assert!(error.starts_with("value.from"), "{error}");
    let error = host.evaluate("jwt", Some(&value), &fresh).unwrap_err();
    assert_eq!(error, "no assertion plugin named `jwt` is loaded (loaded: jwt-expiry)");
}

#[test]
fn a_plugin_that_loops_hoards_memory_or_panics_fails_alone() {
    let dir = folder(&["misbehaving", "jwt_expiry"]);
    std::fs::write(dir.path().join("broken.wasm"), b"\0asm not really").unwrap();
    let limits = Limits { deadline: Duration::from_millis(300), memory_bytes: 16 << 20 };
    let (host, problems) = PluginHost::load_dir(dir.path(), limits).unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].to_string().contains("broken.wasm: not a component"), "{}", problems[0]);
    let body = response(json!({}));
    let evaluate = |mode: &str| host.evaluate("misbehaving", Some(&json!(mode)), &body);

    let started = std::time::Instant::now();
    assert_eq!(evaluate("loop").unwrap_err(), "did not finish within 300 ms");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    let error = evaluate("oom").unwrap_err();
    assert!(error.starts_with("crashed"), "{error}");
    let error = evaluate("panic").unwrap_err();
    assert!(error.starts_with("crashed"), "{error}");
    // Nothing of the host is visible from inside: no environment, files or sockets.
    let seen = evaluate("env").unwrap().actual.unwrap();
    assert_eq!(seen, json!({"vars": "0", "root": "false", "etc_passwd": "false", "tcp": "false"}));
    let status = host.status();
    let misbehaving = status.iter().find(|s| s.info.name == "misbehaving").unwrap();
    assert_eq!((misbehaving.health.calls, misbehaving.health.errors), (4, 3));
    assert!(misbehaving.health.last_error.as_deref().unwrap().starts_with("crashed"));
    // And the plugin, and the others, still work.
    assert!(evaluate("fine").unwrap().passed);
    let value = json!({"from": "body.token"});
    assert!(host.evaluate("jwt-expiry", Some(&value), &body).is_ok());
}
