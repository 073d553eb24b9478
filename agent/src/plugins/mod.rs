//! The Wasm plugin host (wasmtime, component model): loads plugin components and calls them
//! in a sandbox. Each call gets a fresh instance from a pre-linked `InstancePre`, a deadline
//! (epoch interruption) and a memory cap; a trap, a timeout or running out of memory is an
//! error on that call, and the agent and other plugins carry on.
//!
//! Today: assertion plugins (`wit/plugin.wit`, world `assertion`). Their WASI is empty: no
//! files, no environment, no sockets, no name lookups; clocks and randomness only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde_json::Value;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::assert::{AssertionPlugins, PluginVerdict};
use crate::response::Response;

mod build;

pub use build::first_party_plugins;

mod bindings {
    wasmtime::component::bindgen!({ world: "assertion", path: "../wit" });
}

use bindings::skopos::plugin::types as wit;

/// How long a call may run, and how much memory it may use.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub deadline: Duration,
    pub memory_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { deadline: Duration::from_secs(2), memory_bytes: 64 << 20 }
    }
}

/// The epoch advances this often; deadlines are whole ticks.
const TICK: Duration = Duration::from_millis(10);

/// A loaded plugin, as it describes itself.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub kind: &'static str,
    /// JSON Schema of its settings, as the plugin gave it.
    pub config_schema: Value,
    pub file: PathBuf,
}

#[derive(Debug, thiserror::Error)]
#[error("plugin {file}: {message}")]
pub struct LoadError {
    pub file: PathBuf,
    pub message: String,
}

struct Assertion {
    pre: bindings::AssertionPre<Sandbox>,
    info: PluginInfo,
    health: Mutex<Health>,
}

/// How a plugin has fared since the agent started.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Health {
    pub calls: u64,
    /// Calls that crashed, timed out, ran out of memory or returned an error.
    pub errors: u64,
    pub last_error: Option<String>,
    pub last_error_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A plugin and how it has fared, for `GET /api/v1/plugins`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PluginStatus {
    #[serde(flatten)]
    pub info: PluginInfo,
    #[serde(flatten)]
    pub health: Health,
}

/// Every loaded plugin, by name.
pub struct PluginHost {
    assertions: BTreeMap<String, Assertion>,
    limits: Limits,
    workers: Workers,
}

type Job = Box<dyn FnOnce() + Send>;

/// Long-lived threads that make the calls. Not the caller's thread: WASI's blocking calls
/// start a Tokio runtime of their own, which cannot happen on a thread that already runs one
/// (every runner thread does); and not a new thread per call, which costs ~90 µs.
struct Workers {
    jobs: mpsc::Sender<Job>,
}

impl Workers {
    fn start(count: usize) -> Workers {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..count {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new().name(format!("plugin-{n}")).spawn(move || {
                loop {
                    let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok(job) = job else { break };
                    // A panic in the host's own code fails that call (its sender is dropped), not the worker.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                }
            });
            if let Err(err) = spawned {
                eprintln!("skopos: cannot start a plugin thread: {err}");
            }
        }
        Workers { jobs }
    }

    /// Runs `work` on a worker and waits for its result.
    fn run<R: Send + 'static>(&self, work: impl FnOnce() -> R + Send + 'static) -> Result<R, String> {
        let (reply, result) = mpsc::sync_channel(1);
        let job: Job = Box::new(move || {
            let _ = reply.send(work());
        });
        self.jobs.send(job).map_err(|_| "no plugin thread is running")?;
        result.recv().map_err(|_| "the plugin host failed during the call".to_string())
    }
}

/// What one call's store holds: an empty WASI context and the memory limiter.
struct Sandbox {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
}

