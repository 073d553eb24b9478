//! Notifier plugins (world `notifier`): a monitor's `notify: [{ plugin: NAME, config }]`
//! hands each alert to the plugin's `deliver`, with the capabilities its manifest grants.

use serde_json::{Map, Value};
use wasmtime::component::{Component, HasSelf, Linker};

use super::sandbox::{Grants, Sandbox};
use super::{Described, Limits, PluginHost, call_error};
use skopos_core::alert::{AlertEvent, MessageText, Transition};

use super::contract::{Version, latest, v0_1_0, v0_2_0, v0_3_0};
use latest::notifier::skopos::plugin::types as wit;

/// A notifier plugin linked against the contract version it was built against.
pub enum Pre {
    V0_1_0(v0_1_0::notifier::NotifierPre<Sandbox>),
    V0_2_0(v0_2_0::notifier::NotifierPre<Sandbox>),
    V0_3_0(v0_3_0::notifier::NotifierPre<Sandbox>),
    V0_4_0(latest::notifier::NotifierPre<Sandbox>),
}

/// Why a delivery failed, and whether another attempt could help.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryError {
    pub message: String,
    pub retry: bool,
}

impl DeliveryError {
    fn fatal(message: String) -> DeliveryError {
        DeliveryError { message, retry: false }
    }
}

/// Links `component` as a notifier of contract `version` (with its `email` import).
pub(super) fn link(linker: &mut Linker<Sandbox>, component: &Component, version: Version) -> Result<Pre, String> {
    let not = |e: wasmtime::Error| format!("not a notifier plugin of skopos:plugin@{}: {e:#}", version.as_str());
    match version {
        Version::V0_1_0 => v0_1_0::notifier::Notifier::add_to_linker::<Sandbox, HasSelf<Sandbox>>(linker, |s| s),
        Version::V0_2_0 => v0_2_0::notifier::Notifier::add_to_linker::<Sandbox, HasSelf<Sandbox>>(linker, |s| s),
        Version::V0_3_0 => v0_3_0::notifier::Notifier::add_to_linker::<Sandbox, HasSelf<Sandbox>>(linker, |s| s),
        Version::V0_4_0 => latest::notifier::Notifier::add_to_linker::<Sandbox, HasSelf<Sandbox>>(linker, |s| s),
        Version::V0_5_0 => return Err(super::contract::only_scripts_in_0_5_0("notifier")),
    }
    .map_err(|e| e.to_string())?;
    let pre = linker.instantiate_pre(component).map_err(|e| format!("cannot link: {e:#}"))?;
    Ok(match version {
        Version::V0_1_0 => Pre::V0_1_0(v0_1_0::notifier::NotifierPre::new(pre).map_err(not)?),
        Version::V0_2_0 => Pre::V0_2_0(v0_2_0::notifier::NotifierPre::new(pre).map_err(not)?),
        Version::V0_3_0 => Pre::V0_3_0(v0_3_0::notifier::NotifierPre::new(pre).map_err(not)?),
        Version::V0_4_0 => Pre::V0_4_0(latest::notifier::NotifierPre::new(pre).map_err(not)?),
        Version::V0_5_0 => return Err(super::contract::only_scripts_in_0_5_0("notifier")),
    })
}

/// Asks the plugin what it is.
pub(super) async fn describe(pre: &Pre, limits: Limits) -> wasmtime::Result<Described> {
    super::contract::describe_each!(pre, limits, Pre: V0_1_0, V0_2_0, V0_3_0, V0_4_0)
}

