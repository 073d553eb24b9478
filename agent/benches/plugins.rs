//! `cargo bench -p skopos --bench plugins`: the Wasm plugin host against its targets.
//!
//! Scenarios:
//! - `call`: one assertion-plugin call as the runner makes it, 20,000 times on one thread:
//!   the near-empty `misbehaving` fixture (`value: fine`) and `jwt-expiry` (contract 0.4.0: a
//!   check on the kept instance that prepared the value), and the `contract-0-1-0` fixture (a
//!   fresh instance from the `InstancePre` with the pooling allocator, the call, teardown).
//! - `startup`: `skopos serve` with the built-in plugins (precompiled at build time) and 2
//!   from `--plugins`, spawn to listening, with an empty compiled-plugin cache (cold: the two
//!   are compiled) and with it filled.
//! - `json-schema`: checks per second of one schema against a 2 KB body: the `json-schema`
//!   plugin, and the same validation natively with the `jsonschema` crate.
//! - `first-use`: a new host registering the built-in plugins (precompiled at build time),
//!   then the first call of a plugin (mapping its code, linking, calling) against later ones.
//! - `script`: calls of the `javascript` script plugin as the engine makes them, 2,000 times
//!   each on the collection's kept instance: an empty script (the sandbox's own cost), a
//!   before-request script that signs the request, an after-response script with tests in a
//!   loop; and the first call (the instance made, its sandbox loaded).
//!
//! Pass names to run only some: `cargo bench -p skopos --bench plugins -- call`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use skopos_core::assert::AssertionPlugins;
use skopos_core::response::Response;
use skopos_plugin_host::{HostOptions, Manifest, PluginHost, PluginPackage, built_plugins, embedded};

use common::{machine, skopos};

fn main() {
    let wanted: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let runs = |name: &str| wanted.is_empty() || wanted.iter().any(|w| w == name);
    println!("machine: {}", machine());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let host = runtime.block_on(host());
    if runs("call") {
        runtime.block_on(calls(&host));
    }
    if runs("startup") {
        startup();
    }
    if runs("json-schema") {
        runtime.block_on(json_schema(&host));
    }
    if runs("first-use") {
        runtime.block_on(first_use());
    }
    if runs("script") {
        runtime.block_on(scripts(&host));
    }
}

/// The `javascript` plugin's calls: the first (instance and sandbox made), then later ones.
async fn scripts(host: &PluginHost) {
    use skopos_core::script::{Phase, ScriptCall, ScriptPlugins, ScriptRequest, ScriptResponse, Source};
    let call = |phase: Phase, code: &str| ScriptCall {
        phase,
        scripts: vec![Source { name: "step 1".into(), code: code.into() }],
        request: ScriptRequest {
            method: "GET".into(),
            url: "http://127.0.0.1:9/item/1".into(),
            headers: vec![("accept".into(), "*/*".into())],
            body: None,
        },
        response: (phase == Phase::AfterResponse).then(|| ScriptResponse {
            status: 200,
            reason: "OK".into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: r#"{"id":1,"token":"abc","items":[{"qty":2}]}"#.into(),
            time_ms: 1.0,
        }),
        scopes: Default::default(),
        collection: "bench".into(),
        step: "step 1".into(),
        hosts: Vec::new(),
    };
    let before = "const signature = CryptoJS.HmacSHA256(pm.request.url.toString(), 'bench-key').toString();\n\
                  pm.request.headers.add({ key: 'X-Signature', value: signature });";
    let after = "pm.test('status', () => pm.response.to.have.status(200));\nconst body = pm.response.json();\n\
                 _.each(body.items, (item, i) => pm.test('item ' + i, () => pm.expect(item.qty).to.be.above(0)));\n\
                 pm.collectionVariables.set('last', body.id);";
    let started = Instant::now();
    host.run_scripts("javascript", "first", call(Phase::AfterResponse, after)).await.unwrap();
    println!("script: first call (instance made, sandbox loaded): {:.1} ms", started.elapsed().as_secs_f64() * 1000.0);
    let cases = [
        ("an empty script (the sandbox's own cost)", Phase::AfterResponse, "// nothing"),
        ("before-request (HMAC signing)", Phase::BeforeRequest, before),
        ("after-response (tests in a loop)", Phase::AfterResponse, after),
    ];
    for (label, phase, code) in cases {
        let mut latencies = Vec::with_capacity(2_000);
        for _ in 0..2_000 {
            let start = Instant::now();
            let outcome = host.run_scripts("javascript", "bench", call(phase, code)).await.unwrap();
            latencies.push(start.elapsed());
            assert_eq!(outcome.error, None);
        }
        println!("script: {label}: {}", micros(&mut latencies));
    }
}

