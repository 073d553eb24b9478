//! The plugin contract, as Zed's extension host does it: `wit/` holds one frozen folder per
//! released version, and this module one submodule per version with its own bindings. The
//! host speaks the newest version's types ([`latest`]); each older version converts them into
//! its own at the edge, so a plugin built against any released version keeps loading.
//!
//! Which version a component was built against is read from the `skopos:plugin` interfaces it
//! imports (every plugin imports at least `types`, as `skopos:plugin/types@0.1.0`). The SDK
//! also stamps it into the custom section `skopos:plugin-version`.

pub mod v0_1_0;
pub mod v0_2_0;
pub mod v0_3_0;
pub mod v0_4_0;
pub mod v0_5_0;

pub use v0_4_0 as latest;

use wasmtime::Engine;
use wasmtime::component::Component;

/// A released version of the `skopos:plugin` WIT package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    V0_1_0,
    V0_2_0,
    V0_3_0,
    V0_4_0,
    /// Adds the `script` world; scripts plugins are built against it (and the other worlds
    /// against 0.4.0, which 0.5.0 leaves as they were).
    V0_5_0,
}

impl Version {
    pub const ALL: [Version; 5] = [Version::V0_1_0, Version::V0_2_0, Version::V0_3_0, Version::V0_4_0, Version::V0_5_0];

    pub fn as_str(self) -> &'static str {
        match self {
            Version::V0_1_0 => "0.1.0",
            Version::V0_2_0 => "0.2.0",
            Version::V0_3_0 => "0.3.0",
            Version::V0_4_0 => "0.4.0",
            Version::V0_5_0 => "0.5.0",
        }
    }

    /// The version `component` was built against.
    pub fn of(component: &Component, engine: &Engine) -> Result<Version, String> {
        let known = || Version::ALL.map(Version::as_str).join(", ");
        let ty = component.component_type();
        let imported = ty.imports(engine).find_map(|(name, _)| name.strip_prefix("skopos:plugin/")?.split_once('@'));
        let Some((_, version)) = imported else {
            return Err(format!("it imports no `skopos:plugin` interface (this agent knows versions {})", known()));
        };
        Version::ALL.into_iter().find(|known| known.as_str() == version).ok_or_else(|| {
            format!("it was built against skopos:plugin@{version}; this agent knows {}: upgrade the agent", known())
        })
    }
}

/// Why a plugin of `kind` built against 0.5.0 is not loaded: 0.5.0 only adds the `script`
/// world, so the SDK builds the other worlds against 0.4.0 and the host links them as such.
pub fn only_scripts_in_0_5_0(kind: &str) -> String {
    format!(
        "it was built against skopos:plugin@0.5.0, which adds only the `script` world; build {kind} plugins \
         against 0.4.0 (what the SDK does), whose `{kind}` world 0.5.0 leaves unchanged"
    )
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// What every frozen version converts the same way, since these records have changed only
/// by additions since 0.1.0: the verdict and delivery error a plugin answers, the alert it is sent. `$a`
/// and `$n` are the version's assertion and notifier `types` modules.
macro_rules! frozen_conversions {
    ($a:ident, $n:ident) => {
        impl From<$a::Verdict> for $crate::contract::latest::assertion::skopos::plugin::types::Verdict {
            fn from(verdict: $a::Verdict) -> Self {
                Self { passed: verdict.passed, message: verdict.message, actual: verdict.actual }
            }
        }

        impl From<&$crate::contract::latest::notifier::skopos::plugin::types::Alert> for $n::Alert {
            fn from(alert: &$crate::contract::latest::notifier::skopos::plugin::types::Alert) -> $n::Alert {
                use $crate::contract::latest::notifier::skopos::plugin::types::Transition as New;
                $n::Alert {
                    monitor_id: alert.monitor_id.clone(),
                    monitor: alert.monitor.clone(),
                    collection_id: alert.collection_id.clone(),
                    collection: alert.collection.clone(),
                    region: alert.region.clone(),
                    transition: match alert.transition {
                        // Before 0.4.0 there is no `degraded`: it is sent as a `failing`
                        // whose summary and JSON say degraded.
                        New::Failing | New::Degraded => $n::Transition::Failing,
                        New::Reminder => $n::Transition::Reminder,
                        New::Recovered => $n::Transition::Recovered,
                    },
                    since: alert.since.clone(),
                    recovered_at: alert.recovered_at.clone(),
                    run_id: alert.run_id.clone(),
                    run_started_at: alert.run_started_at.clone(),
                    run_link: alert.run_link.clone(),
                    failure: alert.failure.as_ref().map(|failure| $n::FailingStep {
                        step: failure.step.clone(),
                        error: failure.error.clone(),
                        assertions: failure
                            .assertions
                            .iter()
                            .map(|assertion| $n::FailedAssertion {
                                subject: assertion.subject.clone(),
                                expected: assertion.expected.clone(),
                                actual: assertion.actual.clone(),
                                message: assertion.message.clone(),
                            })
                            .collect(),
                    }),
                    // The template's text, where the plugin has no field for it.
                    summary: alert.custom_text.as_ref().map_or_else(|| alert.summary.clone(), |t| t.text.clone()),
                    json: alert.json.clone(),
                }
            }
        }

        impl From<$n::DeliveryError> for $crate::contract::latest::notifier::skopos::plugin::types::DeliveryError {
            fn from(error: $n::DeliveryError) -> Self {
                Self { message: error.message, retry: error.retry }
            }
        }
    };
}

pub(crate) use frozen_conversions;

/// The response an assertion plugin judges, for the frozen versions whose record already has
/// the certificate (0.2.0 and later): the same record as the newest, field for field. `$a` is
/// the version's assertion `types` module.
macro_rules! certificate_response_conversion {
    ($a:ident) => {
        impl From<&$crate::contract::latest::assertion::skopos::plugin::types::Response> for $a::Response {
            fn from(response: &$crate::contract::latest::assertion::skopos::plugin::types::Response) -> $a::Response {
                $a::Response {
                    status: response.status,
                    headers: response
                        .headers
                        .iter()
                        .map(|header| $a::Header { name: header.name.clone(), value: header.value.clone() })
                        .collect(),
                    body: response.body.clone(),
                    latency_ms: response.latency_ms,
                    certificate: response.certificate.as_ref().map(|certificate| $a::Certificate {
                        subject: certificate.subject.clone(),
                        issuer: certificate.issuer.clone(),
                        sans: certificate.sans.clone(),
                        not_after: certificate.not_after,
                    }),
                }
            }
        }
    };
}

pub(crate) use certificate_response_conversion;

/// A linked plugin's `describe`, whichever version's bindings its `Pre` enum holds: a fresh
/// instance in a store with no grants, bounded by `limits`. Every version's `info` record is
/// the same, so the answer is read the same way.
macro_rules! describe_each {
    ($pre:expr, $limits:expr, $Pre:ident: $($version:ident),+) => {{
        let engine = match $pre {
            $($Pre::$version(pre) => pre.engine(),)+
        };
        let mut store = $crate::sandbox::Sandbox::store(
            engine,
            $crate::sandbox::Grants::default(),
            $limits.deadline,
            $limits.memory_bytes,
        );
        let (name, version, config_schema) = match $pre {
            $($Pre::$version(pre) => {
                let info = pre.instantiate_async(&mut store).await?.call_describe(&mut store).await?;
                (info.name, info.version, info.config_schema)
            })+
        };
        Ok($crate::Described { name, version, config_schema })
    }};
}

pub(crate) use describe_each;
