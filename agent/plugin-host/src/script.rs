//! Script plugins (world `script`, since contract 0.5.0): a step's scripts, with its request,
//! response and the run's variable scopes, handed to the plugin's `run`.
//!
//! A script plugin sets up its language once per instance (the built-in `javascript` loads
//! its sandbox), so the host keeps instances between calls, but only for the same collection
//! (the `isolation` key): scripts of one collection never share an instance with another's.
//! A call that traps, times out or runs out of memory drops its instance. A call may reach
//! over HTTP only the hosts the collection has called (`pm.sendRequest`).

use std::collections::HashMap;
use std::sync::Mutex;

use wasmtime::Store;
use wasmtime::component::{Component, Linker};

use super::contract::{Version, v0_5_0};
use super::sandbox::{Grants, Sandbox, TICK};
use super::{Described, Limits, PluginHost, call_error};
use skopos_core::model::{Collection, Scripts};
use skopos_core::plan::DEFAULT_SCRIPT_PLUGIN;
use skopos_core::script::{
    Phase, ScriptCall, ScriptError, ScriptFuture, ScriptOutcome, ScriptPlugins, ScriptRequest, ScriptTest,
};

use v0_5_0::script::skopos::plugin::scripting as wit;
use v0_5_0::script::skopos::plugin::types::Header;

pub type Pre = v0_5_0::script::ScriptPre<Sandbox>;

/// Instances kept between calls, at most, over every plugin and collection.
pub const MAX_KEPT: usize = 32;

/// Calls an instance serves before a fresh one takes its place.
pub const MAX_USES: u32 = 10_000;

pub(super) fn link(linker: &Linker<Sandbox>, component: &Component, version: Version) -> Result<Pre, String> {
    if version < Version::V0_5_0 {
        return Err(format!("scripts came with skopos:plugin@0.5.0; it was built against {}", version.as_str()));
    }
    let pre = linker.instantiate_pre(component).map_err(|e| format!("cannot link: {e:#}"))?;
    Pre::new(pre).map_err(|e| format!("not a script plugin of skopos:plugin@0.5.0: {e:#}"))
}

/// Asks the plugin what it is.
pub(super) async fn describe(pre: &Pre, limits: Limits) -> wasmtime::Result<Described> {
    let mut store = Sandbox::store(pre.engine(), Grants::default(), limits.deadline, limits.memory_bytes);
    let info = pre.instantiate_async(&mut store).await?.call_describe(&mut store).await?;
    Ok(Described { name: info.name, version: info.version, config_schema: info.config_schema })
}

struct Kept {
    store: Store<Sandbox>,
    instance: v0_5_0::script::Script,
    uses: u32,
}

/// Idle instances by (plugin, isolation key).
#[derive(Default)]
pub struct KeptScripts {
    idle: Mutex<HashMap<(String, String), Vec<Kept>>>,
}

impl KeptScripts {
    fn take(&self, key: &(String, String)) -> Option<Kept> {
        self.lock().get_mut(key).and_then(Vec::pop)
    }

    fn keep(&self, key: (String, String), kept: Kept) {
        if kept.uses >= MAX_USES {
            return;
        }
        let mut idle = self.lock();
        if idle.values().map(Vec::len).sum::<usize>() >= MAX_KEPT {
            // Make room: the collection that has waited longest loses its instance.
            if let Some(other) = idle.keys().find(|other| **other != key).cloned() {
                idle.remove(&other);
            }
        }
        if idle.values().map(Vec::len).sum::<usize>() < MAX_KEPT {
            idle.entry(key).or_default().push(kept);
        }
    }

    /// Forgets the instances of plugin `name` (it was replaced).
    pub fn forget(&self, name: &str) {
        self.lock().retain(|(plugin, _), _| plugin != name);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Vec<Kept>>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl PluginHost {
    async fn call_script(
        &self,
        pre: &Pre,
        key: (String, String),
        call: &wit::ScriptCall,
    ) -> Result<wit::ScriptOutcome, String> {
        let limits = self.options.limits;
        let mut kept = match self.kept_scripts.take(&key) {
            Some(kept) => kept,
            None => {
                let mut store = Sandbox::store(pre.engine(), Grants::default(), limits.deadline, limits.memory_bytes);
                let instance = pre.instantiate_async(&mut store).await.map_err(|e| call_error(e, limits.deadline))?;
                Kept { store, instance, uses: 0 }
            }
        };
        kept.store.data_mut().grants.hosts = Some(call.hosts.clone());
        kept.store.set_epoch_deadline((limits.deadline.as_millis() / TICK.as_millis()).max(1) as u64);
        let ran = kept.instance.call_run(&mut kept.store, call).await.map_err(|e| {
            if kept.store.data().memory_refused() {
                format!("ran out of memory: it reached its cap of {} MiB", limits.memory_bytes >> 20)
            } else {
                call_error(e, limits.deadline)
            }
        })?;
        kept.uses += 1;
        self.kept_scripts.keep(key, kept);
        ran
    }
}

impl PluginHost {
    /// Each script of `collection` that its script plugin cannot run (a syntax error), as the
    /// field it is in (`steps[2].script.after`) and the problem with its line. A plugin that is
    /// not loaded is [`PluginHost::check_plan`]'s to report.
    pub async fn check_scripts(&self, collection: &Collection) -> Vec<(String, String)> {
        let own = collection.script.as_ref();
        let plugin = own.and_then(|script| script.plugin.as_deref()).unwrap_or(DEFAULT_SCRIPT_PLUGIN);
        let mut fields: Vec<(String, &Scripts)> = Vec::new();
        if let Some(script) = own {
            fields.extend([("script.before".to_string(), &script.before), ("script.after".to_string(), &script.after)]);
        }
        for (index, step) in collection.steps.iter().enumerate() {
            if let Some(script) = &step.script {
                let at = format!("steps[{index}].script");
                fields.extend([(format!("{at}.before"), &script.before), (format!("{at}.after"), &script.after)]);
            }
        }
        let sources: Vec<(String, &str)> = fields
            .iter()
            .flat_map(|(at, scripts)| {
                scripts
                    .placed()
                    .into_iter()
                    .map(move |(n, code)| (n.map_or_else(|| at.clone(), |n| format!("{at}[{n}]")), code))
            })
            .collect();
        let Some(pre) = self.scripts.get(plugin).filter(|_| !sources.is_empty()).and_then(|s| s.ready(self).ok())
        else {
            return Vec::new();
        };
        let limits = self.options.limits;
        let mut store = Sandbox::store(pre.engine(), Grants::default(), limits.deadline, limits.memory_bytes);
        let Ok(instance) = pre.instantiate_async(&mut store).await else { return Vec::new() };
        let mut problems = Vec::new();
        for (at, code) in sources {
            let source = wit::Source { name: at.clone(), code: code.to_string() };
            match instance.call_check(&mut store, &source).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    let line = error.line.map(|line| format!("line {line}: ")).unwrap_or_default();
                    problems.push((at, format!("{line}{}", error.message)));
                }
                Err(trap) => {
                    problems.push((
                        at,
                        format!("the `{plugin}` plugin could not check it: {}", call_error(trap, limits.deadline)),
                    ));
                    break;
                }
            }
        }
        problems
    }
}