/// What a fresh agent pays for the built-in plugins: registering them, then each one's first
/// call (its precompiled code mapped from a new cache folder and linked) beside a later call.
async fn first_use() {
    for (plugin, value, body) in [
        ("jwt-expiry", json!({"from": "header.x-none"}), "{}".to_string()),
        ("json-schema", json!({"schema": schema_case().0}), schema_case().1.to_string()),
    ] {
        let cache = tempfile::tempdir().unwrap();
        let options = HostOptions { cache_dir: Some(cache.path().to_path_buf()), ..HostOptions::default() };
        let started = Instant::now();
        let mut host = PluginHost::new(options).unwrap();
        let sources = embedded().unwrap();
        let count = sources.len();
        for outcome in host.add_all(sources).await {
            outcome.unwrap();
        }
        let registered = started.elapsed();
        let response = response(body);
        let timed = || async {
            let started = Instant::now();
            host.evaluate(plugin, Some(&value), &response).await.unwrap();
            started.elapsed().as_secs_f64() * 1000.0
        };
        let (first, second) = (timed().await, timed().await);
        println!(
            "first-use: {count} built-in plugins registered in {:.2} ms; `{plugin}` first call {first:.2} ms (map + link + call), second {second:.3} ms",
            registered.as_secs_f64() * 1000.0
        );
    }
}

/// The built-in plugins and the `misbehaving` fixture, compiled without a cache.
async fn host() -> PluginHost {
    let mut sources = embedded().unwrap();
    let file = built_plugins().join("misbehaving.wasm");
    let manifest = Manifest::parse(Path::new("misbehaving.yaml"), "kind: assertion\nversion: 0.1.0\n").unwrap();
    sources.push(PluginPackage::new("fixture", std::fs::read(file).unwrap(), manifest));
    let file = built_plugins().join("contract_0_1_0.wasm");
    let manifest = Manifest::parse(Path::new("contract-0-1-0.yaml"), "kind: assertion\nversion: 0.1.0\n").unwrap();
    sources.push(PluginPackage::new("fixture", std::fs::read(file).unwrap(), manifest));
    let mut host = PluginHost::new(HostOptions::default()).unwrap();
    let started = Instant::now();
    for outcome in host.add_all(sources).await {
        outcome.unwrap();
    }
    println!(
        "load: the built-in plugins registered (precompiled at build time), two fixtures compiled (no cache), in {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    host
}

fn response(body: String) -> Response {
    Response::new(200, Default::default(), bytes::Bytes::from(body), Duration::from_millis(3), None)
}

async fn calls(host: &PluginHost) {
    // An unsigned JWT expiring in an hour, in a small JSON body.
    let claims = format!(r#"{{"exp":{},"iss":"bench"}}"#, chrono::Utc::now().timestamp() + 3600);
    use base64::Engine;
    let encode = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
    let jwt = response(format!(r#"{{"token":"{}.{}.c2ln"}}"#, encode(r#"{"alg":"none"}"#), encode(&claims)));
    // 0.4.0 plugins are checked on a kept instance that prepared the value; a plugin built
    // against an earlier contract gets a fresh instance per call.
    let cases = [
        ("misbehaving (near-empty check), prepared", "misbehaving", json!("fine")),
        ("jwt-expiry, prepared", "jwt-expiry", json!({"from": "body.token", "min_valid_seconds": 60})),
        ("contract-0-1-0 (body contains), fresh instance + call + drop", "contract-0-1-0", json!("token")),
    ];
    for (label, plugin, value) in cases {
        let mut latencies = Vec::with_capacity(20_000);
        for _ in 0..20_000 {
            let start = Instant::now();
            let verdict = host.evaluate(plugin, Some(&value), &jwt).await.unwrap();
            latencies.push(start.elapsed());
            assert!(verdict.passed);
        }
        println!("call: {label}: {}", micros(&mut latencies));
    }
}

fn micros(samples: &mut [Duration]) -> String {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)].as_secs_f64() * 1e6;
    format!("p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs ({} calls)", at(0.5), at(0.99), at(1.0), samples.len())
}

/// Spawn to "listening", 5 times with an empty cache and 5 times with it filled.
fn startup() {
    let extra = tempfile::tempdir().unwrap();
    for (stem, manifest) in
        [("misbehaving", "kind: assertion\nversion: 0.1.0\n"), ("rogue_notifier", "kind: notifier\nversion: 0.1.0\n")]
    {
        std::fs::copy(built_plugins().join(format!("{stem}.wasm")), extra.path().join(format!("{stem}.wasm"))).unwrap();
        std::fs::write(extra.path().join(format!("{stem}.yaml")), manifest).unwrap();
    }
    let start_once = |cache: &Path| {
        let data = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let mut child = Command::new(skopos())
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data.path())
            .arg("--plugins")
            .arg(extra.path())
            .env("SKOPOS_TOKEN", "bench")
            .env("SKOPOS_CACHE_DIR", cache)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while stdout.read_line(&mut line).unwrap() > 0 && !line.contains("listening") {
            line.clear();
        }
        let elapsed = started.elapsed();
        let _ = child.kill();
        let _ = child.wait();
        elapsed
    };
    let (mut cold, mut cached) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let cache = tempfile::tempdir().unwrap();
        cold.push(start_once(cache.path()));
        cached.push(start_once(cache.path()));
    }
    println!("startup: the built-in plugins and 2 from --plugins, empty cache: {}", common::percentiles(&mut cold));
    println!(
        "startup: the built-in plugins and 2 from --plugins, compiled cache: {}",
        common::percentiles(&mut cached)
    );
}

