//! The host against real components built from `plugins/` (the first build takes a while;
//! later ones are cached in `plugins/target`).

use bytes::Bytes;
use http::HeaderMap;
use serde_json::json;
use wasmtime::component::Component;

use super::*;
use skopos_core::alert::AlertEvent;
use skopos_core::assert::AssertionPlugins;
use skopos_core::response::Response;

/// A host with the built-in plugins and, from `plugins/fixtures`, each `(file stem, manifest)`.
pub(crate) async fn host(fixtures: &[(&str, &str)], limits: Limits) -> (PluginHost, Vec<String>) {
    let mut sources = embedded().unwrap();
    for (stem, manifest) in fixtures {
        let file = built_plugins().join(format!("{stem}.wasm"));
        let manifest = Manifest::parse(Path::new("fixture.yaml"), manifest).unwrap();
        sources.push(PluginPackage::new(file.display().to_string(), std::fs::read(&file).unwrap(), manifest));
    }
    let cache = std::env::temp_dir().join("skopos-unit-plugin-cache");
    let mut host =
        PluginHost::new(HostOptions { limits, cache_dir: Some(cache), mailer: None, telemetry: None }).unwrap();
    let problems = host.add_all(sources).await.into_iter().filter_map(Result::err).map(|e| e.to_string()).collect();
    (host, problems)
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

#[tokio::test]
async fn the_built_in_plugins_load_with_their_manifests() {
    let (host, problems) = host(&[], Limits::default()).await;
    assert!(problems.is_empty(), "{problems:?}");
    let info: Vec<_> = host.plugins().map(|p| (p.name.as_str(), p.kind.as_str(), p.source.as_str())).collect();
    let built_in = |name, kind| (name, kind, "built-in");
    assert_eq!(
        info,
        [
            built_in("json-schema", "assertion"),
            built_in("jwt-expiry", "assertion"),
            built_in("alertmanager", "notifier"),
            built_in("discord", "notifier"),
            built_in("email", "notifier"),
            built_in("google-chat", "notifier"),
            built_in("gotify", "notifier"),
            built_in("grafana-oncall", "notifier"),
            built_in("matrix", "notifier"),
            built_in("mattermost", "notifier"),
            built_in("ntfy", "notifier"),
            built_in("opsgenie", "notifier"),
            built_in("pagerduty", "notifier"),
            built_in("pushover", "notifier"),
            built_in("rocketchat", "notifier"),
            built_in("slack", "notifier"),
            built_in("splunk-oncall", "notifier"),
            built_in("teams", "notifier"),
            built_in("telegram", "notifier"),
            built_in("twilio", "notifier"),
            built_in("webex", "notifier"),
            built_in("webhook", "notifier"),
            built_in("zulip", "notifier"),
            built_in("dns", "probe"),
            built_in("postgres", "probe"),
            built_in("redis", "probe"),
            built_in("smtp", "probe"),
            built_in("tcp", "probe"),
            built_in("tls", "probe"),
            built_in("javascript", "script"),
        ]
    );
    let slack = host.plugins().find(|p| p.name == "slack").unwrap();
    assert_eq!(slack.capabilities.http.as_deref(), Some(&["hooks.slack.com".to_string()][..]));
    assert_eq!(slack.config_schema["required"], json!(["webhook_url"]));
    let email = host.plugins().find(|p| p.name == "email").unwrap();
    assert_eq!((email.capabilities.email, email.capabilities.http.is_none()), (true, true));
}

#[tokio::test]
async fn a_jwt_plugin_judges_expiry_and_claims() {
    let (host, _) = host(&[], Limits::default()).await;

    let value = json!({"from": "body.auth.token", "min_valid_seconds": 300, "claims": {"iss": "id.example"}});
    let fresh = response(json!({"auth": {"token": jwt(json!({"exp": now() + 3600, "iss": "id.example"}))}}));
    let verdict = host.evaluate("jwt-expiry", Some(&value), &fresh).await.unwrap();
    assert!(verdict.passed, "{verdict:?}");
    assert_eq!(verdict.actual.unwrap()["claims"]["iss"], "id.example");

    let soon = response(json!({"auth": {"token": jwt(json!({"exp": now() + 60, "iss": "id.example"}))}}));
    let verdict = host.evaluate("jwt-expiry", Some(&value), &soon).await.unwrap();
    assert!(!verdict.passed);
    let message = verdict.message.unwrap();
    assert!(message.starts_with("the token expires in") && message.ends_with("wanted at least 300 s"), "{message}");

    let other = response(json!({"auth": {"token": jwt(json!({"exp": now() + 3600, "iss": "evil"}))}}));
    let verdict = host.evaluate("jwt-expiry", Some(&value), &other).await.unwrap();
    assert_eq!(verdict.message.as_deref(), Some(r#"claim `iss` is "evil", wanted "id.example""#));

    let verdict = host.evaluate("jwt-expiry", Some(&value), &response(json!({"auth": {}}))).await.unwrap();
    assert_eq!(verdict.message.as_deref(), Some("no token at `body.auth.token`"));
    let error = host.evaluate("jwt-expiry", Some(&json!({"min_valid_seconds": 1})), &fresh).await.unwrap_err();
    assert!(error.starts_with("value.from"), "{error}");
    let error = host.evaluate("jwt", Some(&value), &fresh).await.unwrap_err();
    assert_eq!(error, "no assertion plugin named `jwt` is loaded (loaded: json-schema, jwt-expiry)");
}

#[tokio::test]
async fn a_plugin_that_loops_hoards_memory_or_panics_fails_alone() {
    let limits = Limits { deadline: Duration::from_millis(300), memory_bytes: 16 << 20, ..Limits::default() };
    let (host, problems) = host(&[("misbehaving", "kind: assertion\nversion: 0.1.0\n")], limits).await;
    assert!(problems.is_empty(), "{problems:?}");
    let body = response(json!({}));
    let evaluate = |mode: &'static str| {
        let (host, body) = (&host, &body);
        async move { host.evaluate("misbehaving", Some(&json!(mode)), body).await }
    };

    let started = std::time::Instant::now();
    assert_eq!(evaluate("loop").await.unwrap_err(), "did not finish within 300 ms");
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    let error = evaluate("oom").await.unwrap_err();
    assert!(error.starts_with("crashed"), "{error}");
    let error = evaluate("panic").await.unwrap_err();
    assert!(error.starts_with("crashed"), "{error}");
    // Nothing of the host is visible from inside: no environment, files or sockets.
    let seen = evaluate("env").await.unwrap().actual.unwrap();
    assert_eq!(seen, json!({"vars": "0", "root": "false", "etc_passwd": "false", "tcp": "false"}));
    let status = host.status();
    let misbehaving = status.iter().find(|s| s.info.name == "misbehaving").unwrap();
    assert_eq!((misbehaving.health.calls, misbehaving.health.errors), (4, 3));
    assert!(misbehaving.health.last_error.as_deref().unwrap().starts_with("crashed"));
    // And the plugin, and the others, still work.
    assert!(evaluate("fine").await.unwrap().passed);
    let value = json!({"from": "body.token"});
    assert!(host.evaluate("jwt-expiry", Some(&value), &body).await.is_ok());
}

#[tokio::test]
async fn json_schema_validates_the_body_or_a_part_of_it() {
    let (host, _) = host(&[], Limits::default()).await;
    let schema = json!({"schema": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}});
    let good = host.evaluate("json-schema", Some(&schema), &response(json!({"id": 7}))).await.unwrap();
    assert!(good.passed, "{good:?}");
    let bad = host.evaluate("json-schema", Some(&schema), &response(json!({"id": "x"}))).await.unwrap();
    assert!(!bad.passed);
    assert_eq!(bad.message.as_deref(), Some(r#"/id: "x" is not of type "integer""#));
    let items = json!({"pointer": "/items", "schema": {"type": "array", "items": {"type": "integer"}}});
    let found =
        host.evaluate("json-schema", Some(&items), &response(json!({"items": [1, "a", 3, "b"]}))).await.unwrap();
    assert_eq!(found.message.as_deref(), Some(r#"/1: "a" is not of type "integer"; /3: "b" is not of type "integer""#));
    assert_eq!(found.actual, Some(json!("2 errors")));
    let error =
        host.evaluate("json-schema", Some(&json!({"schema": {"type": 12}})), &response(json!({}))).await.unwrap_err();
    assert!(error.starts_with("value.schema:"), "{error}");
}

fn alert() -> AlertEvent {
    use skopos_core::alert::Transition;
    AlertEvent {
        monitor_id: "m1".into(),
        monitor: "shop".into(),
        collection_id: "c1".into(),
        region: Some("eu".into()),
        failing_regions: Vec::new(),
        tags: vec!["tier-1".into()],
        collection: "checkout".into(),
        transition: Transition::Failing { since: chrono::Utc::now() },
        run_id: "r1".into(),
        run_started_at: chrono::Utc::now(),
        failure: None,
    }
}

#[tokio::test]
async fn a_notifier_gets_only_what_its_manifest_grants() {
    let limits = Limits { delivery_deadline: Duration::from_millis(500), ..Limits::default() };
    let (host, problems) =
        host(&[("rogue_notifier", "kind: notifier\nversion: 0.1.0\ncapabilities: { http: [] }\n")], limits).await;
    assert!(problems.is_empty(), "{problems:?}");
    // A server the plugin is not allowed to reach: no connection is even attempted.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let target = format!("http://{}/steal", listener.local_addr().unwrap());
    let attempt = |settings: serde_json::Value| {
        let host = &host;
        async move { host.deliver("rogue", &alert(), settings.as_object().unwrap(), None, None).await }
    };
    let refused = attempt(json!({"try": "fetch", "target": target})).await.unwrap_err();
    assert!(refused.message.contains("refused by the host"), "{refused:?}");
    assert!(!refused.retry);
    assert!(listener.accept().is_err(), "the plugin reached an unlisted host");
    // Its own `url` setting is reachable (the listener accepts, though it never answers).
    let own = attempt(json!({"try": "fetch", "target": target, "url": target})).await.unwrap_err();
    assert!(own.message.contains("did not finish within 500 ms"), "{own:?}");
    assert!(listener.accept().is_ok(), "the configured url was not reached");

    let file = attempt(json!({"try": "file"})).await.unwrap_err();
    assert!(file.message.starts_with("cannot read /etc/passwd"), "{file:?}");
    let env = attempt(json!({"try": "env"})).await.unwrap_err();
    assert_eq!(env.message, "environment: 0 variables []");
    let email = attempt(json!({"try": "email"})).await.unwrap_err();
    assert_eq!(email.message, "this plugin's manifest does not grant the `email` capability");
    let started = std::time::Instant::now();
    let looping = attempt(json!({"try": "loop"})).await.unwrap_err();
    assert_eq!(looping.message, "did not finish within 500 ms");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(attempt(json!({"try": "nothing"})).await.is_ok());
    let rogue = host.status().into_iter().find(|s| s.info.name == "rogue").unwrap();
    assert_eq!((rogue.health.calls, rogue.health.errors), (7, 6));
}

#[tokio::test]
async fn bad_plugins_and_manifests_are_left_out_with_the_reason() {
    let manifest = |text: &str| Manifest::parse(Path::new("m.yaml"), text).unwrap();
    let jwt = std::fs::read(built_plugins().join("jwt_expiry.wasm")).unwrap();
    let source = |origin: &str, wasm: &[u8], text: &str| PluginPackage::new(origin, wasm.to_vec(), manifest(text));
    let mut host = PluginHost::new(HostOptions::default()).unwrap();
    let outcomes = host
        .add_all(vec![
            source("broken.wasm", b"\0asm not really", "kind: assertion\nversion: 0.1.0\n"),
            source("wrong-kind.wasm", &jwt, "kind: notifier\nversion: 0.1.0\n"),
            source("wrong-version.wasm", &jwt, "kind: assertion\nversion: 2.0.0\n"),
            source("jwt.wasm", &jwt, "kind: assertion\nversion: 0.1.0\n"),
            source("again.wasm", &jwt, "kind: assertion\nversion: 0.1.0\n"),
        ])
        .await;
    let said: Vec<String> = outcomes
        .iter()
        .map(|outcome| match outcome {
            Ok((info, added)) => format!("{} {added:?}", info.name),
            Err(error) => error.to_string(),
        })
        .collect();
    assert!(said[0].starts_with("plugin broken.wasm: not a component"), "{}", said[0]);
    assert!(said[1].starts_with("plugin wrong-kind.wasm: not a notifier plugin"), "{}", said[1]);
    assert_eq!(said[2], "plugin wrong-version.wasm: the manifest says version 2.0.0, the plugin says 0.1.0");
    assert_eq!(said[3], "jwt-expiry New");
    assert_eq!(said[4], "jwt-expiry Replaced(\"jwt.wasm\")");
    let missing = PluginHost::sources_in(Path::new("no-such-folder")).err().unwrap();
    assert!(missing.to_string().starts_with("plugin no-such-folder:"), "{missing}");
}

#[test]
fn compiled_plugins_and_their_descriptions_are_cached_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::default();
    let wasm = std::fs::read(built_plugins().join("jwt_expiry.wasm")).unwrap();
    let entry = || cache::Entry::new(&engine, &cache::digest(&wasm), Some(dir.path()));
    assert!(!entry().component(&engine, &wasm).unwrap().1);
    assert!(entry().component(&engine, &wasm).unwrap().1);
    assert!(entry().described().is_none());
    entry().remember(&Described { name: "jwt-expiry".into(), version: "0.1.0".into(), config_schema: "{}".into() });
    assert_eq!(entry().described().unwrap().name, "jwt-expiry");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    // Another component is another entry.
    let other = std::fs::read(built_plugins().join("misbehaving.wasm")).unwrap();
    let other_entry = cache::Entry::new(&engine, &cache::digest(&other), Some(dir.path()));
    assert!(!other_entry.component(&engine, &other).unwrap().1);
    assert!(other_entry.described().is_none());
    // A damaged entry is compiled again, not trusted.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        std::fs::write(entry.unwrap().path(), b"garbage").unwrap();
    }
    assert!(!entry().component(&engine, &wasm).unwrap().1);
    assert!(entry().described().is_none());
}

/// Plugins built against the frozen 0.1.0, 0.2.0 and 0.3.0 contracts (`wit/0.1.0`, ...,
/// without the SDK) keep loading and working beside the built-in plugins, which the SDK
/// builds against 0.4.0: each is called in its own version, the newest types converted into
/// its own at the edge.
#[tokio::test]
async fn plugins_built_against_older_contracts_keep_working_beside_0_4_0_ones() {
    use contract::Version;
    let fixtures = [
        ("contract_0_1_0", "kind: assertion\nversion: 0.1.0\n"),
        ("contract_0_1_0_notifier", "kind: notifier\nversion: 0.1.0\n"),
        ("contract_0_2_0", "kind: assertion\nversion: 0.1.0\n"),
    ];
    let (host, problems) = host(&fixtures, Limits::default()).await;
    assert!(problems.is_empty(), "{problems:?}");
    let contract = |name: &str| host.plugins().find(|p| p.name == name).unwrap().contract;
    assert_eq!(contract("contract-0-1-0"), Version::V0_1_0);
    assert_eq!(contract("contract-0-1-0-notifier"), Version::V0_1_0);
    assert_eq!(contract("contract-0-2-0"), Version::V0_2_0);
    for built_in in ["json-schema", "jwt-expiry", "slack", "email", "tcp"] {
        assert_eq!(contract(built_in), Version::V0_4_0, "{built_in}");
        let wasm = std::fs::read(built_plugins().join(format!("{}.wasm", built_in.replace('-', "_")))).unwrap();
        let stamp = b"skopos:plugin-version0.4.0";
        assert!(wasm.windows(stamp.len()).any(|w| w == stamp), "{built_in} carries no contract stamp");
    }

    let body = response(json!({"status": "ok"}));
    let found = host.evaluate("contract-0-1-0", Some(&json!("ok")), &body).await.unwrap();
    assert_eq!((found.passed, found.actual), (true, Some(json!(200))));
    let missed = host.evaluate("contract-0-1-0", Some(&json!("gone")), &body).await.unwrap();
    assert!(!missed.passed);
    assert_eq!(missed.message.as_deref(), Some("the body does not contain `gone`"));
    // 0.2.0's certificate reaches a 0.2.0 plugin.
    let mut secure = response(json!({}));
    secure.certificate = Some(skopos_core::response::CertificateInfo {
        subject: "CN=api.example.com".into(),
        issuer: "CN=Test CA".into(),
        sans: vec!["api.example.com".into()],
        not_after_unix: now() + 86_400,
    });
    let seen = host.evaluate("contract-0-2-0", Some(&json!("api.example")), &secure).await.unwrap();
    assert_eq!((seen.passed, seen.actual), (true, Some(json!("CN=api.example.com"))));
    let plain = host.evaluate("contract-0-2-0", Some(&json!("api.example")), &body).await.unwrap();
    assert_eq!((plain.passed, plain.actual), (false, Some(json!(null))));

    // The 0.4.0 plugins alongside still judge as before.
    let token = response(json!({"token": jwt(json!({"exp": now() + 3600}))}));
    let settings = json!({"from": "body.token", "min_valid_seconds": 60});
    assert!(host.evaluate("jwt-expiry", Some(&settings), &token).await.unwrap().passed);

    let event = alert();
    let echoed =
        host.deliver("contract-0-1-0-notifier", &event, &serde_json::Map::new(), None, None).await.unwrap_err();
    let since = match event.transition {
        skopos_core::alert::Transition::Failing { since } => since.to_rfc3339(),
        _ => unreachable!(),
    };
    assert_eq!(
        echoed.message,
        format!("Transition::Failing shop / checkout in eu since {since} (): {}", event.summary())
    );
    assert!(echoed.retry);
    // 0.1.0 has neither `degraded` nor custom text: a degraded alert arrives as failing,
    // and a template's text as the summary.
    let mut degraded = alert();
    degraded.transition = skopos_core::alert::Transition::Degraded { since: chrono::Utc::now() };
    let custom = skopos_core::alert::MessageText { title: "t".into(), text: "shop is slow".into() };
    let no_settings = serde_json::Map::new();
    let echoed = host.deliver("contract-0-1-0-notifier", &degraded, &no_settings, None, Some(&custom));
    let echoed = echoed.await.unwrap_err().message;
    assert!(
        echoed.starts_with("Transition::Failing shop / checkout") && echoed.ends_with(": shop is slow"),
        "{echoed}"
    );
    let email = json!({"email": true});
    let refused = host.deliver("contract-0-1-0-notifier", &event, email.as_object().unwrap(), None, None).await;
    assert_eq!(refused.unwrap_err().message, "this plugin's manifest does not grant the `email` capability");
}

/// The built-in plugins are precompiled when the binary is built, with the engine settings
/// the agent runs them with: the agent starts with none of them in memory, each maps without
/// compiling (wasmtime accepts the build's code for this engine), and only what is used is
/// mapped.
#[tokio::test]
#[allow(unsafe_code)] // mapping the build's own precompiled code, as `cache::Entry::precompiled` does
async fn built_in_plugins_start_unmapped_and_map_their_precompiled_code_on_first_use() {
    let (host, problems) = host(&[], Limits::default()).await;
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(host.mapped(), 0);
    for package in embedded().unwrap() {
        let precompiled = package.precompiled.expect("built-in plugins are precompiled");
        // SAFETY: the code was made by `precompile_component` when this crate was built.
        let mapped = unsafe { Component::deserialize(&host.engine, precompiled.code) };
        assert!(mapped.is_ok(), "{}: {:?}", precompiled.described.name, mapped.err());
    }
    let token = response(json!({"token": jwt(json!({"exp": now() + 3600}))}));
    let settings = json!({"from": "body.token", "min_valid_seconds": 60});
    assert!(host.evaluate("jwt-expiry", Some(&settings), &token).await.unwrap().passed);
    assert_eq!(host.mapped(), 1);
}
