//! `skopos:plugin@0.4.0` (`wit/0.4.0`), the newest contract: the types the rest of the host
//! speaks, with the `degraded` transition, tags and custom text on alerts, and prepared
//! assertion checks (`preparing`).

use crate::sandbox::Sandbox;

pub mod assertion {
    wasmtime::component::bindgen!({
        world: "assertion",
        path: "../../wit/0.4.0",
        exports: { default: async },
    });
}

pub mod notifier {
    wasmtime::component::bindgen!({
        world: "notifier",
        path: "../../wit/0.4.0",
        imports: { default: async },
        exports: { default: async },
    });
}

pub mod probe {
    wasmtime::component::bindgen!({
        world: "probe",
        path: "../../wit/0.4.0",
        exports: { default: async },
    });
}

/// The shared types interface has no functions; linking it needs only this.
impl notifier::skopos::plugin::types::Host for Sandbox {}

impl notifier::skopos::plugin::email::Host for Sandbox {
    async fn send(&mut self, message: notifier::skopos::plugin::email::Message) -> Result<(), String> {
        self.send_email(&message.to, message.subject, message.text, message.html).await
    }
}
