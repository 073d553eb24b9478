//! Scripts on a collection and its steps, in Postman's JavaScript dialect (`pm.*`), run by a
//! script plugin (the built-in `javascript`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One script, or several run in order (sharing the step's variables).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Scripts {
    One(String),
    Many(Vec<String>),
}

impl Default for Scripts {
    fn default() -> Scripts {
        Scripts::Many(Vec::new())
    }
}

impl Scripts {
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Each script that has any code, with where it is among them (`None` when there is
    /// only the one string).
    pub fn placed(&self) -> Vec<(Option<usize>, &str)> {
        match self {
            Scripts::One(one) => vec![(None, one.as_str())],
            Scripts::Many(many) => many.iter().enumerate().map(|(at, code)| (Some(at), code.as_str())).collect(),
        }
        .into_iter()
        .filter(|(_, code)| !code.trim().is_empty())
        .collect()
    }

    /// Each script that has any code, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let all: &[String] = match self {
            Scripts::One(one) => std::slice::from_ref(one),
            Scripts::Many(many) => many,
        };
        all.iter().map(String::as_str).filter(|code| !code.trim().is_empty())
    }
}

/// A step's scripts.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepScript {
    /// Run before the request is sent (Postman's pre-request script): it reads and may change
    /// `pm.request`, and sets variables.
    #[serde(default, skip_serializing_if = "Scripts::is_empty")]
    pub before: Scripts,
    /// Run after the response (Postman's test script): each `pm.test` is reported by its name
    /// beside the step's assertions.
    #[serde(default, skip_serializing_if = "Scripts::is_empty")]
    pub after: Scripts,
    /// What `pm.info.requestName` and `request.name` read (the step's name when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_name: Option<String>,
}

/// The collection's scripts, run around every step's own, and where scripts keep variables.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectionScript {
    /// Run before every step's own `before`.
    #[serde(default, skip_serializing_if = "Scripts::is_empty")]
    pub before: Scripts,
    /// Run after every step's response, before the step's own `after`.
    #[serde(default, skip_serializing_if = "Scripts::is_empty")]
    pub after: Scripts,
    /// `pm.environment`'s values when the run starts (strings may hold `@{{env.NAME}}`).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub environment: Map<String, Value>,
    /// `pm.globals`'s values when the run starts.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub globals: Map<String, Value>,
    /// The script plugin that runs the scripts (default `javascript`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<String>,
}
