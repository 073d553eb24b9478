//! Planning scripts: a step's sources in the order they run (the collection's, then its
//! own), and the run's starting scopes. Scripts are only run on HTTP steps.

use serde_json::{Map, Value};

use super::{Compiler, child_key};
use crate::model::{CollectionScript, Step};
use crate::script::{Scopes, Source};

/// The plugin that runs scripts unless the collection names another.
pub const DEFAULT_SCRIPT_PLUGIN: &str = "javascript";

/// A collection's scripting: present when it or any step has scripts.
#[derive(Debug, Clone)]
pub struct Scripting {
    pub plugin: String,
    /// `environment` and `globals` as the collection gives them (`collection` is `vars`).
    pub environment: Map<String, Value>,
    pub globals: Map<String, Value>,
}

impl Scripting {
    /// The scopes when a run starts: `collection` holds the collection's variables.
    pub fn scopes(&self, variables: &Map<String, Value>) -> Scopes {
        Scopes::from([
            ("globals".to_string(), self.globals.clone()),
            ("environment".to_string(), self.environment.clone()),
            ("collection".to_string(), variables.clone()),
            ("local".to_string(), Map::new()),
        ])
    }
}

/// A step's scripts, each phase's sources in the order they run.
#[derive(Debug, Clone, Default)]
pub struct PlannedScripts {
    pub before: Vec<Source>,
    pub after: Vec<Source>,
    /// What `pm.info.requestName` reads.
    pub request_name: String,
}

pub fn scripting(collection: Option<&CollectionScript>, steps: &[Step]) -> Option<Scripting> {
    let any_step = steps.iter().any(|step| step.script.is_some());
    if collection.is_none() && !any_step {
        return None;
    }
    let collection = collection.cloned().unwrap_or_default();
    Some(Scripting {
        plugin: collection.plugin.unwrap_or_else(|| DEFAULT_SCRIPT_PLUGIN.to_string()),
        environment: collection.environment,
        globals: collection.globals,
    })
}

impl Compiler<'_> {
    /// The sources of step `index` (at `at`), around it the collection's; `None` when none
    /// apply.
    pub(super) fn step_scripts(
        &mut self,
        at: &str,
        step: &Step,
        label: &str,
        collection: Option<&CollectionScript>,
    ) -> Option<PlannedScripts> {
        let own = step.script.clone().unwrap_or_default();
        let around = collection.cloned().unwrap_or_default();
        let sources = |around: &crate::model::Scripts, own: &crate::model::Scripts| -> Vec<Source> {
            let outer = around.iter().map(|code| ("collection".to_string(), code));
            let inner = own.iter().enumerate().map(|(n, code)| {
                let name = if own.iter().count() > 1 { format!("{label} ({})", n + 1) } else { label.to_string() };
                (name, code)
            });
            outer.chain(inner).map(|(name, code)| Source { name, code: code.to_string() }).collect()
        };
        let planned = PlannedScripts {
            before: sources(&around.before, &own.before),
            after: sources(&around.after, &own.after),
            request_name: own.request_name.clone().or_else(|| step.name.clone()).unwrap_or_default(),
        };
        if planned.before.is_empty() && planned.after.is_empty() {
            return None;
        }
        if step.request.is_none() {
            let kind = if step.websocket.is_some() { "a WebSocket" } else { "a probe" };
            if step.script.is_some() {
                self.problem(
                    &child_key(at, "script"),
                    format!("scripts run around HTTP requests; this is {kind} step"),
                );
            }
            return None;
        }
        Some(planned)
    }
}
