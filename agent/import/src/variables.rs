//! What Postman scripts do to variables, in the order they do it: set one from the response
//! (a reference to the step), set one to a literal (`pm.environment.set("k", "v")`), change
//! one in a way the importer does not follow (a computed value, `unset`), or clear them all.
//! The importer carries the first two into later requests and leaves out the checks of any
//! request that uses a variable of the last two kinds: that request would not be the one
//! Postman sends.

use serde_json::Value;

use super::js::{call_arguments, literal, statements, string, strip_comments};

/// One change a script makes to a variable.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Set from the response: the reference inside the step (`body.token`).
    Capture(String, String),
    /// Set to this text.
    Literal(String, String),
    /// Changed in a way not followed (a computed value, `unset`, a name that is not a literal).
    Unknown(String),
    /// Every variable cleared (`pm.environment.clear()`), or one set under a computed name.
    ClearAll,
}

/// Calls that set a variable: `(prefix, sets)`: `sets` is false for `unset`-like calls.
const SETTERS: [(&str, bool); 12] = [
    ("pm.environment.set(", true),
    ("pm.collectionVariables.set(", true),
    ("pm.globals.set(", true),
    ("pm.variables.set(", true),
    ("postman.setEnvironmentVariable(", true),
    ("postman.setGlobalVariable(", true),
    ("pm.environment.unset(", false),
    ("pm.collectionVariables.unset(", false),
    ("pm.globals.unset(", false),
    ("pm.variables.unset(", false),
    ("postman.clearEnvironmentVariable(", false),
    ("postman.clearGlobalVariable(", false),
];

const CLEARS: [&str; 5] = [
    "pm.environment.clear(",
    "pm.globals.clear(",
    "pm.collectionVariables.clear(",
    "postman.clearEnvironmentVariables(",
    "postman.clearGlobalVariables(",
];

/// A top-level statement that sets, unsets or clears variables: its effect, with `follow`
/// turning the value set into a capture where it can (`None`: not such a statement).
pub fn statement_effect(statement: &str, follow: impl Fn(&str) -> Option<String>) -> Option<Effect> {
    if CLEARS.iter().any(|clear| statement.starts_with(clear)) {
        return Some(Effect::ClearAll);
    }
    let (rest, sets) = SETTERS.iter().find_map(|(prefix, sets)| Some((statement.strip_prefix(prefix)?, *sets)))?;
    let Some((args, _)) = call_arguments(rest) else { return Some(Effect::ClearAll) };
    let Some(name) = args.first().and_then(|a| string(a)) else { return Some(Effect::ClearAll) };
    if !sets {
        return Some(Effect::Unknown(name));
    }
    let Some(value) = args.get(1) else { return Some(Effect::Unknown(name)) };
    if let Some(reference) = follow(value) {
        return Some(Effect::Capture(name, reference));
    }
    Some(match literal(value) {
        Some(Value::String(text)) => Effect::Literal(name, text),
        Some(value @ (Value::Number(_) | Value::Bool(_))) => Effect::Literal(name, value.to_string()),
        _ => Effect::Unknown(name),
    })
}

/// Every variable the script changes anywhere (inside functions, `if`s and loops too), as
/// [`Effect::Unknown`], or [`Effect::ClearAll`]: what a statement-by-statement reading could
/// miss.
pub fn changed_anywhere(script: &str) -> Vec<Effect> {
    let script = strip_comments(script);
    let mut effects = Vec::new();
    for clear in CLEARS {
        if script.contains(clear) {
            effects.push(Effect::ClearAll);
        }
    }
    for (prefix, _) in SETTERS {
        for (at, _) in script.match_indices(prefix) {
            let rest = &script[at + prefix.len()..];
            match call_arguments(rest).and_then(|(args, _)| args.first().and_then(|a| string(a))) {
                Some(name) => effects.push(Effect::Unknown(name)),
                None => effects.push(Effect::ClearAll),
            }
        }
    }
    effects
}

/// What a pre-request script does that the importer carries over, and what it does not.
#[derive(Debug, Default)]
pub struct PreRequest {
    /// Changes to variables, in order (each literal set, then every other change).
    pub effects: Vec<Effect>,
    /// Statements not run, as written.
    pub not_run: Vec<String>,
    /// The script changes the request itself (`pm.request...`) or the order of requests.
    pub changes_request: bool,
}

pub fn pre_request(script: &str) -> PreRequest {
    let mut out = PreRequest::default();
    let mut literal_names = Vec::new();
    for statement in statements(&strip_comments(script)) {
        match statement_effect(&statement, |_| None) {
            Some(Effect::Literal(name, text)) => {
                literal_names.push(name.clone());
                out.effects.push(Effect::Literal(name, text));
            }
            Some(_) => out.not_run.push(statement),
            None if statement.starts_with("console.") => {}
            None => out.not_run.push(statement),
        }
    }
    // Whatever else sets a variable, at the top level or nested, is not followed.
    let unfollowed = changed_anywhere(&out.not_run.join("\n"));
    out.effects.extend(unfollowed);
    out.changes_request = out.not_run.iter().any(|statement| changes_request(statement));
    out
}

/// A statement that reads as changing the request about to be sent, or which request runs
/// next.
pub fn changes_request(statement: &str) -> bool {
    ["pm.request", "request.", "setNextRequest", "pm.execution.skipRequest"].iter().any(|m| statement.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pre_request_script_sets_literals_and_marks_the_rest() {
        let script = r#"
postman.setEnvironmentVariable("var", "replaced");
pm.globals.set('n', 3);
pm.environment.set("sum", 1 + 2);
if (true) { pm.variables.set("hidden", "x"); }
pm.request.headers.add({key: "X", value: "y"});
console.log("done");
"#;
        let pre = pre_request(script);
        assert_eq!(
            pre.effects,
            vec![
                Effect::Literal("var".into(), "replaced".into()),
                Effect::Literal("n".into(), "3".into()),
                Effect::Unknown("sum".into()),
                Effect::Unknown("hidden".into()),
            ]
        );
        assert_eq!(pre.not_run.len(), 3, "{:?}", pre.not_run);
        assert!(pre.changes_request);
    }

    #[test]
    fn clearing_or_a_computed_name_forgets_every_variable() {
        assert_eq!(changed_anywhere("postman.clearEnvironmentVariables();"), vec![Effect::ClearAll]);
        assert_eq!(changed_anywhere("pm.environment.set(name, 1);"), vec![Effect::ClearAll]);
        assert_eq!(statement_effect("pm.environment.unset('k')", |_| None), Some(Effect::Unknown("k".into())));
    }
}
