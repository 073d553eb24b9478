//! Loading plugins. A plugin from a file is compiled (or taken from the [`cache`]), linked
//! against its world and described when it is added. A built-in plugin precompiled at build
//! time is only registered: its description came with the binary, and its machine code is
//! mapped and linked the first time it is called ([`Loaded::ready`]), so the agent starts
//! without compiling or instantiating anything and keeps only the plugins it uses in memory.

use std::borrow::Cow;
use std::sync::{Mutex, OnceLock};

use wasmtime::component::{Component, Linker};

use super::sandbox::Sandbox;
use super::{
    Added, CallStats, Described, Kind, LoadError, Manifest, PluginHost, PluginInfo, PluginPackage, PluginStatus,
    assertion, cache, call_error, contract, notifier, probe, script,
};

/// A plugin ready to call, or to map on first call: described, with its record of calls.
pub(crate) struct Loaded<Pre> {
    pre: OnceLock<Pre>,
    /// What maps it on first use, for a built-in plugin precompiled at build time.
    deferred: Option<Deferred>,
    pub info: PluginInfo,
    health: Mutex<CallStats>,
}

/// A built-in plugin's precompiled machine code, and its component in case the code does not
/// suit this machine (another CPU than the build's): then it is compiled after all.
struct Deferred {
    code: &'static [u8],
    wasm: Cow<'static, [u8]>,
    digest: String,
}

/// A component linked against its world.
pub(crate) enum Linked {
    Assertion(assertion::Pre),
    Notifier(notifier::Pre),
    Probe(probe::Pre),
    Script(script::Pre),
}

/// The linked form a [`Loaded`] of each kind keeps.
pub(crate) trait FromLinked: Sized {
    fn from_linked(linked: Linked) -> Option<Self>;
}

impl FromLinked for assertion::Pre {
    fn from_linked(linked: Linked) -> Option<Self> {
        if let Linked::Assertion(pre) = linked { Some(pre) } else { None }
    }
}

impl FromLinked for notifier::Pre {
    fn from_linked(linked: Linked) -> Option<Self> {
        if let Linked::Notifier(pre) = linked { Some(pre) } else { None }
    }
}

impl FromLinked for probe::Pre {
    fn from_linked(linked: Linked) -> Option<Self> {
        if let Linked::Probe(pre) = linked { Some(pre) } else { None }
    }
}

impl FromLinked for script::Pre {
    fn from_linked(linked: Linked) -> Option<Self> {
        if let Linked::Script(pre) = linked { Some(pre) } else { None }
    }
}

impl<Pre: FromLinked> Loaded<Pre> {
    fn now(pre: Pre, info: &PluginInfo) -> Loaded<Pre> {
        Loaded { pre: OnceLock::from(pre), deferred: None, info: info.clone(), health: Mutex::default() }
    }

    fn later(deferred: Deferred, info: &PluginInfo) -> Loaded<Pre> {
        Loaded { pre: OnceLock::new(), deferred: Some(deferred), info: info.clone(), health: Mutex::default() }
    }

    /// The linked plugin, mapping and linking it first if this is its first call.
    pub fn ready(&self, host: &PluginHost) -> Result<&Pre, String> {
        if let Some(pre) = self.pre.get() {
            return Ok(pre);
        }
        let deferred = self.deferred.as_ref().ok_or("the plugin was never linked")?;
        let entry = cache::Entry::new(&host.engine, &deferred.digest, host.options.cache_dir.as_deref());
        let component = entry.precompiled(&host.engine, deferred.code, &deferred.wasm)?;
        let linked = host.link(self.info.kind, &component, self.info.contract)?;
        let pre = Pre::from_linked(linked).ok_or("the plugin linked as another kind")?;
        // Another call may have got there first: either link serves.
        let _ = self.pre.set(pre);
        self.pre.get().ok_or_else(|| "the plugin could not be linked".to_string())
    }

    /// Whether its machine code is in memory yet.
    pub fn mapped(&self) -> bool {
        self.pre.get().is_some()
    }
}

impl<Pre> Loaded<Pre> {
    pub fn record<T>(&self, outcome: &Result<T, String>) {
        let mut health = self.health.lock().unwrap_or_else(|e| e.into_inner());
        health.calls += 1;
        if let Err(error) = outcome {
            health.errors += 1;
            health.last_error = Some(error.clone());
            health.last_error_at = Some(chrono::Utc::now());
        }
    }

    pub fn status(&self) -> PluginStatus {
        PluginStatus { info: self.info.clone(), health: self.health.lock().unwrap_or_else(|e| e.into_inner()).clone() }
    }
}

impl PluginHost {
    /// Adds each source in order (a later one replaces an earlier one of the same name and
    /// kind): built-in plugins precompiled at build time are only registered; the others
    /// are compiled (or taken from the cache) in parallel first. A source that is not a valid
    /// plugin is reported and left out; the others load.
    pub async fn add_all(&mut self, sources: Vec<PluginPackage>) -> Vec<Result<(PluginInfo, Added), LoadError>> {
        use rayon::prelude::*;
        let cache = self.options.cache_dir.as_deref();
        let prepared: Vec<_> = sources
            .into_par_iter()
            .map(|mut source| {
                let precompiled = source.precompiled.take();
                let entry = cache::Entry::new(&self.engine, &source.digest, cache);
                let component = match precompiled {
                    Some(precompiled) => Err(precompiled),
                    None => Ok(entry.component(&self.engine, &source.wasm).map(|(component, _)| component)),
                };
                (source, entry, component)
            })
            .collect();
        let mut outcomes = Vec::new();
        for (source, entry, component) in prepared {
            let origin = source.origin.clone();
            let added = match component {
                Err(precompiled) => self.register(source, precompiled),
                Ok(Ok(component)) => self.add(&origin, source.manifest, &entry, component).await,
                Ok(Err(message)) => Err(message),
            };
            outcomes.push(added.map_err(|message| LoadError { origin, message }));
        }
        outcomes
    }

