//! A Postman request (URL object, headers, auth, body) as a step's request, sent as Postman
//! sends it.

use serde_json::{Map, Value, json};

use crate::{Imported, Templates, variable_key};

pub(super) fn enabled(list: &Value) -> impl Iterator<Item = &Value> {
    list.as_array().into_iter().flatten().filter(|entry| entry["disabled"] != json!(true))
}

/// The request in the file format; `differs` is set when part of it is left out, so that it
/// is not the request Postman sends.
pub(super) fn convert_request(
    request: &Value,
    inherited: Option<&Value>,
    templates: &mut Templates,
    imported: &mut Imported,
    label: &str,
    differs: &mut bool,
) -> Value {
    let mut out = json!({"method": request["method"].as_str().unwrap_or("GET").to_uppercase()});
    let (mut url, mut query) = url_of(&request["url"]);
    match not_sent_as_written(&request["url"]) {
        // A query the `query` map cannot hold as written goes in the URL as Postman has it.
        Some(Unwritten::Query(_)) if inline_query(&request["url"]).is_some() => {
            url = inline_query(&request["url"]).unwrap_or_default();
            query.clear();
        }
        Some(Unwritten::Query(why) | Unwritten::Url(why)) => {
            imported.note(label, format!("its URL is not sent exactly as Postman sends it: {why}"));
            *differs = true;
        }
        None => {}
    }
    out["url"] = json!(templates.convert(&with_scheme(&url, &templates.variables)));
    if !query.is_empty() {
        let query: Map<String, Value> =
            query.into_iter().map(|(k, v)| (templates.name(&k), json!(templates.convert(&v)))).collect();
        out["query"] = Value::Object(query);
    }
    let mut headers = Map::new();
    for header in enabled(&request["header"]) {
        if let Some(key) = header["key"].as_str() {
            let value = json!(templates.convert(header["value"].as_str().unwrap_or("")));
            headers.insert(templates.name(key), value);
        }
    }
    let auth = request.get("auth").filter(|a| a["type"] != "inherit").or(inherited);
    if let Some(auth) = auth
        && !apply_auth(auth, &mut out, &mut headers, templates)
    {
        let kind = auth["type"].as_str().unwrap_or("noauth");
        imported.note(label, format!("`{kind}` auth is not carried over; add it by hand"));
        *differs = true;
    }
    if let Some(body) = body_of(&request["body"], &mut headers, templates, imported, label, differs) {
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
        ["http://", "https://", "ws://", "wss://"].iter().any(|scheme| lower.starts_with(scheme))
    };
    let leading_variable = url.strip_prefix("{{").and_then(|rest| rest.split_once("}}")).map(|(name, _)| name.trim());
    let starts_with_a_host = match leading_variable {
        // A variable with no value here (or only its `{{name}}`, sent as written) may hold a
        // whole URL: leave it as it is.
        Some(name) => variables
            .get(&variable_key(name))
            .and_then(Value::as_str)
            .is_some_and(|value| !value.is_empty() && !value.starts_with("{{") && !has_scheme(value)),
        None => !url.is_empty() && !has_scheme(url),
    };
    if starts_with_a_host { format!("http://{url}") } else { url.to_string() }
}

