//! The Wasm plugin host (wasmtime, component model, async): loads plugin components with
//! their manifests and calls them in a sandbox. Each call gets a fresh instance from a
//! pre-linked `InstancePre` (pooling allocator), a deadline (epoch interruption) and a memory
//! cap; a trap, a timeout or running out of memory is an error on that call, and the agent
//! and other plugins carry on. What a plugin may do beyond computing is what its manifest
//! grants (see [`sandbox`]).
//!
//! Worlds (`wit/VERSION/plugin.wit`): `assertion` ([`assertion`]) and `notifier` ([`notifier`]),
//! in every released version of the contract ([`contract`]), and `probe` ([`probe`], since
//! 0.3.0, with the sockets of [`sockets`]).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use wasmtime::component::{Component, Linker};
use wasmtime::{Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

mod assertion;
mod build;
pub mod cache;
pub mod contract;
mod embedded;
mod mailer;
pub mod manifest;
pub mod notifier;
mod prepared;
mod probe;
mod sandbox;
mod settings;
mod sockets;

pub use build::built_plugins;
pub use embedded::embedded;
pub use mailer::Mailer;
pub use manifest::{Capabilities, Kind, Manifest, Sockets};
pub use notifier::DeliveryError;

use sandbox::{Sandbox, TICK};

/// How long a call may run, and how much memory it may use.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// For an assertion's `check` (and any plugin's `describe`).
    pub deadline: Duration,
    /// For a notifier's `deliver`, which waits on the network.
    pub delivery_deadline: Duration,
    pub memory_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { deadline: Duration::from_secs(2), delivery_deadline: Duration::from_secs(10), memory_bytes: 64 << 20 }
    }
}

/// Instances that may be alive at once (each call has its own); beyond it a call fails.
const POOLED_INSTANCES: u32 = 256;

/// A plugin to load: its component, its manifest, and where both came from.
pub struct PluginPackage {
    /// `built-in`, or the `.wasm` file's path.
    pub origin: String,
    pub wasm: Cow<'static, [u8]>,
    /// Hex SHA-256 of `wasm` (computed at build time for the built-in plugins, whose bytes
    /// are then never read when the compiled cache holds them).
    pub digest: String,
    pub manifest: Manifest,
}

impl PluginPackage {
    /// The component in `wasm` with its manifest: `manifest`, or `NAME.yaml` beside it.
    pub fn from_file(wasm: &Path, manifest: Option<&Path>) -> Result<PluginPackage, String> {
        let manifest_file = manifest.map_or_else(|| wasm.with_extension("yaml"), Path::to_path_buf);
        let text = std::fs::read_to_string(&manifest_file)
            .map_err(|e| format!("no manifest {} ({e})", manifest_file.display()))?;
        let manifest = Manifest::parse(&manifest_file, &text).map_err(|e| e.to_string())?;
        let bytes = std::fs::read(wasm).map_err(|e| e.to_string())?;
        Ok(PluginPackage::new(wasm.display().to_string(), bytes, manifest))
    }

    pub fn new(origin: impl Into<String>, wasm: impl Into<Cow<'static, [u8]>>, manifest: Manifest) -> PluginPackage {
        let wasm = wasm.into();
        PluginPackage { origin: origin.into(), digest: cache::digest(&wasm), wasm, manifest }
    }
}

/// A loaded plugin, as it describes itself and as its manifest grants.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub kind: Kind,
    pub capabilities: Capabilities,
    /// JSON Schema of its settings, as the plugin gave it.
    pub config_schema: Value,
    /// `built-in`, or the file it was loaded from.
    pub source: String,
    /// The version of the plugin contract (`wit/VERSION`) it was built against.
    pub contract: contract::Version,
}

#[derive(Debug, thiserror::Error)]
#[error("plugin {origin}: {message}")]
pub struct LoadError {
    pub origin: String,
    pub message: String,
}

/// How a plugin has fared since the agent started.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CallStats {
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
    pub health: CallStats,
}

/// A plugin ready to call: pre-linked, described, with its record of calls.
struct Loaded<Pre> {
    pre: Pre,
    info: PluginInfo,
    health: Mutex<CallStats>,
}

impl<Pre> Loaded<Pre> {
    fn record<T>(&self, outcome: &Result<T, String>) {
        let mut health = self.health.lock().unwrap_or_else(|e| e.into_inner());
        health.calls += 1;
        if let Err(error) = outcome {
            health.errors += 1;
            health.last_error = Some(error.clone());
            health.last_error_at = Some(chrono::Utc::now());
        }
    }

    fn status(&self) -> PluginStatus {
        PluginStatus { info: self.info.clone(), health: self.health.lock().unwrap_or_else(|e| e.into_inner()).clone() }
    }
}

