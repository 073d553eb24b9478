//! Assertion plugins (world `assertion`): `{ op: plugin, plugin: NAME, value: ... }` hands
//! the response to the plugin's `check`, in the contract version the plugin was built against.

use serde_json::Value;
use wasmtime::component::{Component, Linker};

use super::contract::{Version, latest, v0_1_0, v0_2_0, v0_3_0};
use super::sandbox::{Grants, Sandbox};
use super::{Described, Limits, PluginHost, call_error};
use skopos_core::assert::{AssertionPlugins, PluginFuture, PluginVerdict};
use skopos_core::response::Response;

use latest::assertion::skopos::plugin::types as wit;

/// An assertion plugin linked against the contract version it was built against.
pub enum Pre {
    V0_1_0(v0_1_0::assertion::AssertionPre<Sandbox>),
    V0_2_0(v0_2_0::assertion::AssertionPre<Sandbox>),
    V0_3_0(v0_3_0::assertion::AssertionPre<Sandbox>),
    V0_4_0(latest::assertion::AssertionPre<Sandbox>),
}

/// Links `component` as an assertion plugin of contract `version`.
pub(super) fn link(linker: &Linker<Sandbox>, component: &Component, version: Version) -> Result<Pre, String> {
    let pre = linker.instantiate_pre(component).map_err(|e| format!("cannot link: {e:#}"))?;
    let not = |e: wasmtime::Error| format!("not an assertion plugin of skopos:plugin@{}: {e:#}", version.as_str());
    Ok(match version {
        Version::V0_1_0 => Pre::V0_1_0(v0_1_0::assertion::AssertionPre::new(pre).map_err(not)?),
        Version::V0_2_0 => Pre::V0_2_0(v0_2_0::assertion::AssertionPre::new(pre).map_err(not)?),
        Version::V0_3_0 => Pre::V0_3_0(v0_3_0::assertion::AssertionPre::new(pre).map_err(not)?),
        Version::V0_4_0 => Pre::V0_4_0(latest::assertion::AssertionPre::new(pre).map_err(not)?),
        Version::V0_5_0 => return Err(super::contract::only_scripts_in_0_5_0("assertion")),
    })
}

/// Asks the plugin what it is.
pub(super) async fn describe(pre: &Pre, limits: Limits) -> wasmtime::Result<Described> {
    super::contract::describe_each!(pre, limits, Pre: V0_1_0, V0_2_0, V0_3_0, V0_4_0)
}

/// The response as the newest contract's record.
fn input(response: &Response) -> wit::Response {
    wit::Response {
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
        certificate: response.certificate.as_ref().map(|certificate| wit::Certificate {
            subject: certificate.subject.clone(),
            issuer: certificate.issuer.clone(),
            sans: certificate.sans.clone(),
            not_after: certificate.not_after_unix,
        }),
    }
}

impl PluginHost {
    /// A check on a fresh instance, for plugins built before `preparing` (0.4.0).
    async fn check_fresh(&self, pre: &Pre, input: &wit::Response, expected: &str) -> Result<wit::Verdict, String> {
        let limits = self.options.limits;
        let mut store = Sandbox::store(&self.engine, Grants::default(), limits.deadline, limits.memory_bytes);
        let outcome = async {
            Ok(match pre {
                Pre::V0_1_0(pre) => {
                    let instance = pre.instantiate_async(&mut store).await?;
                    instance.call_check(&mut store, &input.into(), expected).await?.map(Into::into)
                }
                Pre::V0_2_0(pre) => {
                    let instance = pre.instantiate_async(&mut store).await?;
                    instance.call_check(&mut store, &input.into(), expected).await?.map(Into::into)
                }
                Pre::V0_3_0(pre) => {
                    let instance = pre.instantiate_async(&mut store).await?;
                    instance.call_check(&mut store, &input.into(), expected).await?.map(Into::into)
                }
                Pre::V0_4_0(pre) => {
                    let instance = pre.instantiate_async(&mut store).await?;
                    instance.call_check(&mut store, input, expected).await?
                }
            })
        };
        outcome
            .await
            .map_err(|e| call_error(e, limits.deadline))
            .and_then(|checked: Result<wit::Verdict, String>| checked)
    }
}

impl AssertionPlugins for PluginHost {
    fn evaluate<'a>(&'a self, plugin: &'a str, config: Option<&'a Value>, response: &'a Response) -> PluginFuture<'a> {
        Box::pin(async move {
            let assertion = self.assertions.get(plugin).ok_or_else(|| {
                let loaded: Vec<&str> = self.assertions.keys().map(String::as_str).collect();
                format!("no assertion plugin named `{plugin}` is loaded (loaded: {})", loaded.join(", "))
            })?;
            let input = input(response);
            let expected = config.map_or_else(|| "null".to_string(), Value::to_string);
            let limits = self.options.limits;
            let started = std::time::Instant::now();
            let outcome = match assertion.ready(self) {
                Ok(Pre::V0_4_0(pre)) => self.prepared.check(plugin, pre, &expected, &input, limits).await,
                Ok(older) => self.check_fresh(older, &input, &expected).await,
                Err(error) => Err(error),
            };
            self.record_call(assertion, &outcome, started);
            let verdict = outcome?;
            Ok(PluginVerdict {
                passed: verdict.passed,
                actual: verdict.actual.map(|text| serde_json::from_str(&text).unwrap_or(Value::String(text))),
                message: verdict.message,
            })
        })
    }
}
