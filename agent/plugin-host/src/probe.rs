//! Probe plugins (world `probe`, since contract 0.3.0): a `probe:` step hands its target and
//! settings to the plugin's `probe`, which checks a protocol beyond HTTP over WASI sockets,
//! reaching only the addresses its grant allows (see [`crate::sockets`]).

use serde_json::Value;
use wasmtime::component::{Component, Linker};

use super::contract::{Version, latest, v0_3_0};
use super::sandbox::{Grants, Sandbox};
use super::sockets::SocketGrant;
use super::{Described, Limits, PluginHost, call_error};
use skopos_core::probe::{ProbeCall, ProbeFuture, ProbePlugins, ProbeResult};

use latest::probe::skopos::plugin::probing as wit;

/// A probe plugin, linked against the contract version it was built against (0.3.0 is the
/// first with probes).
pub enum Pre {
    V0_3_0(v0_3_0::probe::ProbePre<Sandbox>),
    V0_4_0(latest::probe::ProbePre<Sandbox>),
}

pub(super) fn link(linker: &Linker<Sandbox>, component: &Component, version: Version) -> Result<Pre, String> {
    let not = |e: wasmtime::Error| format!("not a probe plugin of skopos:plugin@{}: {e:#}", version.as_str());
    if version < Version::V0_3_0 {
        return Err(format!("probes came with skopos:plugin@0.3.0; it was built against {}", version.as_str()));
    }
    if version == Version::V0_5_0 {
        return Err(super::contract::only_scripts_in_0_5_0("probe"));
    }
    let pre = linker.instantiate_pre(component).map_err(|e| format!("cannot link: {e:#}"))?;
    Ok(match version {
        Version::V0_3_0 => Pre::V0_3_0(v0_3_0::probe::ProbePre::new(pre).map_err(not)?),
        _ => Pre::V0_4_0(latest::probe::ProbePre::new(pre).map_err(not)?),
    })
}

/// Asks the plugin what it is.
pub(super) async fn describe(pre: &Pre, limits: Limits) -> wasmtime::Result<Described> {
    super::contract::describe_each!(pre, limits, Pre: V0_3_0, V0_4_0)
}

impl ProbePlugins for PluginHost {
    fn probe<'a>(&'a self, call: ProbeCall<'a>) -> ProbeFuture<'a> {
        Box::pin(async move {
            let probe = self.probes.get(call.plugin).ok_or_else(|| {
                let loaded: Vec<&str> = self.probes.keys().map(String::as_str).collect();
                format!("no probe plugin named `{}` is loaded (loaded: {})", call.plugin, loaded.join(", "))
            })?;
            let started = std::time::Instant::now();
            let outcome = self.call_probe(probe, call).await;
            self.record_call(probe, &outcome, started);
            let result = outcome?;
            Ok(ProbeResult {
                status: result.status,
                body: serde_json::from_str(&result.body).unwrap_or(Value::String(result.body)),
                timings: result.timings.into_iter().map(|timing| (timing.phase, timing.ms)).collect(),
            })
        })
    }

    fn has_probe(&self, plugin: &str) -> bool {
        self.probes.contains_key(plugin)
    }
}

impl PluginHost {
    async fn call_probe(&self, probe: &super::Loaded<Pre>, call: ProbeCall<'_>) -> Result<wit::ProbeResult, String> {
        let pre = probe.ready(self)?;
        let sockets = probe.info.capabilities.sockets.clone().unwrap_or_default();
        let grant = SocketGrant::resolve(&sockets, call.target, call.config).await?;
        let limits = self.options.limits;
        let mut store =
            Sandbox::store_with(&self.engine, grant.wasi(), Grants::default(), call.timeout, limits.memory_bytes);
        let request = wit::ProbeRequest {
            target: call.target.to_string(),
            config: call.config.to_string(),
            timeout_ms: u32::try_from(call.timeout.as_millis()).unwrap_or(u32::MAX),
        };
        let run = async {
            Ok(match pre {
                Pre::V0_3_0(pre) => {
                    let instance = pre.instantiate_async(&mut store).await?;
                    instance.call_probe(&mut store, &(&request).into()).await?.map(Into::into)
                }
                Pre::V0_4_0(pre) => {
                    let instance = pre.instantiate_async(&mut store).await?;
                    instance.call_probe(&mut store, &request).await?
                }
            })
        };
        let answer = match tokio::time::timeout(call.timeout, run).await {
            Err(_) => Err(format!("did not finish within {} ms", call.timeout.as_millis())),
            Ok(Err(trap)) => Err(call_error(trap, call.timeout)),
            Ok(Ok(answer)) => answer,
        };
        answer.map_err(|error| error + &grant.refusals())
    }
}
