//! Checking what a definition hands a plugin (a notifier's `config`, an assertion's `value`)
//! against the settings schema the plugin describes, when the definition is validated,
//! applied or saved rather than on every run or alert.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use skopos_core::document::{child_index, child_key};
use skopos_core::plan::{Exchange, Plan};

use super::{Loaded, PluginHost};

impl PluginHost {
    /// What is wrong with a monitor's `notify` entry before any alert is sent: a notifier that
    /// is not loaded, or settings its config schema refuses. Each problem has its path inside
    /// the entry (`plugin`, `config`, `config.headers`). A string holding `@{{...}}` is taken
    /// as right: it is only known when the alert is sent.
    pub fn check_notifier(&self, plugin: &str, config: &Map<String, Value>) -> Vec<(String, String)> {
        check(&self.notifiers, "notifier", plugin, "config", &Value::Object(config.clone()))
    }

    /// What is wrong with an `op: plugin` assertion before it runs: a plugin that is not
    /// loaded, or a `value` its settings schema refuses (paths `plugin`, `value`, `value.x`).
    pub fn check_assertion(&self, plugin: &str, value: Option<&Value>) -> Vec<(String, String)> {
        check(&self.assertions, "assertion", plugin, "value", value.unwrap_or(&Value::Null))
    }
}

fn check<Pre>(
    loaded: &BTreeMap<String, Loaded<Pre>>,
    kind: &str,
    plugin: &str,
    root: &str,
    settings: &Value,
) -> Vec<(String, String)> {
    let Some(found) = loaded.get(plugin) else {
        let names: Vec<&str> = loaded.keys().map(String::as_str).collect();
        let hint = skopos_core::document::suggest(plugin, names.iter().copied())
            .map(|name| format!("did you mean `{name}`? "))
            .unwrap_or_default();
        let message = format!("no {kind} plugin `{plugin}` is loaded ({hint}loaded: {})", names.join(", "));
        return vec![("plugin".into(), message)];
    };
    let Ok(validator) = jsonschema::validator_for(&found.info.config_schema) else {
        return Vec::new();
    };
    validator
        .iter_errors(settings)
        .filter(|error| !error.instance().as_str().is_some_and(|text| text.contains("@{{")))
        .map(|error| (settings_path(root, settings, error.instance_path().as_str()), error.to_string()))
        .collect()
}

/// `config.headers.X-Team` for the JSON Pointer `/headers/X-Team` into `settings`.
fn settings_path(root: &str, settings: &Value, pointer: &str) -> String {
    let mut path = root.to_string();
    let mut at = settings;
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        match at {
            Value::Array(items) => {
                let index: usize = segment.parse().unwrap_or_default();
                path = child_index(&path, index);
                at = items.get(index).unwrap_or(&Value::Null);
            }
            _ => {
                path = child_key(&path, &segment);
                at = at.get(&segment).unwrap_or(&Value::Null);
            }
        }
    }
    path
}

impl PluginHost {
    /// [`PluginHost::check_assertion`] for every `op: plugin` assertion of a collection, and
    /// every probe step's plugin and `config`, each problem with its path in the file
    /// (`steps[0].assert[2].value.schema`, `steps[1].probe.config.resolver`).
    pub fn check_plan(&self, plan: &Plan) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        if let Some(scripting) = &plan.scripting
            && !self.scripts.contains_key(&scripting.plugin)
        {
            let loaded: Vec<&str> = self.scripts.keys().map(String::as_str).collect();
            problems.push((
                "script".to_string(),
                format!("no script plugin named `{}` is loaded (loaded: {})", scripting.plugin, loaded.join(", ")),
            ));
        }
        for (index, step) in plan.steps.iter().enumerate() {
            if let Exchange::Probe(probe) = &step.exchange {
                let at = child_key(&child_index("steps", index), "probe");
                for (path, message) in check(&self.probes, "probe", &probe.plugin, "config", &probe.settings) {
                    problems.push((child_key(&at, &path), format!("`{}`: {message}", probe.plugin)));
                }
            }
            for (number, check) in step.checks.iter().enumerate() {
                let Some(plugin) = check.plugin.as_deref().filter(|_| check.uses_plugin()) else { continue };
                let at = child_index(&child_key(&child_index("steps", index), "assert"), number);
                for (path, message) in self.check_assertion(plugin, check.expected.as_ref()) {
                    problems.push((child_key(&at, &path), format!("`{plugin}`: {message}")));
                }
            }
        }
        problems
    }
}
