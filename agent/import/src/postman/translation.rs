//! The static translation of a Postman collection's scripts: test scripts into assertions
//! (`script.rs`), what scripts do to variables into the `Templates`, and a note for what is
//! not translated; and whether a collection needs its scripts carried over instead.

use serde_json::Value;

use super::super::script::{test_names, translate};
use super::super::variables::{Effect, pre_request};
use super::super::{Imported, Templates};
use super::{PlacedRequest, events, one_line, script_text};

/// What the static translation made of a request's scripts.
#[derive(Default)]
pub(super) struct Translation {
    pub assertions: Vec<Value>,
    /// What the scripts do to variables once the step has run.
    pub after: Vec<Effect>,
    pub changes_request: bool,
}

/// The request's and its folders' scripts (`label`, the step `step_name`), translated: test
/// scripts into assertions, what pre-request scripts do to variables into `templates`.
pub(super) fn static_scripts(
    found: &PlacedRequest,
    (step_name, label): (&str, &str),
    templates: &mut Templates,
    imported: &mut Imported,
) -> Translation {
    let (item, mut out) = (found.item, Translation::default());
    // Postman runs the collection's and folders' scripts, then the request's own.
    let around = found.around.iter().flat_map(|around| events(&around["event"])).map(|event| (event, false));
    for (event, own) in around.chain(events(&item["event"]).into_iter().map(|event| (event, true))) {
        let script = script_text(&event["script"]["exec"]);
        if script.trim().is_empty() {
            continue;
        }
        match event["listen"].as_str() {
            Some("test") => {
                let translated = translate(&script);
                if own {
                    out.assertions.extend(translated.assertions);
                    for (statement, reason) in translated.skipped {
                        note_untranslated(imported, label, &statement, &reason);
                    }
                }
                out.after.extend(translated.effects);
            }
            Some("prerequest") => {
                let pre = pre_request(&script);
                for effect in &pre.effects {
                    templates.apply(effect, step_name);
                }
                out.changes_request |= pre.changes_request;
                if own && !pre.not_run.is_empty() {
                    let not_run = one_line(&pre.not_run.join("; "));
                    imported.note(label, format!("the prerequest script is not run: {not_run}"));
                }
            }
            Some(other) if own => imported.note(label, format!("the {other} script is not run: {}", one_line(&script))),
            _ => {}
        }
    }
    out
}

/// Whether a script reads the request's body (`request.data`, `pm.request.body`).
pub(super) fn reads_body(script: &str) -> bool {
    script.contains("request.data") || script.contains("request.body")
}

/// A note for a statement of a test script left out; every test it holds is named, also where
/// the text is cut short.
fn note_untranslated(imported: &mut Imported, label: &str, statement: &str, reason: &str) {
    let written = one_line(statement);
    let cut: Vec<String> = test_names(statement)
        .into_iter()
        .filter(|name| !written.contains(name.as_str()))
        .map(|name| format!("`{name}`"))
        .collect();
    let holding = if cut.is_empty() { String::new() } else { format!(" (tests {})", cut.join(", ")) };
    imported.note(label, format!("test script not translated: `{written}`{holding}: {reason}"));
}

/// Notes for scripts on the collection and its folders, which Postman runs around every
/// request inside them and which are not translated.
pub(super) fn scripts_around_requests(holder: &Value, place: &str, notes: &mut Vec<(String, String)>) {
    for event in events(&holder["event"]) {
        let mut script = script_text(&event["script"]["exec"]);
        let listen = event["listen"].as_str().unwrap_or("script");
        if listen == "prerequest" {
            // Its literal settings of variables are carried into every request (`pre_request`).
            script = pre_request(&script).not_run.join("; ");
        }
        if !script.trim().is_empty() {
            notes.push((place.to_string(), format!("the {listen} script is not run: {}", one_line(&script))));
        }
    }
    for item in holder["item"].as_array().into_iter().flatten().filter(|item| item.get("item").is_some()) {
        let folder = format!("folder '{}'", item["name"].as_str().unwrap_or("folder"));
        scripts_around_requests(item, &folder, notes);
    }
}

/// Whether some script does what the static translation cannot follow: a test script not
/// wholly translated or changing a variable in a way not followed, a pre-request script not
/// wholly carried, or any script on the collection or a folder.
pub(super) fn needs_scripts(collection: &Value) -> bool {
    let unfollowed = |effects: &[Effect]| effects.iter().any(|e| matches!(e, Effect::Unknown(_) | Effect::ClearAll));
    let mut holders: Vec<(&Value, bool)> = vec![(collection, false)];
    while let Some((holder, is_request)) = holders.pop() {
        for event in events(&holder["event"]) {
            let script = script_text(&event["script"]["exec"]);
            if script.trim().is_empty() {
                continue;
            }
            let cannot = match event["listen"].as_str() {
                _ if !is_request => true,
                Some("test") => {
                    let translated = translate(&script);
                    !translated.skipped.is_empty() || unfollowed(&translated.effects)
                }
                Some("prerequest") => {
                    let pre = pre_request(&script);
                    !pre.not_run.is_empty() || pre.changes_request || unfollowed(&pre.effects)
                }
                _ => false,
            };
            if cannot {
                return true;
            }
        }
        for item in holder["item"].as_array().into_iter().flatten() {
            holders.push((item, item.get("request").is_some()));
        }
    }
    false
}