impl PluginHost {
    /// [`PluginHost::check_scripts`] for the synchronous paths that save a collection: the
    /// check only computes, so it is run to its end on this thread.
    pub fn check_scripts_now(&self, collection: &Collection) -> Vec<(String, String)> {
        futures_executor::block_on(self.check_scripts(collection))
    }
}

impl ScriptPlugins for PluginHost {
    fn run_scripts<'a>(&'a self, plugin: &'a str, isolation: &'a str, call: ScriptCall) -> ScriptFuture<'a> {
        Box::pin(async move {
            let script = self.scripts.get(plugin).ok_or_else(|| {
                let loaded: Vec<&str> = self.scripts.keys().map(String::as_str).collect();
                format!("no script plugin named `{plugin}` is loaded (loaded: {})", loaded.join(", "))
            })?;
            let started = std::time::Instant::now();
            let outcome = match script.ready(self) {
                Ok(pre) => self.call_script(pre, (plugin.to_string(), isolation.to_string()), &to_wit(call)).await,
                Err(error) => Err(error),
            };
            self.record_call(script, &outcome, started);
            outcome.map(from_wit)
        })
    }

    fn has_script_plugin(&self, plugin: &str) -> bool {
        self.scripts.contains_key(plugin)
    }
}

fn headers(headers: Vec<(String, String)>) -> Vec<Header> {
    headers.into_iter().map(|(name, value)| Header { name, value }).collect()
}

fn request_to_wit(request: ScriptRequest) -> wit::ScriptRequest {
    wit::ScriptRequest {
        method: request.method,
        url: request.url,
        headers: headers(request.headers),
        body: request.body,
    }
}

fn to_wit(call: ScriptCall) -> wit::ScriptCall {
    wit::ScriptCall {
        phase: match call.phase {
            Phase::BeforeRequest => wit::Phase::BeforeRequest,
            Phase::AfterResponse => wit::Phase::AfterResponse,
        },
        scripts: call.scripts.into_iter().map(|source| wit::Source { name: source.name, code: source.code }).collect(),
        request: request_to_wit(call.request),
        response: call.response.map(|response| wit::ScriptResponse {
            status: response.status,
            reason: response.reason,
            headers: headers(response.headers),
            body: response.body,
            time_ms: response.time_ms,
        }),
        scopes: call
            .scopes
            .into_iter()
            .map(|(name, values)| wit::Scope {
                name,
                values: values.into_iter().map(|(key, value)| (key, value.to_string())).collect(),
            })
            .collect(),
        collection: call.collection,
        step: call.step,
        hosts: call.hosts,
    }
}

fn from_wit(outcome: wit::ScriptOutcome) -> ScriptOutcome {
    ScriptOutcome {
        request: ScriptRequest {
            method: outcome.request.method,
            url: outcome.request.url,
            headers: outcome.request.headers.into_iter().map(|h| (h.name, h.value)).collect(),
            body: outcome.request.body,
        },
        scopes: outcome
            .scopes
            .into_iter()
            .map(|scope| {
                let values = scope
                    .values
                    .into_iter()
                    .map(|(key, text)| {
                        let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
                        (key, value)
                    })
                    .collect();
                (scope.name, values)
            })
            .collect(),
        tests: outcome
            .tests
            .into_iter()
            .map(|test| ScriptTest {
                name: test.name,
                passed: test.passed,
                skipped: test.skipped,
                message: test.message,
            })
            .collect(),
        error: outcome.error.map(|error| ScriptError {
            source: error.source,
            message: error.message,
            line: error.line,
        }),
        console: outcome.console,
    }
}
