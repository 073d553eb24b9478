//! `skopos:plugin@0.5.0` (`wit/0.5.0`): the `script` world. Its other worlds are the same as
//! 0.4.0's, whose bindings ([`super::latest`]) the host keeps speaking for them.

use crate::sandbox::Sandbox;

pub mod script {
    wasmtime::component::bindgen!({
        world: "script",
        path: "../../wit/0.5.0",
        exports: { default: async },
    });
}

impl script::skopos::plugin::types::Host for Sandbox {}
impl script::skopos::plugin::scripting::Host for Sandbox {}
