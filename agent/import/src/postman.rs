//! Postman Collection v2.0 and v2.1 (with a Postman environment) into collections: folders
//! flatten into ordered steps (or one collection per top-level folder), `{{var}}` becomes
//! `@{{vars.var}}` (or a reference to the step whose test script set it), requests keep their
//! auth, headers, query and bodies, and test scripts become assertions (`script.rs`).

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::script::test_names;

mod behavior;
mod request;
mod scripted;
mod translation;
mod v1;

use super::{Imported, Templates, env_name, looks_secret, step_name};
use request::{convert_request, enabled};
use translation::{needs_scripts, reads_body, scripts_around_requests, static_scripts};

/// How to import.
#[derive(Debug, Default)]
pub struct Options {
    /// One collection per top-level folder instead of one for everything.
    pub split: bool,
    /// A Postman environment file's contents.
    pub environment: Option<Value>,
    /// A Postman globals file's contents (the lowest precedence, below the collection's).
    pub globals: Option<Value>,
}

/// A request with where it sits.
struct PlacedRequest<'a> {
    item: &'a Value,
    /// The top-level folder it is in, if any.
    folder: Option<String>,
    /// The nearest `auth` above it (folder or collection).
    inherited_auth: Option<&'a Value>,
    /// The collection and the folders around it, outermost first: Postman runs their scripts
    /// around this request too, and applies their request settings.
    around: Vec<&'a Value>,
}

pub fn import(collection: &Value, options: &Options) -> Result<Vec<Imported>, String> {
    // A v1 collection is read as the v2.1 one Postman's transformer makes of it.
    let mut v1_notes = Vec::new();
    let converted;
    let collection = match collection["requests"].is_array() && !collection["item"].is_array() {
        true => {
            converted = v1::to_v2(collection, &mut v1_notes);
            &converted
        }
        false => collection,
    };
    let info = &collection["info"];
    if !collection["item"].is_array() {
        return Err("not a Postman collection (no `item` list)".into());
    }
    let schema = info["schema"].as_str().unwrap_or("");
    if !schema.is_empty() && !schema.contains("v2.0") && !schema.contains("v2.1") {
        return Err(format!("Postman collection schema `{schema}`: only v2.0 and v2.1 are read (export as v2.1)"));
    }
    let name = info["name"].as_str().unwrap_or("imported").to_string();
    let collection_variables: Vec<Value> = collection["variable"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["disabled"] != json!(true))
        .cloned()
        .collect();
    let enabled_values = |file: &Option<Value>| -> Vec<Value> {
        let values = file.iter().flat_map(|f| f["values"].as_array().into_iter().flatten());
        values.filter(|v| v["enabled"] != json!(false) && v["disabled"] != json!(true)).cloned().collect()
    };
    let (globals, environment) = (enabled_values(&options.globals), enabled_values(&options.environment));
    let scripted = needs_scripts(collection).then(|| Scripted {
        scoped: globals.iter().chain(&environment).filter_map(|v| Some(v["key"].as_str()?.to_string())).collect(),
        jumps: serde_json::to_string(collection).is_ok_and(|text| {
            text.match_indices("etNextRequest(").any(|(at, _)| !text[at + 14..].trim_start().starts_with("null"))
        }),
    });
    // Globals, then the collection's variables, then the environment's: each wins over the one
    // before, as in Postman. With scripts, the environment and globals are scopes of their own.
    let (variables, secrets) = match &scripted {
        None => collected(globals.iter().chain(&collection_variables).chain(environment.iter())),
        Some(_) => collected(collection_variables.iter()),
    };
    let mut found = Vec::new();
    walk(&collection["item"], None, collection.get("auth"), &[collection], &mut found);
    let mut unrun = Vec::new();
    if scripted.is_none() {
        scripts_around_requests(collection, "the collection", &mut unrun);
    }
    let mut groups: Vec<(String, Vec<PlacedRequest>)> = Vec::new();
    for request in found {
        let group = match (&request.folder, options.split) {
            (Some(folder), true) => format!("{name} / {folder}"),
            _ => name.clone(),
        };
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, list)) => list.push(request),
            None => groups.push((group, vec![request])),
        }
    }
    let mut imported: Vec<Imported> = groups
        .into_iter()
        .map(|(group, requests)| collection_of(group, &requests, &variables, &secrets, scripted.as_ref()))
        .collect();
    if scripted.is_some() {
        for part in &mut imported {
            let script = scripted::collection_script(collection, &environment, &globals, part);
            part.script = Some(script);
        }
    }
    if let Some(first) = imported.first_mut() {
        for (place, note) in v1_notes.into_iter().chain(unrun) {
            first.note(&place, note);
        }
    }
    Ok(imported)
}

