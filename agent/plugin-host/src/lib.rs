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
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use wasmtime::Engine;

mod assertion;
mod build;
pub mod cache;
mod compile_settings;
pub mod contract;
mod embedded;
mod engine;
mod loading;
mod mailer;
pub mod manifest;
pub mod notifier;
mod prepared;
mod probe;
mod sandbox;
mod script;
mod settings;
mod sockets;

pub use build::built_plugins;
pub use embedded::{Precompiled, embedded};
pub use mailer::Mailer;
pub use manifest::{Capabilities, Kind, Manifest, Sockets};
pub use notifier::DeliveryError;

use loading::Loaded;

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
    /// For a built-in plugin: its machine code and description from build time, so it is
    /// mapped only when first used.
    pub precompiled: Option<Precompiled>,
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
        PluginPackage { origin: origin.into(), digest: cache::digest(&wasm), wasm, manifest, precompiled: None }
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
    scripts: BTreeMap<String, Loaded<script::Pre>>,
    /// Assertion instances kept with their expected value prepared.
    prepared: prepared::Prepared,
    /// Script instances kept between a collection's calls.
    kept_scripts: script::KeptScripts,
}

/// What a plugin's `describe` said.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Described {
    name: String,
    version: String,
    config_schema: String,
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
        let engine = engine::engine(&options.limits).map_err(|e| format!("cannot start the plugin engine: {e:#}"))?;
        Ok(PluginHost {
            engine,
            options,
            assertions: BTreeMap::new(),
            notifiers: BTreeMap::new(),
            probes: BTreeMap::new(),
            scripts: BTreeMap::new(),
            prepared: prepared::Prepared::default(),
            kept_scripts: script::KeptScripts::default(),
        })
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
        assertions
            .chain(self.notifiers.values().map(|n| &n.info))
            .chain(self.probes.values().map(|p| &p.info))
            .chain(self.scripts.values().map(|s| &s.info))
    }

    /// Every plugin with its health, assertions then notifiers then probes, by name.
    pub fn status(&self) -> Vec<PluginStatus> {
        let assertions = self.assertions.values().map(Loaded::status);
        assertions
            .chain(self.notifiers.values().map(Loaded::status))
            .chain(self.probes.values().map(Loaded::status))
            .chain(self.scripts.values().map(Loaded::status))
            .collect()
    }

    pub fn has_notifier(&self, name: &str) -> bool {
        self.notifiers.contains_key(name)
    }

    /// How many plugins have their machine code in memory (built-in ones are mapped on first
    /// use).
    pub fn mapped(&self) -> usize {
        let assertions = self.assertions.values().filter(|a| a.mapped()).count();
        assertions
            + self.notifiers.values().filter(|n| n.mapped()).count()
            + self.probes.values().filter(|p| p.mapped()).count()
            + self.scripts.values().filter(|s| s.mapped()).count()
    }
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
mod script_tests;
#[cfg(test)]
mod tests;
