//! Postman collections whose scripts the static translation cannot follow, imported with
//! their scripts: every test script that translates wholly into assertions (and changes no
//! variable) still becomes assertions; every other script is carried over as written, to run
//! in the `javascript` script plugin in Postman's order (the collection's, the folders', the
//! request's). Variables then live in the run's scopes: the collection's in `variables`, the
//! environment's and globals in `script`, and every `{{name}}` reads them when the step runs.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::super::script::{test_names, translate};
use super::super::variables::{Effect, changed_anywhere};
use super::super::{Imported, env_name, looks_secret};
use super::{events, script_text};

/// What a step carries over of its own and its folders' scripts.
#[derive(Default)]
pub struct StepScripts {
    pub before: Vec<String>,
    pub after: Vec<String>,
    /// Assertions translated from a test script that needs no script.
    pub assertions: Vec<Value>,
    /// A before-request script needs what the sandbox does not have: the request it makes
    /// is not Postman's.
    pub request_differs: bool,
}

/// The scripts of a request (`item`) and of the folders around it (`folders`, outermost
/// first), with a note for what cannot run.
pub fn step_scripts(folders: &[&Value], item: &Value, imported: &mut Imported, label: &str) -> StepScripts {
    let mut scripts = StepScripts::default();
    let around = folders.iter().flat_map(|folder| events(&folder["event"])).map(|event| (event, false));
    for (event, own) in around.chain(events(&item["event"]).into_iter().map(|event| (event, true))) {
        let script = script_text(&event["script"]["exec"]);
        if script.trim().is_empty() {
            continue;
        }
        note_what_cannot_run(&script, imported, label);
        let blocked = blocker(&script);
        match event["listen"].as_str() {
            Some("test") if blocked.is_some() => {
                let tests: Vec<String> = test_names(&script).into_iter().map(|name| format!("`{name}`")).collect();
                let why = blocked.unwrap_or_default();
                imported
                    .note(label, format!("its test script (tests {}) is not carried over: {why}", tests.join(", ")));
            }
            Some("prerequest") if blocked.is_some() => {
                scripts.request_differs = true;
                scripts.before.push(script);
            }
            Some("test") => {
                let translated = translate(&script);
                let whole = translated.skipped.is_empty() && translated.effects.is_empty();
                if own && whole && !translated.assertions.is_empty() {
                    scripts.assertions.extend(translated.assertions);
                } else {
                    scripts.after.push(script);
                }
            }
            Some("prerequest") => scripts.before.push(script),
            Some(other) if own => imported.note(label, format!("the {other} script is not run")),
            _ => {}
        }
    }
    scripts
}

/// The collection-level part: its own scripts, and the environment and globals scripts read
/// (a secret-looking value as a reference to the environment variable it is read from).
pub fn collection_script(
    collection: &Value,
    environment: &[Value],
    globals: &[Value],
    imported: &mut Imported,
) -> Value {
    let mut script = Map::new();
    for (listen, key) in [("prerequest", "before"), ("test", "after")] {
        let codes: Vec<String> = events(&collection["event"])
            .into_iter()
            .filter(|event| event["listen"] == listen)
            .map(|event| script_text(&event["script"]["exec"]))
            .filter(|code| !code.trim().is_empty())
            .collect();
        for code in &codes {
            note_what_cannot_run(code, imported, "the collection");
        }
        if !codes.is_empty() {
            script.insert(key.to_string(), json!(codes));
        }
    }
    for (key, values) in [("environment", environment), ("globals", globals)] {
        let scope: Map<String, Value> = values
            .iter()
            .filter_map(|variable| {
                let name = variable["key"].as_str()?;
                let value = if variable["type"] == "secret" || looks_secret(name) {
                    json!(format!("@{{{{env.{}}}}}", env_name(name)))
                } else {
                    super::scalar(&variable["value"])
                };
                Some((name.to_string(), value))
            })
            .collect();
        if !scope.is_empty() {
            script.insert(key.to_string(), Value::Object(scope));
        }
    }
    Value::Object(script)
}

/// The names the scripts of `holders` (requests, and the folders and collection around
/// them) may set: their `{{name}}` reads the run's scopes, never a secret from the environment.
pub fn names_set<'a>(holders: impl Iterator<Item = &'a Value>) -> HashSet<String> {
    let mut names = HashSet::new();
    for holder in holders {
        for event in events(&holder["event"]) {
            for effect in changed_anywhere(&script_text(&event["script"]["exec"])) {
                if let Effect::Unknown(name) = effect {
                    names.insert(name);
                }
            }
        }
    }
    names
}

/// Why a script cannot run as it does in Postman at all: it needs a module or an object the
/// sandbox does not have.
fn blocker(script: &str) -> Option<String> {
    if let Some(module) = script.lines().flat_map(required_modules).next() {
        return Some(format!("it needs `require('{module}')`, which the sandbox does not have"));
    }
    if script.contains("request.description") {
        return Some("it reads the request's description, which is not carried over".into());
    }
    ["pm.cookies.jar", "pm.vault"]
        .iter()
        .find(|call| script.contains(*call))
        .map(|call| format!("it uses `{call}`, which the sandbox does not have"))
}

/// What the script plugin cannot do, named with the script's line.
fn note_what_cannot_run(script: &str, imported: &mut Imported, label: &str) {
    const CANNOT: [(&str, &str); 6] = [
        ("setNextRequest", "Skopos runs steps in order, so the jump to another request is not made"),
        ("skipRequest", "the request is still sent"),
        ("pm.visualizer", "it shows nothing outside Postman"),
        ("pm.iterationData", "a run has no iteration data"),
        ("pm.cookies.jar", "scripts cannot reach the cookie jar"),
        ("pm.vault", "Postman's vault is not reachable"),
    ];
    for (number, line) in script.lines().enumerate() {
        for (call, why) in CANNOT {
            if line.contains(call) {
                imported.note(label, format!("script line {}: `{}`: {why}", number + 1, line.trim()));
            }
        }
        for module in required_modules(line) {
            imported.note(label, format!("script line {}: `require('{module}')` is not available", number + 1));
        }
    }
}

/// Modules `require`d on `line` that the sandbox does not have.
fn required_modules(line: &str) -> Vec<&str> {
    const AVAILABLE: [&str; 6] = ["lodash", "chai", "crypto-js", "atob", "btoa", "tv4"];
    line.match_indices("require(")
        .filter_map(|(at, _)| {
            let rest = line[at + 8..].trim_start();
            let quote = rest.chars().next().filter(|c| matches!(c, '\'' | '"' | '`'))?;
            let name = &rest[1..1 + rest[1..].find(quote)?];
            (!AVAILABLE.contains(&name)).then_some(name)
        })
        .collect()
}