impl PluginHost {
    /// One attempt to deliver `event` through the notifier `plugin` with its (resolved) settings.
    pub async fn deliver(
        &self,
        plugin: &str,
        event: &AlertEvent,
        config: &Map<String, Value>,
        run_link: Option<String>,
        custom_text: Option<&MessageText>,
    ) -> Result<(), DeliveryError> {
        let notifier = self
            .notifiers
            .get(plugin)
            .ok_or_else(|| DeliveryError::fatal(format!("no notifier plugin `{plugin}` is loaded")))?;
        let capabilities = &notifier.info.capabilities;
        let grants = Grants {
            hosts: capabilities.allowed_hosts(config),
            mailer: capabilities.email.then(|| self.options.mailer.clone()).flatten(),
            email: capabilities.email,
        };
        let limits = self.options.limits;
        let started = std::time::Instant::now();
        let pre = match notifier.ready(self) {
            Ok(pre) => pre,
            Err(error) => {
                self.record_call(notifier, &Err::<(), _>(error.clone()), started);
                return Err(DeliveryError::fatal(error));
            }
        };
        let mut store = Sandbox::store(&self.engine, grants, limits.delivery_deadline, limits.memory_bytes);
        let alert = alert(event, run_link, custom_text);
        let config = Value::Object(config.clone()).to_string();
        let call = async {
            Ok(match pre {
                Pre::V0_1_0(pre) => {
                    let instance = pre.instantiate_async(&mut store).await?;
                    instance.call_deliver(&mut store, &(&alert).into(), &config).await?.map_err(Into::into)
                }
                Pre::V0_2_0(pre) => {
                    let instance = pre.instantiate_async(&mut store).await?;
                    instance.call_deliver(&mut store, &(&alert).into(), &config).await?.map_err(Into::into)
                }
                Pre::V0_3_0(pre) => {
                    let instance = pre.instantiate_async(&mut store).await?;
                    instance.call_deliver(&mut store, &(&alert).into(), &config).await?.map_err(Into::into)
                }
                Pre::V0_4_0(pre) => {
                    let instance = pre.instantiate_async(&mut store).await?;
                    instance.call_deliver(&mut store, &alert, &config).await?
                }
            })
        };
        let outcome = match tokio::time::timeout(limits.delivery_deadline, call).await {
            Err(_) => Err(DeliveryError {
                message: format!("did not finish within {} ms", limits.delivery_deadline.as_millis()),
                retry: true,
            }),
            Ok(Err(trap)) => Err(DeliveryError::fatal(call_error(trap, limits.delivery_deadline))),
            Ok(Ok(Err(refused))) => Err(DeliveryError { message: refused.message, retry: refused.retry }),
            Ok(Ok(Ok(()))) => Ok(()),
        };
        self.record_call(notifier, &outcome.as_ref().map_err(|e| e.message.clone()), started);
        outcome
    }
}

/// The alert as the WIT record (timestamps in RFC 3339).
fn alert(event: &AlertEvent, run_link: Option<String>, custom_text: Option<&MessageText>) -> wit::Alert {
    let (transition, since, recovered_at) = match event.transition {
        Transition::Failing { since } => (wit::Transition::Failing, since, None),
        Transition::Degraded { since } => (wit::Transition::Degraded, since, None),
        Transition::Reminder { since } => (wit::Transition::Reminder, since, None),
        Transition::Recovered { since, at } => (wit::Transition::Recovered, since, Some(at.to_rfc3339())),
    };
    let json = |value: &Option<Value>| value.as_ref().map(Value::to_string);
    wit::Alert {
        monitor_id: event.monitor_id.clone(),
        monitor: event.monitor.clone(),
        collection_id: event.collection_id.clone(),
        collection: event.collection.clone(),
        region: event.region.clone(),
        transition,
        since: since.to_rfc3339(),
        recovered_at,
        run_id: event.run_id.clone(),
        run_started_at: event.run_started_at.to_rfc3339(),
        run_link,
        failure: event.failure.as_ref().map(|failure| wit::FailingStep {
            step: failure.step.clone(),
            error: failure.error.as_ref().map(|error| error.message.clone()),
            assertions: failure
                .assertions
                .iter()
                .map(|a| wit::FailedAssertion {
                    subject: a.subject(),
                    expected: json(&a.expected),
                    actual: json(&a.actual),
                    message: a.message.clone(),
                })
                .collect(),
        }),
        summary: event.summary(),
        json: event.payload().to_string(),
        tags: event.tags.clone(),
        custom_text: custom_text
            .map(|custom| wit::MessageText { title: custom.title.clone(), text: custom.text.clone() }),
    }
}
