//! Postman Collection v2.0 and v2.1 (with a Postman environment) into collections: folders
//! flatten into ordered steps (or one collection per top-level folder), `{{var}}` becomes
//! `@{{vars.var}}` (or a reference to the step whose test script set it), requests keep their
//! auth, headers, query and bodies, and test scripts become assertions (`script.rs`).

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::script::translate;
use super::{Imported, Templates, env_name, looks_secret, step_name};

/// How to import.
#[derive(Debug, Default)]
pub struct Options {
    /// One collection per top-level folder instead of one for everything.
    pub split: bool,
    /// A Postman environment file's contents.
    pub environment: Option<Value>,
}

/// A request with where it sits.
struct PlacedRequest<'a> {
    item: &'a Value,
    /// The top-level folder it is in, if any.
    folder: Option<String>,
    /// The nearest `auth` above it (folder or collection).
    inherited_auth: Option<&'a Value>,
}

pub fn import(collection: &Value, options: &Options) -> Result<Vec<Imported>, String> {
    let info = &collection["info"];
    if !collection["item"].is_array() {
        if collection["requests"].is_array() {
            return Err("a Postman Collection v1 file: only v2.0 and v2.1 are read; export it again as v2.1 from \
                        Postman, or convert it with `npx postman-collection-transformer convert -i FILE -o OUT \
                        -j 1.0.0 -p 2.1.0`"
                .into());
        }
        return Err("not a Postman collection (no `item` list)".into());
    }
    let schema = info["schema"].as_str().unwrap_or("");
    if !schema.is_empty() && !schema.contains("v2.0") && !schema.contains("v2.1") {
        return Err(format!("Postman collection schema `{schema}`: only v2.0 and v2.1 are read (export as v2.1)"));
    }
    let name = info["name"].as_str().unwrap_or("imported").to_string();
    // The environment's values win over the collection's, as in Postman.
    let mut variables = Map::new();
    let mut secrets = HashMap::new();
    let collection_variables =
        collection["variable"].as_array().into_iter().flatten().filter(|v| v["disabled"] != json!(true));
    let environment = options.environment.iter().flat_map(|e| e["values"].as_array().into_iter().flatten());
    for variable in collection_variables.chain(environment.filter(|v| v["enabled"] != json!(false))) {
        let Some(key) = variable["key"].as_str() else { continue };
        if variable["type"] == "secret" || looks_secret(key) {
            variables.remove(key);
            secrets.insert(key.to_string(), env_name(key));
        } else {
            secrets.remove(key);
            variables.insert(key.to_string(), scalar(&variable["value"]));
        }
    }
    let mut found = Vec::new();
    walk(&collection["item"], None, collection.get("auth"), &mut found);
    let mut unrun = Vec::new();
    scripts_around_requests(collection, "the collection", &mut unrun);
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
    let mut imported: Vec<Imported> =
        groups.into_iter().map(|(group, requests)| collection_of(group, &requests, &variables, &secrets)).collect();
    if let Some(first) = imported.first_mut() {
        for (place, note) in unrun {
            first.note(&place, note);
        }
    }
    Ok(imported)
}

/// Notes for scripts on the collection and its folders, which Postman runs around every
/// request inside them and which are not translated.
fn scripts_around_requests(holder: &Value, place: &str, notes: &mut Vec<(String, String)>) {
    for event in events(&holder["event"]) {
        let script = script_text(&event["script"]["exec"]);
        if !script.trim().is_empty() {
            let listen = event["listen"].as_str().unwrap_or("script");
            notes.push((place.to_string(), format!("the {listen} script is not run: {}", one_line(&script))));
        }
    }
    for item in holder["item"].as_array().into_iter().flatten().filter(|item| item.get("item").is_some()) {
        let folder = format!("folder '{}'", item["name"].as_str().unwrap_or("folder"));
        scripts_around_requests(item, &folder, notes);
    }
}

fn scalar(value: &Value) -> Value {
    match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => value.clone(),
        Value::Null => json!(""),
        other => json!(other.to_string()),
    }
}

fn walk<'a>(items: &'a Value, folder: Option<&str>, auth: Option<&'a Value>, found: &mut Vec<PlacedRequest<'a>>) {
    for item in items.as_array().into_iter().flatten() {
        let own_auth = item.get("auth").filter(|a| a["type"] != "inherit").or(auth);
        if item.get("item").is_some() {
            let name = item["name"].as_str().unwrap_or("folder");
            walk(&item["item"], Some(folder.unwrap_or(name)), own_auth, found);
        } else if item.get("request").is_some() {
            found.push(PlacedRequest { item, folder: folder.map(str::to_string), inherited_auth: auth });
        }
    }
}