/// What of a URL the agent would not send byte for byte as Postman does, and why.
enum Unwritten {
    /// Its query parameters: the `query` map sends each as `name=value`, once per name, and
    /// encodes `%` again.
    Query(&'static str),
    /// The rest: the agent normalises the path.
    Url(&'static str),
}

/// The whole URL as Postman has it, query and all, when every query parameter is sent (then
/// the agent sends that query as written).
fn inline_query(url: &Value) -> Option<String> {
    let raw = url.get("raw").and_then(Value::as_str)?;
    let all_sent = url.get("query").is_none_or(|query| enabled(query).count() == query.as_array().map_or(0, Vec::len));
    (raw.contains('?') && !raw.contains('#') && all_sent).then(|| raw.to_string())
}

fn not_sent_as_written(url: &Value) -> Option<Unwritten> {
    let raw = url.get("raw").and_then(Value::as_str).or_else(|| url.as_str()).unwrap_or("");
    let (path, query) = raw.split_once('?').map_or((raw, None), |(path, query)| (path, Some(query)));
    let parameters: Vec<&Value> = url.get("query").map(|q| enabled(q).collect()).unwrap_or_default();
    let mut names = std::collections::HashSet::new();
    if parameters.iter().any(|p| p["key"].as_str().is_none_or(str::is_empty) || p["value"].is_null()) {
        return Some(Unwritten::Query("a query parameter has no name or no `=`"));
    }
    if parameters.iter().any(|p| !names.insert(p["key"].as_str().unwrap_or_default())) {
        return Some(Unwritten::Query("a query parameter is repeated"));
    }
    let text = |p: &Value, field: &str| p[field].as_str().unwrap_or_default().to_string();
    if parameters.iter().any(|p| text(p, "key").contains(['%', '#', '&']) || text(p, "value").contains(['%', '#', '&']))
    {
        return Some(Unwritten::Query("a query parameter holds `%`, `#` or `&`, which the agent encodes"));
    }
    if let Some(query) = query
        && (query.is_empty() || query.starts_with('&') || query.ends_with('&') || query.contains("&&"))
    {
        return Some(Unwritten::Query("its query has empty parts"));
    }
    let path = path.split_once("://").map_or(path, |(_, rest)| rest);
    if path.split('/').next().is_some_and(|authority| authority.matches('@').count() > 1) {
        return Some(Unwritten::Url("its user information holds `@`"));
    }
    if path.split('/').skip(1).any(|segment| segment == "." || segment == "..") || raw.contains('#') {
        return Some(Unwritten::Url("its path has `.` or `..` segments, or it has a fragment"));
    }
    None
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

fn apply_auth(auth: &Value, out: &mut Value, headers: &mut Map<String, Value>, templates: &mut Templates) -> bool {
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
        _ => return false,
    }
    true
}

fn body_of(
    body: &Value,
    headers: &mut Map<String, Value>,
    templates: &mut Templates,
    imported: &mut Imported,
    label: &str,
    differs: &mut bool,
) -> Option<Value> {
    let fields = |list: &Value, templates: &mut Templates| -> Map<String, Value> {
        enabled(list)
            .filter(|f| f["type"] != "file")
            .filter_map(|f| {
                let key = templates.name(f["key"].as_str()?);
                Some((key, json!(templates.convert(f["value"].as_str().unwrap_or("")))))
            })
            .collect()
    };
    let is_empty = |list: &Value| enabled(list).next().is_none();
    if body["disabled"] == true {
        return None;
    }
    match body["mode"].as_str()? {
        "raw" => {
            let raw = body["raw"].as_str().unwrap_or("");
            if raw.is_empty() {
                return None;
            }
            // Sent as written (Postman replaces `{{variables}}` in it as text), with the
            // `Content-Type` Postman gives its language when the request sets none.
            if !headers.keys().any(|k| k.eq_ignore_ascii_case("content-type")) {
                let content_type = match body["options"]["raw"]["language"].as_str().unwrap_or("text") {
                    "json" => "application/json",
                    "javascript" => "application/javascript",
                    "html" => "text/html",
                    "xml" => "application/xml",
                    _ => "text/plain",
                };
                headers.insert("Content-Type".into(), json!(content_type));
            }
            Some(json!({"text": templates.convert(raw)}))
        }
        // An empty form is no body.
        "urlencoded" if is_empty(&body["urlencoded"]) => None,
        "formdata" if is_empty(&body["formdata"]) => None,
        "urlencoded" => Some(json!({"form": fields(&body["urlencoded"], templates)})),
        "formdata" => {
            let files: Vec<&str> =
                enabled(&body["formdata"]).filter(|f| f["type"] == "file").filter_map(|f| f["key"].as_str()).collect();
            if !files.is_empty() {
                // The file is wherever Postman's working folder was; the request without it is
                // not Postman's.
                let files = files.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ");
                imported.note(label, format!("the file fields {files} are left out: add them as `{{file: PATH}}`"));
                *differs = true;
            }
            Some(json!({"multipart": fields(&body["formdata"], templates)}))
        }
        "graphql" => {
            let query = templates.convert(body["graphql"]["query"].as_str().unwrap_or(""));
            let variables = body["graphql"]["variables"]
                .as_str()
                .and_then(|v| serde_json::from_str::<Value>(&templates.convert(v)).ok());
            // Postman sends `{"query", "variables"}`, the variables `{}` when it has none.
            Some(json!({"graphql": {"query": query, "variables": variables.unwrap_or(json!({}))}}))
        }
        other => {
            imported.note(label, format!("a `{other}` body is not carried over"));
            None
        }
    }
}

/// A request to a `ws://` or `wss://` URL (Postman's own exports leave WebSocket requests out,
/// but other tools write them so) as a WebSocket step's `websocket`: the URL with its query,
/// and the headers. What a WebSocket step has no place for (a body, auth) is noted.
pub(super) fn as_websocket(converted: &Value, imported: &mut Imported, label: &str) -> Option<Value> {
    let url = converted["url"].as_str()?;
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("ws://") || lower.starts_with("wss://")) {
        return None;
    }
    let mut full = url.to_string();
    if let Some(query) = converted["query"].as_object() {
        let pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default())).collect();
        full.push(if full.contains('?') { '&' } else { '?' });
        full.push_str(&pairs.join("&"));
    }
    let mut websocket = json!({ "url": full });
    if let Some(headers) = converted.get("headers") {
        websocket["headers"] = headers.clone();
    }
    for (field, what) in [("body", "its body"), ("auth", "its auth")] {
        if converted.get(field).is_some() {
            imported.note(label, format!("{what} is left out: a WebSocket step sends messages (`websocket.send`)"));
        }
    }
    Some(websocket)
}