impl WasiView for Sandbox {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl PluginHost {
    /// Loads every `.wasm` file in `dir`. A file that is not a valid plugin is reported and
    /// left out; the others load.
    pub fn load_dir(dir: &Path, limits: Limits) -> Result<(PluginHost, Vec<LoadError>), LoadError> {
        let entries = std::fs::read_dir(dir).map_err(|e| LoadError { file: dir.into(), message: e.to_string() })?;
        let mut files: Vec<PathBuf> =
            entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "wasm")).collect();
        files.sort();
        let engine = engine().map_err(|e| LoadError { file: dir.into(), message: e.to_string() })?;
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let mut host = PluginHost { assertions: BTreeMap::new(), limits, workers: Workers::start(threads) };
        let mut problems = Vec::new();
        for file in files {
            match host.load(&engine, &file) {
                Ok(()) => {}
                Err(message) => problems.push(LoadError { file, message }),
            }
        }
        Ok((host, problems))
    }

    fn load(&mut self, engine: &Engine, file: &Path) -> Result<(), String> {
        let component = Component::from_file(engine, file).map_err(|e| format!("not a component: {e:#}"))?;
        let mut linker = Linker::<Sandbox>::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| e.to_string())?;
        let pre = linker.instantiate_pre(&component).map_err(|e| format!("cannot link: {e:#}"))?;
        let pre = bindings::AssertionPre::new(pre).map_err(|e| format!("not an assertion plugin: {e:#}"))?;
        let described = call(&pre, self.limits, |plugin, store| plugin.call_describe(store))?;
        let config_schema = serde_json::from_str(&described.config_schema)
            .map_err(|e| format!("`describe` gave a config schema that is not JSON: {e}"))?;
        let info = PluginInfo {
            name: described.name.clone(),
            version: described.version,
            kind: "assertion",
            config_schema,
            file: file.to_path_buf(),
        };
        if let Some(other) = self.assertions.get(&described.name) {
            return Err(format!("`{}` is already loaded from {}", described.name, other.info.file.display()));
        }
        self.assertions.insert(described.name, Assertion { pre, info, health: Mutex::default() });
        Ok(())
    }

    pub fn plugins(&self) -> impl Iterator<Item = &PluginInfo> {
        self.assertions.values().map(|a| &a.info)
    }

    /// Every plugin with its health, by name.
    pub fn status(&self) -> Vec<PluginStatus> {
        let health = |a: &Assertion| a.health.lock().unwrap_or_else(|e| e.into_inner()).clone();
        self.assertions.values().map(|a| PluginStatus { info: a.info.clone(), health: health(a) }).collect()
    }
}

fn engine() -> wasmtime::Result<Engine> {
    let mut config = wasmtime::Config::new();
    config.epoch_interruption(true);
    let engine = Engine::new(&config)?;
    let ticker = engine.weak();
    std::thread::Builder::new().name("plugin-epochs".into()).spawn(move || {
        while let Some(engine) = ticker.upgrade() {
            engine.increment_epoch();
            drop(engine);
            std::thread::sleep(TICK);
        }
    })?;
    Ok(engine)
}

/// One call on a fresh instance, under the deadline and the memory cap.
fn call<R>(
    pre: &bindings::AssertionPre<Sandbox>,
    limits: Limits,
    work: impl FnOnce(&bindings::Assertion, &mut Store<Sandbox>) -> wasmtime::Result<R>,
) -> Result<R, String> {
    let sandbox = Sandbox {
        wasi: WasiCtxBuilder::new().build(),
        table: ResourceTable::new(),
        limits: StoreLimitsBuilder::new().memory_size(limits.memory_bytes).instances(4).build(),
    };
    let mut store = Store::new(pre.engine(), sandbox);
    store.limiter(|sandbox| &mut sandbox.limits);
    let ticks = (limits.deadline.as_millis() / TICK.as_millis()).max(1) as u64;
    store.set_epoch_deadline(ticks);
    let outcome = pre.instantiate(&mut store).and_then(|plugin| work(&plugin, &mut store));
    outcome.map_err(|error| match error.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::Interrupt) => format!("did not finish within {} ms", limits.deadline.as_millis()),
        Some(trap) => format!("crashed ({trap})"),
        None => format!("{error:#}"),
    })
}

impl AssertionPlugins for PluginHost {
    fn evaluate(&self, plugin: &str, config: Option<&Value>, response: &Response) -> Result<PluginVerdict, String> {
        let assertion = self.assertions.get(plugin).ok_or_else(|| {
            let loaded: Vec<&str> = self.assertions.keys().map(String::as_str).collect();
            format!("no assertion plugin named `{plugin}` is loaded (loaded: {})", loaded.join(", "))
        })?;
        let input = wit::Response {
            status: response.status,
            headers: response
                .headers
                .iter()
                .map(|(name, value)| wit::Header {
                    name: name.to_string(),
                    value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
                })
                .collect(),
            body: response.body.to_vec(),
            latency_ms: response.latency.as_secs_f64() * 1000.0,
        };
        let expected = config.map_or_else(|| "null".to_string(), Value::to_string);
        let (pre, limits) = (assertion.pre.clone(), self.limits);
        let outcome = self
            .workers
            .run(move || call(&pre, limits, |plugin, store| plugin.call_check(store, &input, &expected)))
            .and_then(|called| called)
            .and_then(|checked| checked);
        let mut health = assertion.health.lock().unwrap_or_else(|e| e.into_inner());
        health.calls += 1;
        if let Err(error) = &outcome {
            health.errors += 1;
            health.last_error = Some(error.clone());
            health.last_error_at = Some(chrono::Utc::now());
        }
        drop(health);
        let verdict = outcome?;
        Ok(PluginVerdict {
            passed: verdict.passed,
            actual: verdict.actual.map(|text| serde_json::from_str(&text).unwrap_or(Value::String(text))),
            message: verdict.message,
        })
    }
}

#[cfg(test)]
mod tests;