fn collection_of(
    name: String,
    requests: &[PlacedRequest],
    variables: &Map<String, Value>,
    secrets: &HashMap<String, String>,
) -> Imported {
    let mut templates = Templates::new(variables.clone());
    templates.secrets = secrets.clone();
    let mut imported = Imported::new(name);
    let mut step_names = std::collections::HashSet::new();
    for (index, found) in requests.iter().enumerate() {
        let number = index + 1;
        let item = found.item;
        let title = item["name"].as_str().unwrap_or("request");
        let step_name = step_name(title, &mut step_names);
        let label = format!("step {number} '{title}'");
        let request = &item["request"];
        let request = if let Some(url) = request.as_str() { json!({"url": url}) } else { request.clone() };
        let step = json!({"name": &step_name, "request": convert_request(&request, found.inherited_auth, &mut templates, &mut imported, &label)});
        let mut assertions = Vec::new();
        if let Some(behavior) =
            item.get("protocolProfileBehavior").filter(|b| b.as_object().is_some_and(|b| !b.is_empty()))
        {
            imported.note(
                &label,
                format!("the request settings `protocolProfileBehavior` {behavior} are not carried over"),
            );
        }
        for event in events(&item["event"]) {
            let script = script_text(&event["script"]["exec"]);
            if script.trim().is_empty() {
                continue;
            }
            match event["listen"].as_str() {
                Some("test") => {
                    let translated = translate(&script);
                    assertions.extend(translated.assertions);
                    for (statement, reason) in translated.skipped {
                        imported
                            .note(&label, format!("test script not translated: `{}`: {reason}", one_line(&statement)));
                    }
                    for (variable, reference) in translated.captures {
                        templates.captured.insert(variable, format!("{step_name}.{reference}"));
                    }
                }
                Some(other) => imported.note(&label, format!("the {other} script is not run: {}", one_line(&script))),
                None => {}
            }
        }
        imported.push_step(&label, step, assertions);
    }
    imported.finish(templates);
    imported
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

fn enabled(list: &Value) -> impl Iterator<Item = &Value> {
    list.as_array().into_iter().flatten().filter(|entry| entry["disabled"] != json!(true))
}

fn convert_request(
    request: &Value,
    inherited: Option<&Value>,
    templates: &mut Templates,
    imported: &mut Imported,
    label: &str,
) -> Value {
    let mut out = json!({"method": request["method"].as_str().unwrap_or("GET").to_uppercase()});
    let (url, query) = url_of(&request["url"]);
    out["url"] = json!(templates.convert(&with_scheme(&url, &templates.variables)));
    if !query.is_empty() {
        let query: Map<String, Value> = query.into_iter().map(|(k, v)| (k, json!(templates.convert(&v)))).collect();
        out["query"] = Value::Object(query);
    }
    let mut headers = Map::new();
    for header in enabled(&request["header"]) {
        if let Some(key) = header["key"].as_str() {
            headers.insert(key.to_string(), json!(templates.convert(header["value"].as_str().unwrap_or(""))));
        }
    }
    let auth = request.get("auth").filter(|a| a["type"] != "inherit").or(inherited);
    if let Some(auth) = auth {
        apply_auth(auth, &mut out, &mut headers, templates, imported, label);
    }
    if let Some(body) = body_of(&request["body"], &mut headers, templates, imported, label) {
        out["body"] = body;
    }
    if !headers.is_empty() {
        out["headers"] = Value::Object(headers);
    }
    out
}

/// Postman sends a URL written without a scheme (`example.com/a`, or `{{base}}/a` where
/// `base` is a host) over `http://`.
fn with_scheme(url: &str, variables: &Map<String, Value>) -> String {
    let url = url.trim_start();
    let has_scheme = |text: &str| {
        let lower = text.to_ascii_lowercase();
        lower.starts_with("http://") || lower.starts_with("https://")
    };
    let leading_variable = url.strip_prefix("{{").and_then(|rest| rest.split_once("}}")).map(|(name, _)| name.trim());
    let starts_with_a_host = match leading_variable {
        // A variable with no value here may hold a whole URL: leave it as it is.
        Some(name) => {
            variables.get(name).and_then(Value::as_str).is_some_and(|value| !value.is_empty() && !has_scheme(value))
        }
        None => !url.is_empty() && !has_scheme(url),
    };
    if starts_with_a_host { format!("http://{url}") } else { url.to_string() }
}

/// The URL without its query, and the enabled query parameters. A URL object whose `raw` is
/// blank is put together from its parts (`protocol`, `host`, `port`, `path`).
fn url_of(url: &Value) -> (String, Vec<(String, String)>) {
    let Some(object) = url.as_object() else {
        return (url.as_str().unwrap_or("").to_string(), Vec::new());
    };
    let joined = |part: &str, separator: &str| match object.get(part) {
        Some(Value::Array(pieces)) => pieces.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(separator),
        Some(Value::String(text)) => text.clone(),
        _ => String::new(),
    };
    let assembled;
    let mut raw = object.get("raw").and_then(Value::as_str).unwrap_or("");
    if raw.trim().is_empty() {
        let protocol = object.get("protocol").and_then(Value::as_str).unwrap_or("http");
        let port = object.get("port").and_then(Value::as_str).map(|p| format!(":{p}")).unwrap_or_default();
        assembled = format!("{protocol}://{}{port}/{}", joined("host", "."), joined("path", "/"));
        raw = &assembled;
    }
    let Some(parameters) = object.get("query").filter(|q| q.is_array()) else {
        return (raw.to_string(), Vec::new());
    };
    let base = raw.split_once('?').map_or(raw, |(base, _)| base).to_string();
    let query = enabled(parameters)
        .filter_map(|p| Some((p["key"].as_str()?.to_string(), p["value"].as_str().unwrap_or("").to_string())))
        .collect();
    (base, query)
}

/// Postman lists auth settings as `[{key, value}]` (v2.1) or as an object (v2.0).
fn auth_setting(auth: &Value, kind: &str, key: &str) -> String {
    let settings = &auth[kind];
    let value = match settings {
        Value::Array(list) => list.iter().find(|e| e["key"] == key).map(|e| e["value"].clone()).unwrap_or_default(),
        Value::Object(map) => map.get(key).cloned().unwrap_or_default(),
        _ => Value::Null,
    };
    match value {
        Value::String(text) => text,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn apply_auth(
    auth: &Value,
    out: &mut Value,
    headers: &mut Map<String, Value>,
    templates: &mut Templates,
    imported: &mut Imported,
    label: &str,
) {
    let setting = |kind: &str, key: &str, templates: &mut Templates| templates.convert(&auth_setting(auth, kind, key));
    match auth["type"].as_str().unwrap_or("noauth") {
        "noauth" => {}
        "bearer" => out["auth"] = json!({"bearer": setting("bearer", "token", templates)}),
        "basic" => {
            let user = setting("basic", "username", templates);
            out["auth"] = json!({"basic": {"user": user, "password": setting("basic", "password", templates)}});
        }
        "apikey" => {
            let key = setting("apikey", "key", templates);
            let value = setting("apikey", "value", templates);
            if auth_setting(auth, "apikey", "in") == "query" {
                let query = out["query"].as_object().cloned().unwrap_or_default();
                let mut query = query;
                query.insert(key, json!(value));
                out["query"] = Value::Object(query);
            } else {
                headers.insert(key, json!(value));
            }
        }
        other => imported.note(label, format!("`{other}` auth is not carried over; add it by hand")),
    }
}

fn body_of(
    body: &Value,
    headers: &mut Map<String, Value>,
    templates: &mut Templates,
    imported: &mut Imported,
    label: &str,
) -> Option<Value> {
    let fields = |list: &Value, templates: &mut Templates| -> Map<String, Value> {
        enabled(list)
            .filter(|f| f["type"] != "file")
            .filter_map(|f| {
                Some((f["key"].as_str()?.to_string(), json!(templates.convert(f["value"].as_str().unwrap_or("")))))
            })
            .collect()
    };
    match body["mode"].as_str()? {
        "raw" => {
            let raw = body["raw"].as_str().unwrap_or("");
            if raw.trim().is_empty() {
                return None;
            }
            let converted = templates.convert(raw);
            let said_json = body["options"]["raw"]["language"] == "json";
            match serde_json::from_str::<Value>(&converted) {
                Ok(json) if said_json || json.is_object() || json.is_array() => Some(json!({"json": json})),
                _ => {
                    if said_json && !headers.keys().any(|k| k.eq_ignore_ascii_case("content-type")) {
                        headers.insert("Content-Type".into(), json!("application/json"));
                    }
                    Some(json!({"text": converted}))
                }
            }
        }
        "urlencoded" => Some(json!({"form": fields(&body["urlencoded"], templates)})),
        "formdata" => {
            imported.note(label, "multipart form-data is sent as a URL-encoded form; file fields are left out".into());
            Some(json!({"form": fields(&body["formdata"], templates)}))
        }
        "graphql" => {
            let query = templates.convert(body["graphql"]["query"].as_str().unwrap_or(""));
            let variables = body["graphql"]["variables"]
                .as_str()
                .and_then(|v| serde_json::from_str::<Value>(&templates.convert(v)).ok());
            Some(json!({"json": {"query": query, "variables": variables.unwrap_or(json!({}))}}))
        }
        other => {
            imported.note(label, format!("a `{other}` body is not carried over"));
            None
        }
    }
}

#[cfg(test)]
mod tests;
