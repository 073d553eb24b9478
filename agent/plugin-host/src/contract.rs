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

pub use v0_2_0 as latest;

use wasmtime::Engine;
use wasmtime::component::Component;

/// A released version of the `skopos:plugin` WIT package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Version {
    V0_1_0,
    V0_2_0,
}

impl Version {
    pub const ALL: [Version; 2] = [Version::V0_1_0, Version::V0_2_0];

    pub fn as_str(self) -> &'static str {
        match self {
            Version::V0_1_0 => "0.1.0",
            Version::V0_2_0 => "0.2.0",
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

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
