//! `skopos plugin list`, `skopos plugin test` and `skopos plugin new`: see which plugins the
//! agent would load, write a new one (see `scaffold`), and try one (built in, or a `.wasm`
//! being written) against a sample alert or response before a monitor depends on it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};

use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK};
use skopos_core::alert::AlertEvent;
use skopos_core::assert::AssertionPlugins;
use skopos_core::interpolate::Secrets;
use skopos_core::response::Response;
use skopos_plugin_host::{HostOptions, Kind, Mailer, PluginHost, PluginPackage, cache, embedded};

#[derive(Subcommand)]
pub enum PluginCommand {
    /// The plugins `skopos serve` and `skopos run` would load: kind, version, capabilities.
    List {
        /// Also load the plugins in this folder.
        #[arg(long, value_name = "DIR")]
        plugins: Option<PathBuf>,
    },
    /// Call one plugin once: a notifier delivers an alert, an assertion judges a response, a
    /// probe checks its target.
    Test(TestArgs),
    /// Write a new plugin crate that builds and works as written: `skopos plugin new notifier NAME`.
    New {
        /// What kind of plugin (`notifier`).
        #[arg(value_parser = ["notifier"])]
        kind: String,
        /// Its name: lower-case letters, digits and `-`.
        name: String,
        /// Where to write the crate (as `DIR/NAME`).
        #[arg(long, value_name = "DIR", default_value = ".")]
        dir: PathBuf,
        /// The Skopos SDK's folder (`sdk/` of the Skopos sources).
        #[arg(long, value_name = "DIR", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../sdk"))]
        sdk: PathBuf,
    },
}

#[derive(Args)]
pub struct TestArgs {
    /// A built-in plugin's name (`slack`), or a `.wasm` file (its manifest beside it, `NAME.yaml`).
    plugin: String,
    /// The plugin's manifest, when it is not `NAME.yaml` beside the `.wasm` file.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// Notifier: the alert to deliver, as JSON (the `alert` of `GET /api/v1/notifications`, or
    /// what the `webhook` notifier posts); a sample failing alert when left out.
    #[arg(long, value_name = "FILE")]
    event: Option<PathBuf>,
    /// Notifier or probe: its `config`, as JSON text or `@FILE`; `@{{env.NAME}}` is resolved.
    #[arg(long, value_name = "JSON")]
    config: Option<String>,
    /// Assertion: the response, as JSON `{ "status": 200, "headers": {...}, "body": ... }`.
    #[arg(long, value_name = "FILE")]
    response: Option<PathBuf>,
    /// Assertion: its `value`, as JSON text or `@FILE`.
    #[arg(long, value_name = "JSON")]
    value: Option<String>,
    /// Probe: what it checks (`db.internal:5432`).
    #[arg(long, value_name = "TARGET")]
    target: Option<String>,
    /// Probe: how long it may take, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    timeout_ms: u64,
    /// Notifier: the SMTP server for the `email` capability (as `skopos serve --smtp-url`).
    #[arg(long, env = "SKOPOS_SMTP_URL", value_name = "URL", hide_env_values = true)]
    smtp_url: Option<String>,
}

pub fn plugin(command: PluginCommand) -> u8 {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("skopos: {err}");
            return EXIT_FAILED;
        }
    };
    let outcome = match command {
        PluginCommand::List { plugins } => runtime.block_on(list(plugins.as_deref())),
        PluginCommand::Test(args) => runtime.block_on(test(args)),
        PluginCommand::New { kind: _, name, dir, sdk } => {
            super::scaffold::new_notifier(&name, &dir, &sdk).map(|written| {
                for file in written {
                    println!("wrote {}", file.display());
                }
                EXIT_OK
            })
        }
    };
    outcome.unwrap_or_else(|problem| {
        eprintln!("skopos: {problem}");
        EXIT_INVALID
    })
}

async fn list(dir: Option<&Path>) -> Result<u8, String> {
    let options = HostOptions { cache_dir: cache::default_dir(), ..HostOptions::default() };
    let host = super::load_plugins(dir.as_slice(), options).await?;
    for plugin in host.plugins() {
        let capabilities = serde_json::to_string(&plugin.capabilities).unwrap_or_default();
        println!(
            "{:<12} {:<9} {:<7} {capabilities}  ({})",
            plugin.name,
            plugin.kind.as_str(),
            plugin.version,
            plugin.source
        );
    }
    Ok(EXIT_OK)
}

