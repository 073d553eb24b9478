//! `skopos:plugin@0.1.0` (`wit/0.1.0`, frozen): its bindings, and the newest types converted
//! into its own (what the host sends) and back (what the plugin answers).

use super::latest;
use crate::sandbox::Sandbox;

pub mod assertion {
    wasmtime::component::bindgen!({
        world: "assertion",
        path: "../../wit/0.1.0",
        exports: { default: async },
    });
}

pub mod notifier {
    wasmtime::component::bindgen!({
        world: "notifier",
        path: "../../wit/0.1.0",
        imports: { default: async },
        exports: { default: async },
    });
}

use assertion::skopos::plugin::types as a;
use notifier::skopos::plugin::types as n;

impl notifier::skopos::plugin::types::Host for Sandbox {}

impl notifier::skopos::plugin::email::Host for Sandbox {
    async fn send(&mut self, message: notifier::skopos::plugin::email::Message) -> Result<(), String> {
        self.send_email(&message.to, message.subject, message.text, message.html).await
    }
}

/// 0.1.0 has no `certificate`: it is left out.
impl From<&latest::assertion::skopos::plugin::types::Response> for a::Response {
    fn from(response: &latest::assertion::skopos::plugin::types::Response) -> a::Response {
        a::Response {
            status: response.status,
            headers: response
                .headers
                .iter()
                .map(|header| a::Header { name: header.name.clone(), value: header.value.clone() })
                .collect(),
            body: response.body.clone(),
            latency_ms: response.latency_ms,
        }
    }
}

impl From<a::Verdict> for latest::assertion::skopos::plugin::types::Verdict {
    fn from(verdict: a::Verdict) -> Self {
        Self { passed: verdict.passed, message: verdict.message, actual: verdict.actual }
    }
}

impl From<&latest::notifier::skopos::plugin::types::Alert> for n::Alert {
    fn from(alert: &latest::notifier::skopos::plugin::types::Alert) -> n::Alert {
        use latest::notifier::skopos::plugin::types::Transition as New;
        n::Alert {
            monitor_id: alert.monitor_id.clone(),
            monitor: alert.monitor.clone(),
            collection_id: alert.collection_id.clone(),
            collection: alert.collection.clone(),
            region: alert.region.clone(),
            transition: match alert.transition {
                New::Failing => n::Transition::Failing,
                New::Reminder => n::Transition::Reminder,
                New::Recovered => n::Transition::Recovered,
            },
            since: alert.since.clone(),
            recovered_at: alert.recovered_at.clone(),
            run_id: alert.run_id.clone(),
            run_started_at: alert.run_started_at.clone(),
            run_link: alert.run_link.clone(),
            failure: alert.failure.as_ref().map(|failure| n::FailingStep {
                step: failure.step.clone(),
                error: failure.error.clone(),
                assertions: failure
                    .assertions
                    .iter()
                    .map(|assertion| n::FailedAssertion {
                        subject: assertion.subject.clone(),
                        expected: assertion.expected.clone(),
                        actual: assertion.actual.clone(),
                        message: assertion.message.clone(),
                    })
                    .collect(),
            }),
            summary: alert.summary.clone(),
            json: alert.json.clone(),
        }
    }
}

impl From<n::DeliveryError> for latest::notifier::skopos::plugin::types::DeliveryError {
    fn from(error: n::DeliveryError) -> Self {
        Self { message: error.message, retry: error.retry }
    }
}
