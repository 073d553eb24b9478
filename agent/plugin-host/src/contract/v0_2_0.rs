//! `skopos:plugin@0.2.0` (`wit/0.2.0`, frozen): its bindings, and the newest types converted
//! into its own (what the host sends) and back (what the plugin answers).

use crate::sandbox::Sandbox;

pub mod assertion {
    wasmtime::component::bindgen!({
        world: "assertion",
        path: "../../wit/0.2.0",
        exports: { default: async },
    });
}

pub mod notifier {
    wasmtime::component::bindgen!({
        world: "notifier",
        path: "../../wit/0.2.0",
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

super::certificate_response_conversion!(a);

super::frozen_conversions!(a, n);