/// A list of 20 orders, each checked for types, formats and ranges.
fn schema_case() -> (Value, Value) {
    let schema = json!({
        "type": "object", "required": ["orders", "total"],
        "properties": {
            "total": {"type": "integer", "minimum": 0},
            "orders": {"type": "array", "maxItems": 100, "items": {
                "type": "object", "required": ["id", "sku", "qty", "price", "status"],
                "properties": {
                    "id": {"type": "integer"}, "sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
                    "qty": {"type": "integer", "minimum": 1}, "price": {"type": "number", "exclusiveMinimum": 0},
                    "status": {"enum": ["open", "paid", "shipped"]}, "note": {"type": ["string", "null"]}
                }}}
        }
    });
    let orders: Vec<Value> = (0..20)
        .map(|i| json!({"id": i, "sku": format!("ABC-{:04}", i), "qty": 1 + i % 3, "price": 9.5 + i as f64, "status": "paid", "note": null}))
        .collect();
    (schema, json!({"orders": orders, "total": 20}))
}

async fn json_schema(host: &PluginHost) {
    const CHECKS: u32 = 5_000;
    let (schema, body) = schema_case();
    let text = body.to_string();
    let value = json!({"schema": schema});
    let response = response(text.clone());
    let started = Instant::now();
    for _ in 0..CHECKS {
        assert!(host.evaluate("json-schema", Some(&value), &response).await.unwrap().passed);
    }
    let plugin = started.elapsed();
    let trivial = json!({"schema": {}});
    let started = Instant::now();
    for _ in 0..CHECKS {
        assert!(host.evaluate("json-schema", Some(&trivial), &response).await.unwrap().passed);
    }
    println!(
        "json-schema: the plugin with an empty schema (instantiate, parse the body, call): {:.1} µs each",
        started.elapsed().as_secs_f64() * 1e6 / CHECKS as f64
    );
    let started = Instant::now();
    for _ in 0..CHECKS {
        // What the plugin does per call: build the validator, parse the body, validate.
        let validator = jsonschema::validator_for(&schema).unwrap();
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert!(validator.is_valid(&parsed));
    }
    let native = started.elapsed();
    // Native with the validator built once, as the prepared plugin (contract 0.4.0) does.
    let validator = jsonschema::validator_for(&schema).unwrap();
    let started = Instant::now();
    for _ in 0..CHECKS {
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert!(validator.is_valid(&parsed));
    }
    let native_prepared = started.elapsed();
    println!(
        "json-schema: native with the validator built once: {:.1} µs each: prepared plugin/native {:.1}x",
        native_prepared.as_secs_f64() * 1e6 / CHECKS as f64,
        plugin.as_secs_f64() / native_prepared.as_secs_f64()
    );
    let per_second = |d: Duration| CHECKS as f64 / d.as_secs_f64();
    println!(
        "json-schema: {}-byte body: plugin {:.0} checks/s ({:.1} µs each), native {:.0} checks/s ({:.1} µs each): plugin/native {:.1}x",
        text.len(),
        per_second(plugin),
        plugin.as_secs_f64() * 1e6 / CHECKS as f64,
        per_second(native),
        native.as_secs_f64() * 1e6 / CHECKS as f64,
        plugin.as_secs_f64() / native.as_secs_f64()
    );
}
