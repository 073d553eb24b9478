//! A probe plugin's check as a step: a protocol beyond HTTP, run in the Wasm sandbox.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Runs the probe plugin `plugin` against `target`. Its result is read like a response: a JSON
/// body, a status (the protocol's own code where it has one, as the plugin documents) and
/// the time it took.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    /// The probe plugin's name: `tcp`, `dns`, `tls`, `smtp`, `redis`, `postgres`, or one
    /// loaded with `--plugins`.
    pub plugin: String,
    /// What to check, as the plugin reads it (`db.internal:5432`, `example.com`).
    pub target: String,
    /// The plugin's settings, checked against the schema it describes.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub config: Map<String, Value>,
}