/// Where compiled plugins are cached and how calls are bounded.
#[derive(Default)]
pub struct HostOptions {
    pub limits: Limits,
    /// Compiled plugins are kept here (see [`cache`]); `None` compiles at every start.
    pub cache_dir: Option<PathBuf>,
    /// The SMTP server behind the `email` capability.
    pub mailer: Option<Arc<Mailer>>,
    /// Where each call's duration and outcome are measured.
    pub telemetry: Option<Arc<skopos_telemetry::Telemetry>>,
}

/// Every loaded plugin, by kind and name.
pub struct PluginHost {
    engine: Engine,
    options: HostOptions,
    assertions: BTreeMap<String, Loaded<assertion::Pre>>,
    notifiers: BTreeMap<String, Loaded<notifier::Pre>>,
    probes: BTreeMap<String, Loaded<probe::Pre>>,
    /// Assertion instances kept with their expected value prepared.
    prepared: prepared::Prepared,
}

/// What a plugin's `describe` said.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Described {
    name: String,
    version: String,
    config_schema: String,
}

/// A component linked against its world.
enum Linked {
    Assertion(assertion::Pre),
    Notifier(notifier::Pre),
    Probe(probe::Pre),
}

/// What adding a plugin did.
#[derive(Debug, PartialEq)]
pub enum Added {
    New,
    /// It took the place of a plugin of the same name and kind loaded from there.
    Replaced(String),
}

impl PluginHost {
    /// Records a call's outcome in the plugin's health and, when kept, in the metrics.
    fn record_call<Pre, T>(&self, plugin: &Loaded<Pre>, outcome: &Result<T, String>, started: std::time::Instant) {
        plugin.record(outcome);
        if let Some(telemetry) = &self.options.telemetry {
            telemetry.plugin_call(&plugin.info.name, plugin.info.kind.as_str(), started.elapsed(), outcome.is_ok());
        }
    }

    pub fn new(options: HostOptions) -> Result<PluginHost, String> {
        let engine = engine(&options.limits).map_err(|e| format!("cannot start the plugin engine: {e:#}"))?;
        Ok(PluginHost {
            engine,
            options,
            assertions: BTreeMap::new(),
            notifiers: BTreeMap::new(),
            probes: BTreeMap::new(),
            prepared: prepared::Prepared::default(),
        })
    }

    /// Compiles (or takes from the cache) each source, in parallel, then adds them in order;
    /// a later source replaces an earlier one of the same name. A source that is not a valid
    /// plugin is reported and left out; the others load.
    pub async fn add_all(&mut self, sources: Vec<PluginPackage>) -> Vec<Result<(PluginInfo, Added), LoadError>> {
        use rayon::prelude::*;
        let cache = self.options.cache_dir.as_deref();
        let compiled: Vec<_> = sources
            .into_par_iter()
            .map(|source| {
                let entry = cache::Entry::new(&self.engine, &source.digest, cache);
                let component = entry.component(&self.engine, &source.wasm).map(|(component, _)| component);
                (source.origin, source.manifest, entry, component)
            })
            .collect();
        let mut outcomes = Vec::new();
        for (origin, manifest, entry, component) in compiled {
            let added = match component {
                Ok(component) => self.add(&origin, manifest, &entry, component).await,
                Err(message) => Err(message),
            };
            outcomes.push(added.map_err(|message| LoadError { origin, message }));
        }
        outcomes
    }