/// A collection imported with its scripts.
struct Scripted {
    /// The names the environment and globals hold.
    scoped: std::collections::HashSet<String>,
    /// A script sends the run to another request (`setNextRequest`): the steps then do not
    /// run in Postman's order, so no test is carried over.
    jumps: bool,
}

/// Variables by name from `values` in order (a later one wins), with the secret-looking ones
/// apart: those are read from the environment variable named beside them.
fn collected<'a>(values: impl Iterator<Item = &'a Value>) -> (Map<String, Value>, HashMap<String, String>) {
    let (mut variables, mut secrets) = (Map::new(), HashMap::new());
    for variable in values {
        let Some(key) = variable["key"].as_str() else { continue };
        if variable["type"] == "secret" || looks_secret(key) {
            variables.remove(key);
            secrets.insert(key.to_string(), env_name(key));
        } else {
            secrets.remove(key);
            variables.insert(key.to_string(), scalar(&variable["value"]));
        }
    }
    (variables, secrets)
}

fn scalar(value: &Value) -> Value {
    match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => value.clone(),
        Value::Null => json!(""),
        other => json!(other.to_string()),
    }
}

fn walk<'a>(
    items: &'a Value,
    folder: Option<&str>,
    auth: Option<&'a Value>,
    around: &[&'a Value],
    found: &mut Vec<PlacedRequest<'a>>,
) {
    for item in items.as_array().into_iter().flatten() {
        let own_auth = item.get("auth").filter(|a| a["type"] != "inherit").or(auth);
        if item.get("item").is_some() {
            let name = item["name"].as_str().unwrap_or("folder");
            let inside = [around, &[item]].concat();
            walk(&item["item"], Some(folder.unwrap_or(name)), own_auth, &inside, found);
        } else if item.get("request").is_some() {
            let folder = folder.map(str::to_string);
            found.push(PlacedRequest { item, folder, inherited_auth: auth, around: around.to_vec() });
        }
    }
}

