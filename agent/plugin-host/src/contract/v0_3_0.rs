//! `skopos:plugin@0.3.0` (`wit/0.3.0`, frozen): its bindings, and the newest types converted
//! into its own (what the host sends) and back (what the plugin answers).

use super::latest;
use crate::sandbox::Sandbox;

pub mod assertion {
    wasmtime::component::bindgen!({
        world: "assertion",
        path: "../../wit/0.3.0",
        exports: { default: async },
    });
}

pub mod notifier {
    wasmtime::component::bindgen!({
        world: "notifier",
        path: "../../wit/0.3.0",
        imports: { default: async },
        exports: { default: async },
    });
}

pub mod probe {
    wasmtime::component::bindgen!({
        world: "probe",
        path: "../../wit/0.3.0",
        exports: { default: async },
    });
}

use assertion::skopos::plugin::types as a;
use notifier::skopos::plugin::types as n;
use probe::skopos::plugin::probing as p;

impl notifier::skopos::plugin::types::Host for Sandbox {}

impl notifier::skopos::plugin::email::Host for Sandbox {
    async fn send(&mut self, message: notifier::skopos::plugin::email::Message) -> Result<(), String> {
        self.send_email(&message.to, message.subject, message.text, message.html).await
    }
}

super::certificate_response_conversion!(a);

impl From<&latest::probe::skopos::plugin::probing::ProbeRequest> for p::ProbeRequest {
    fn from(request: &latest::probe::skopos::plugin::probing::ProbeRequest) -> p::ProbeRequest {
        p::ProbeRequest {
            target: request.target.clone(),
            config: request.config.clone(),
            timeout_ms: request.timeout_ms,
        }
    }
}

impl From<p::ProbeResult> for latest::probe::skopos::plugin::probing::ProbeResult {
    fn from(result: p::ProbeResult) -> Self {
        use latest::probe::skopos::plugin::probing::Timing;
        Self {
            status: result.status,
            body: result.body,
            timings: result.timings.into_iter().map(|timing| Timing { phase: timing.phase, ms: timing.ms }).collect(),
        }
    }
}

super::frozen_conversions!(a, n);