    /// A built-in plugin, described at build time, to be mapped on first use.
    fn register(
        &mut self,
        source: PluginPackage,
        precompiled: super::Precompiled,
    ) -> Result<(PluginInfo, Added), String> {
        let contract =
            contract::Version::ALL.into_iter().find(|version| version.as_str() == precompiled.contract).ok_or_else(
                || format!("built against skopos:plugin@{}, which this agent does not know", precompiled.contract),
            )?;
        let info = self.info(&source.origin, source.manifest, precompiled.described, contract)?;
        let deferred = Deferred { code: precompiled.code, wasm: source.wasm, digest: source.digest };
        let replaced = match info.kind {
            Kind::Assertion => self.insert_assertion(Loaded::later(deferred, &info)),
            Kind::Notifier => {
                self.notifiers.insert(info.name.clone(), Loaded::later(deferred, &info)).map(|old| old.info)
            }
            Kind::Probe => self.probes.insert(info.name.clone(), Loaded::later(deferred, &info)).map(|old| old.info),
            Kind::Script => self.insert_script(Loaded::later(deferred, &info)),
        };
        Ok((info, replaced.map_or(Added::New, |old| Added::Replaced(old.source))))
    }

    async fn add(
        &mut self,
        origin: &str,
        manifest: Manifest,
        entry: &cache::Entry,
        component: Component,
    ) -> Result<(PluginInfo, Added), String> {
        let contract = contract::Version::of(&component, &self.engine)?;
        let linked = self.link(manifest.kind, &component, contract)?;
        // Described once per component: later starts read it from the cache.
        let described = match entry.described() {
            Some(described) => described,
            None => {
                let limits = self.options.limits;
                let described = match &linked {
                    Linked::Assertion(pre) => assertion::describe(pre, limits).await,
                    Linked::Notifier(pre) => notifier::describe(pre, limits).await,
                    Linked::Probe(pre) => probe::describe(pre, limits).await,
                    Linked::Script(pre) => script::describe(pre, limits).await,
                }
                .map_err(|e| format!("`describe` failed: {}", call_error(e, limits.deadline)))?;
                entry.remember(&described);
                described
            }
        };
        let info = self.info(origin, manifest, described, contract)?;
        let replaced = match linked {
            Linked::Assertion(pre) => self.insert_assertion(Loaded::now(pre, &info)),
            Linked::Notifier(pre) => {
                self.notifiers.insert(info.name.clone(), Loaded::now(pre, &info)).map(|old| old.info)
            }
            Linked::Probe(pre) => self.probes.insert(info.name.clone(), Loaded::now(pre, &info)).map(|old| old.info),
            Linked::Script(pre) => self.insert_script(Loaded::now(pre, &info)),
        };
        Ok((info, replaced.map_or(Added::New, |old| Added::Replaced(old.source))))
    }

    fn insert_assertion(&mut self, loaded: Loaded<assertion::Pre>) -> Option<PluginInfo> {
        self.prepared.forget(&loaded.info.name);
        self.assertions.insert(loaded.info.name.clone(), loaded).map(|old| old.info)
    }

    fn insert_script(&mut self, loaded: Loaded<script::Pre>) -> Option<PluginInfo> {
        self.kept_scripts.forget(&loaded.info.name);
        self.scripts.insert(loaded.info.name.clone(), loaded).map(|old| old.info)
    }

    /// What the agent shows of a plugin: what it said of itself, checked against its manifest.
    fn info(
        &self,
        origin: &str,
        manifest: Manifest,
        described: Described,
        contract: contract::Version,
    ) -> Result<PluginInfo, String> {
        if described.version != manifest.version {
            return Err(format!(
                "the manifest says version {}, the plugin says {}",
                manifest.version, described.version
            ));
        }
        let config_schema = serde_json::from_str(&described.config_schema)
            .map_err(|e| format!("`describe` gave a config schema that is not JSON: {e}"))?;
        Ok(PluginInfo {
            name: described.name,
            version: described.version,
            kind: manifest.kind,
            capabilities: manifest.capabilities,
            config_schema,
            source: origin.to_string(),
            contract,
        })
    }

    /// Links `component` against the world of `kind` in contract `version`, with WASI (and
    /// for a notifier, WASI HTTP).
    fn link(&self, kind: Kind, component: &Component, version: contract::Version) -> Result<Linked, String> {
        let mut linker = Linker::<Sandbox>::new(&self.engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(|e| e.to_string())?;
        Ok(match kind {
            Kind::Assertion => Linked::Assertion(assertion::link(&linker, component, version)?),
            Kind::Notifier => {
                wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(|e| e.to_string())?;
                Linked::Notifier(notifier::link(&mut linker, component, version)?)
            }
            Kind::Probe => Linked::Probe(probe::link(&linker, component, version)?),
            Kind::Script => {
                wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(|e| e.to_string())?;
                Linked::Script(script::link(&linker, component, version)?)
            }
        })
    }
}