fn collection_of(
    name: String,
    requests: &[PlacedRequest],
    variables: &Map<String, Value>,
    secrets: &HashMap<String, String>,
    scripted: Option<&Scripted>,
) -> Imported {
    let mut templates = Templates::new(variables.clone());
    templates.secrets = secrets.clone();
    templates.undefined_as_written = true;
    if let Some(scripted) = scripted {
        // The names these requests' scripts (and those around them) set, and the scopes'.
        let holders = requests.iter().flat_map(|found| found.around.iter().copied().chain([found.item]));
        templates.dynamic = scripted::names_set(holders).into_iter().chain(scripted.scoped.iter().cloned()).collect();
    }
    let mut imported = Imported::new(name);
    // Newman goes on to the next request after one that gets no response.
    imported.defaults.insert("continue_after_error".into(), json!(true));
    let mut step_names = std::collections::HashSet::new();
    for (index, found) in requests.iter().enumerate() {
        let number = index + 1;
        let item = found.item;
        let title = item["name"].as_str().unwrap_or("request");
        let step_name = step_name(title, &mut step_names);
        let label = format!("step {number} '{title}'");
        let request = &item["request"];
        let request = if let Some(url) = request.as_str() { json!({"url": url}) } else { request.clone() };
        let mut assertions = Vec::new();
        // The request's own settings win over its folders', theirs over the collection's.
        let mut settings = Map::new();
        for holder in found.around.iter().chain([&item]) {
            settings.extend(holder["protocolProfileBehavior"].as_object().cloned().unwrap_or_default());
        }
        let behavior = behavior::read(Some(&Value::Object(settings)));
        let mut changes_request = !behavior.not_carried.is_empty();
        if scripted.is_some_and(|scripted| scripted.jumps) {
            imported.note(
                &label,
                "a script of the collection jumps to another request (`setNextRequest`), which Skopos does not follow"
                    .into(),
            );
            changes_request = true;
        }
        if changes_request {
            let settings = behavior.not_carried.join(", ");
            imported.note(
                &label,
                format!("the request settings (`protocolProfileBehavior`) {settings} are not carried over"),
            );
        }
        let mut after = Vec::new();
        let step_scripts = match scripted {
            Some(_) => {
                let folders = found.around.get(1..).unwrap_or_default();
                let scripts = scripted::step_scripts(folders, item, &mut imported, &label);
                assertions.extend(scripts.assertions.iter().cloned());
                changes_request |= scripts.request_differs;
                Some(scripts)
            }
            None => {
                let translation = static_scripts(found, (&step_name, &label), &mut templates, &mut imported);
                assertions.extend(translation.assertions);
                after = translation.after;
                changes_request |= translation.changes_request;
                None
            }
        };
        let mut converted = convert_request(
            &request,
            found.inherited_auth,
            &mut templates,
            &mut imported,
            &label,
            &mut changes_request,
        );
        if let Some(follow) = behavior.follow_redirects {
            converted["follow_redirects"] = json!(follow);
        }
        if let Some(most) = behavior.max_redirects {
            converted["max_redirects"] = json!(most);
        }
        if !behavior.sends_body_with_get
            && let Some(method) = without_pruned_body(&mut converted, &request)
        {
            imported.note(&label, format!("its body is not sent: Postman sends no body with {method}"));
            // Postman's scripts still read the body it did not send; the step has none.
            if step_scripts.as_ref().is_some_and(|s| s.after.iter().chain(&s.before).any(|code| reads_body(code))) {
                imported
                    .note(&label, "its scripts read the request's body, which Postman keeps but does not send".into());
                changes_request = true;
            }
        }
        let mut step = match request::as_websocket(&converted, &mut imported, &label) {
            Some(websocket) => json!({"name": &step_name, "websocket": websocket}),
            None => json!({"name": &step_name, "request": converted}),
        };
        if let Some(scripts) = step_scripts {
            let mut script = json!({"request_name": title});
            if changes_request && !scripts.after.is_empty() {
                let tests: Vec<String> = scripts
                    .after
                    .iter()
                    .flat_map(|script| test_names(script))
                    .map(|name| format!("`{name}`"))
                    .collect();
                imported.note(
                    &label,
                    format!(
                        "its test script (tests {}) is not carried over: part of its request is not carried over, so it would not check what Postman sends",
                        tests.join(", ")
                    ),
                );
            } else if !scripts.after.is_empty() {
                script["after"] = json!(scripts.after);
            }
            if !scripts.before.is_empty() {
                script["before"] = json!(scripts.before);
            }
            step["script"] = script;
        }
        let unknown = templates.take_unknown_uses();
        if !assertions.is_empty() && (changes_request || !unknown.is_empty()) {
            let why = if changes_request {
                "part of its request (settings, a pre-request script or a file) is not carried over".to_string()
            } else {
                let names: Vec<String> = unknown.iter().map(|name| format!("`{{{{{name}}}}}`")).collect();
                format!("the request uses {}, which a script changes in a way not carried over", names.join(", "))
            };
            let mut tests: Vec<&str> = assertions.iter().filter_map(|a| a["name"].as_str()).collect();
            tests.dedup();
            let tests = tests.iter().map(|test| format!("`{test}`")).collect::<Vec<_>>().join(", ");
            imported.note(
                &label,
                format!("its tests {tests} are not translated: {why}, so they would not check what Postman sends"),
            );
            assertions.clear();
        }
        for effect in &after {
            templates.apply(effect, &step_name);
        }
        imported.push_step(&label, step, assertions);
    }
    imported.finish(templates);
    imported
}

/// The body of a GET (HEAD, ...) taken out of `converted`, as Postman sends none, with the
/// `Content-Type` that came with it unless the `request` set it; the method when it did.
fn without_pruned_body(converted: &mut Value, request: &Value) -> Option<String> {
    let method = converted["method"].as_str().unwrap_or("GET").to_string();
    let object = converted.as_object_mut().filter(|r| behavior::prunes_body(&method) && r.contains_key("body"))?;
    object.remove("body");
    let set_by_request =
        enabled(&request["header"]).any(|h| h["key"].as_str().is_some_and(|k| k.eq_ignore_ascii_case("content-type")));
    if let (false, Some(headers)) = (set_by_request, object.get_mut("headers").and_then(Value::as_object_mut)) {
        headers.retain(|name, _| !name.eq_ignore_ascii_case("content-type"));
        if headers.is_empty() {
            object.remove("headers");
        }
    }
    Some(method)
}

/// An item's `event`: a list, or (as some exporters write it) one event object.
fn events(event: &Value) -> Vec<&Value> {
    match event {
        Value::Array(list) => list.iter().collect(),
        Value::Object(_) => vec![event],
        _ => Vec::new(),
    }
}

fn script_text(exec: &Value) -> String {
    match exec {
        Value::Array(lines) => lines.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n"),
        Value::String(text) => text.clone(),
        _ => String::new(),
    }
}

fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 160 { format!("{}…", line.chars().take(160).collect::<String>()) } else { line }
}

#[cfg(test)]
mod tests;