    async fn add(
        &mut self,
        origin: &str,
        manifest: Manifest,
        entry: &cache::Entry,
        component: Component,
    ) -> Result<(PluginInfo, Added), String> {
        let mut linker = Linker::<Sandbox>::new(&self.engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(|e| e.to_string())?;
        let contract = contract::Version::of(&component, &self.engine)?;
        let linked = match manifest.kind {
            Kind::Assertion => Linked::Assertion(assertion::link(&linker, &component, contract)?),
            Kind::Notifier => {
                wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(|e| e.to_string())?;
                Linked::Notifier(notifier::link(&mut linker, &component, contract)?)
            }
            Kind::Probe => Linked::Probe(probe::link(&linker, &component, contract)?),
        };
        // Described once per component: later starts read it from the cache.
        let info = match entry.described() {
            Some(described) => described,
            None => {
                let limits = self.options.limits;
                let described = match &linked {
                    Linked::Assertion(pre) => assertion::describe(pre, limits).await,
                    Linked::Notifier(pre) => notifier::describe(pre, limits).await,
                    Linked::Probe(pre) => probe::describe(pre, limits).await,
                }
                .map_err(|e| format!("`describe` failed: {}", call_error(e, limits.deadline)))?;
                entry.remember(&described);
                described
            }
        };
        if info.version != manifest.version {
            return Err(format!("the manifest says version {}, the plugin says {}", manifest.version, info.version));
        }
        let config_schema = serde_json::from_str(&info.config_schema)
            .map_err(|e| format!("`describe` gave a config schema that is not JSON: {e}"))?;
        let info = PluginInfo {
            name: info.name,
            version: info.version,
            kind: manifest.kind,
            capabilities: manifest.capabilities,
            config_schema,
            source: origin.to_string(),
            contract,
        };
        let replaced = match linked {
            Linked::Assertion(pre) => {
                self.prepared.forget(&info.name);
                self.assertions.insert(info.name.clone(), loaded(pre, &info)).map(|old| old.info)
            }
            Linked::Notifier(pre) => self.notifiers.insert(info.name.clone(), loaded(pre, &info)).map(|old| old.info),
            Linked::Probe(pre) => self.probes.insert(info.name.clone(), loaded(pre, &info)).map(|old| old.info),
        };
        Ok((info, replaced.map_or(Added::New, |old| Added::Replaced(old.source))))
    }

    /// Every `NAME.wasm` in `dir` with its manifest `NAME.yaml`; the files that cannot be
    /// read, or lack a valid manifest, are reported.
    pub fn sources_in(dir: &Path) -> Result<(Vec<PluginPackage>, Vec<LoadError>), LoadError> {
        let problem = |origin: &Path, message: String| LoadError { origin: origin.display().to_string(), message };
        let entries = std::fs::read_dir(dir).map_err(|e| problem(dir, e.to_string()))?;
        let mut files: Vec<PathBuf> =
            entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "wasm")).collect();
        files.sort();
        let (mut sources, mut problems) = (Vec::new(), Vec::new());
        for file in files {
            match PluginPackage::from_file(&file, None) {
                Ok(source) => sources.push(source),
                Err(message) => problems.push(problem(&file, message)),
            }
        }
        Ok((sources, problems))
    }

    pub fn plugins(&self) -> impl Iterator<Item = &PluginInfo> {
        let assertions = self.assertions.values().map(|a| &a.info);
        assertions.chain(self.notifiers.values().map(|n| &n.info)).chain(self.probes.values().map(|p| &p.info))
    }

    /// Every plugin with its health, assertions then notifiers then probes, by name.
    pub fn status(&self) -> Vec<PluginStatus> {
        let assertions = self.assertions.values().map(Loaded::status);
        assertions
            .chain(self.notifiers.values().map(Loaded::status))
            .chain(self.probes.values().map(Loaded::status))
            .collect()
    }

    pub fn has_notifier(&self, name: &str) -> bool {
        self.notifiers.contains_key(name)
    }
}

fn loaded<Pre>(pre: Pre, info: &PluginInfo) -> Loaded<Pre> {
    Loaded { pre, info: info.clone(), health: Mutex::default() }
}

fn engine(limits: &Limits) -> wasmtime::Result<Engine> {
    let mut config = wasmtime::Config::new();
    config.epoch_interruption(true);
    let pool = |reset_in_place: bool| {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(POOLED_INSTANCES)
            .total_core_instances(POOLED_INSTANCES * 4)
            .total_memories(POOLED_INSTANCES * 2)
            .total_tables(POOLED_INSTANCES * 4)
            .total_stacks(POOLED_INSTANCES)
            .max_memory_size(limits.memory_bytes);
        if reset_in_place {
            // Reset only the pages a call dirtied (Linux 6.7+ `PAGEMAP_SCAN`), in place, rather
            // than handing them back to the kernel and faulting them in on the next call
            // (per call: 13 µs instead of 28 here).
            pool.pagemap_scan(Enabled::Yes)
                .linear_memory_keep_resident(4 << 20)
                .table_keep_resident(64 << 10)
                .async_stack_keep_resident(256 << 10);
        }
        InstanceAllocationStrategy::Pooling(pool)
    };
    // The best the machine allows: pooled slots reset in place, pooled slots, or (where
    // address space is short, a tight `ulimit -v`) an allocation per call.
    let mut engine = Err(wasmtime::format_err!("no allocation strategy"));
    for strategy in [pool(true), pool(false), InstanceAllocationStrategy::OnDemand] {
        config.allocation_strategy(strategy);
        engine = Engine::new(&config);
        if engine.is_ok() {
            break;
        }
    }
    let engine = engine?;
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

/// A failed call in words: `did not finish within 2000 ms`, `crashed (wasm trap: ...)`.
fn call_error(error: wasmtime::Error, deadline: Duration) -> String {
    match error.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::Interrupt) => format!("did not finish within {} ms", deadline.as_millis()),
        Some(trap) => format!("crashed ({trap})"),
        None => format!("{error:#}"),
    }
}

#[cfg(test)]
mod probe_tests;
#[cfg(test)]
mod tests;