async fn test(args: TestArgs) -> Result<u8, String> {
    let mailer = args.smtp_url.as_deref().map(|url| Mailer::new(url, "Skopos <skopos@localhost>", None)).transpose()?;
    let options =
        HostOptions { cache_dir: cache::default_dir(), mailer: mailer.map(Arc::new), ..HostOptions::default() };
    let mut host = PluginHost::new(options)?;
    // A file being written is tried alone: no need to load every built-in plugin beside it.
    let from_file = args.plugin.ends_with(".wasm");
    let sources = if from_file {
        let wasm = Path::new(&args.plugin);
        let source = PluginPackage::from_file(wasm, args.manifest.as_deref())
            .map_err(|message| format!("{}: {message}", wasm.display()))?;
        vec![source]
    } else {
        embedded().map_err(|e| e.to_string())?
    };
    let mut outcomes = host.add_all(sources).await;
    let target_info = if from_file {
        outcomes.pop().ok_or("nothing loaded")?.map_err(|e| e.to_string())?.0
    } else {
        let info = outcomes.into_iter().flatten().map(|(info, _)| info).find(|info| info.name == args.plugin);
        info.ok_or_else(|| format!("no built-in plugin named `{}` (see `skopos plugin list`)", args.plugin))?
    };
    let target = &target_info;
    match target.kind {
        Kind::Notifier => {
            let event: AlertEvent = match &args.event {
                Some(file) => serde_json::from_slice(&read(file)?).map_err(|e| format!("{}: {e}", file.display()))?,
                None => sample_event(),
            };
            let config = match json_argument(args.config.as_deref().unwrap_or("{}"), "--config")? {
                Value::Object(config) => config,
                _ => return Err("--config: expected a JSON object".into()),
            };
            let env: HashMap<String, String> = std::env::vars().collect();
            let mut secrets = Secrets::default();
            let config = skopos_service::notify::settings(&config, &env, &mut secrets)?;
            match host.deliver(&target.name, &event, &config, None, None).await {
                Ok(()) => {
                    println!("delivered: {}", event.summary());
                    Ok(EXIT_OK)
                }
                Err(error) => {
                    let again = if error.retry { " (worth retrying)" } else { "" };
                    println!("not delivered{again}: {}", secrets.mask(&error.message));
                    Ok(EXIT_FAILED)
                }
            }
        }
        Kind::Probe => {
            use skopos_core::probe::{ProbeCall, ProbePlugins};
            let target = args.target.as_deref().ok_or("a probe needs --target")?;
            let config = json_argument(args.config.as_deref().unwrap_or("{}"), "--config")?;
            let timeout = std::time::Duration::from_millis(args.timeout_ms);
            match host.probe(ProbeCall { plugin: &target_info.name, target, config: &config, timeout }).await {
                Ok(result) => {
                    let timings: Vec<String> =
                        result.timings.iter().map(|(phase, ms)| format!("{phase} {ms:.1} ms")).collect();
                    println!("status {}: {} ({})", result.status, result.body, timings.join(", "));
                    Ok(EXIT_OK)
                }
                Err(error) => {
                    println!("error: {error}");
                    Ok(EXIT_FAILED)
                }
            }
        }
        Kind::Script => {
            let response = match &args.response {
                Some(file) => {
                    response(&serde_json::from_slice(&read(file)?).map_err(|e| format!("{}: {e}", file.display()))?)?
                }
                None => response(&json!({}))?,
            };
            let code = match args.value.as_deref().ok_or("a script plugin needs --value: the script (or @FILE)")? {
                text if text.starts_with('@') => String::from_utf8_lossy(&read(Path::new(&text[1..]))?).into_owned(),
                text => text.to_string(),
            };
            super::plugin_script::test(&host, &target.name, code, &response).await
        }
        Kind::Assertion => {
            let response = match &args.response {
                Some(file) => {
                    response(&serde_json::from_slice(&read(file)?).map_err(|e| format!("{}: {e}", file.display()))?)?
                }
                None => response(&json!({}))?,
            };
            let value = args.value.as_deref().map(|text| json_argument(text, "--value")).transpose()?;
            match host.evaluate(&target.name, value.as_ref(), &response).await {
                Ok(verdict) => {
                    let actual = verdict.actual.map(|a| format!(" (actual: {a})")).unwrap_or_default();
                    match verdict.passed {
                        true => println!("passed{actual}"),
                        false => println!("failed: {}{actual}", verdict.message.unwrap_or_default()),
                    }
                    Ok(if verdict.passed { EXIT_OK } else { EXIT_FAILED })
                }
                Err(error) => {
                    println!("error: {error}");
                    Ok(EXIT_FAILED)
                }
            }
        }
    }
}

fn read(file: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))
}

/// JSON given inline, or read from `@FILE`.
fn json_argument(text: &str, flag: &str) -> Result<Value, String> {
    let text = match text.strip_prefix('@') {
        Some(file) => String::from_utf8_lossy(&read(Path::new(file))?).into_owned(),
        None => text.to_string(),
    };
    serde_json::from_str(&text).map_err(|e| format!("{flag}: {e}"))
}

/// `{ "status", "headers": { name: value }, "body": JSON or text }` as a response.
fn response(given: &Value) -> Result<Response, String> {
    let status = given.get("status").and_then(Value::as_u64).unwrap_or(200) as u16;
    let mut headers = http::HeaderMap::new();
    for (name, value) in given.get("headers").and_then(Value::as_object).unwrap_or(&Map::new()) {
        let name = http::HeaderName::try_from(name.as_str()).map_err(|e| format!("headers.{name}: {e}"))?;
        let value = value.as_str().unwrap_or_default();
        headers.insert(name.clone(), http::HeaderValue::try_from(value).map_err(|e| format!("headers.{name}: {e}"))?);
    }
    let body = match given.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(json) => json.to_string(),
    };
    Ok(Response::new(status, headers, bytes::Bytes::from(body), std::time::Duration::from_millis(42), None))
}

/// A failing alert like the ones monitors raise: step 2's status was 503, wanted 200.
fn sample_event() -> AlertEvent {
    serde_json::from_value(json!({
        "monitor_id": "sample-monitor", "monitor": "sample monitor",
        "collection_id": "sample-collection", "collection": "checkout",
        "transition": "failing", "since": chrono::Utc::now(),
        "run_id": "sample-run", "run_started_at": chrono::Utc::now(),
        "failure": {"step": "step 2 'pay'", "assertions": [{
            "source": "status", "property": null, "op": "eq", "expected": 200, "actual": 503,
            "passed": false, "message": "expected 200, got 503"}]}
    }))
    .expect("the sample alert is an alert")
}
