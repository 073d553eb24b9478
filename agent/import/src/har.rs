//! A browser recording (HAR 1.2) into a multi-step collection: the API calls it holds, in
//! order, asserting the status each got; a value from an earlier response that reappears in a
//! later request becomes a reference to that response (`@{{step1.body.token}}`). Static files
//! are left out, and recorded secrets are read from the environment instead of being written.

use serde_json::{Map, Value, json};

use super::{Imported, env_name, looks_secret, step_name};
use skopos_core::interpolate::Template;

/// Headers the agent or the connection sets, or that only a browser sends.
const DROPPED: [&str; 14] = [
    "host",
    "content-length",
    "connection",
    "accept-encoding",
    "cookie",
    "user-agent",
    "referer",
    "origin",
    "priority",
    "pragma",
    "cache-control",
    "upgrade-insecure-requests",
    "te",
    "dnt",
];

/// Shorter recorded values are too likely to reappear by chance to be taken for a reference.
const MIN_CHAINED: usize = 6;

pub fn import(har: &Value, name: &str) -> Result<Imported, String> {
    let entries = har["log"]["entries"].as_array().ok_or("not a HAR file (no `log.entries`)")?;
    let mut imported = Imported::new(name.to_string());
    let calls: Vec<&Value> = entries.iter().filter(|entry| is_call(entry)).collect();
    if calls.len() < entries.len() {
        let note = format!(
            "{} request(s) for pages and static files (scripts, styles, images, fonts) left out",
            entries.len() - calls.len()
        );
        imported.note("the recording", note);
    }
    let base = common_origin(&calls);
    if let Some(base) = &base {
        imported.variables.insert("base".into(), json!(base));
    }
    let mut earlier: Vec<(String, String)> = Vec::new();
    let mut names = std::collections::HashSet::new();
    let mut dropped_cookies = false;
    for (index, entry) in calls.iter().enumerate() {
        let number = index + 1;
        let request = &entry["request"];
        let method = request["method"].as_str().unwrap_or("GET");
        let url = request["url"].as_str().unwrap_or("");
        let label = format!("step {number} ({method} {url})");
        let chain = |text: &str| chained(text, &earlier);
        let mut url = chain(url);
        if let Some(base) = base.as_deref().filter(|b| url.starts_with(*b)) {
            url = format!("@{{{{vars.base}}}}{}", &url[base.len()..]);
        }
        let mut out = json!({"method": method, "url": url});
        let mut headers = Map::new();
        for header in request["headers"].as_array().into_iter().flatten() {
            let (Some(key), Some(value)) = (header["name"].as_str(), header["value"].as_str()) else { continue };
            let lower = key.to_ascii_lowercase();
            if key.starts_with(':') || lower.starts_with("sec-") || DROPPED.contains(&lower.as_str()) {
                dropped_cookies |= lower == "cookie";
                continue;
            }
            let value = chain(value);
            let secret = (lower == "authorization" || looks_secret(&lower)) && !value.contains("@{{");
            let value = if secret { secret_reference(key, &mut imported, &label) } else { value };
            headers.insert(key.to_string(), json!(value));
        }
        if let Some(body) = body(&request["postData"], &earlier, &mut imported, &label) {
            out["body"] = body;
        }
        if !headers.is_empty() {
            out["headers"] = Value::Object(headers);
        }
        let path =
            url::Url::parse(request["url"].as_str().unwrap_or("")).map(|u| u.path().to_string()).unwrap_or_default();
        let step = json!({"name": step_name(&format!("{method} {path}"), &mut names), "request": out});
        let status = entry["response"]["status"].as_u64().filter(|s| *s > 0);
        imported.push_step(
            &label,
            step,
            status.map(|s| json!({"source": "status", "op": "eq", "value": s})).into_iter().collect(),
        );
        remember(&entry["response"], number, &mut earlier);
    }
    if imported.steps.is_empty() {
        return Err("the recording holds no API calls".into());
    }
    if dropped_cookies {
        let note = "the recorded `Cookie` headers are left out: the run's cookie jar keeps what its responses set";
        imported.note("the recording", note.into());
    }
    Ok(imported)
}

/// An API call rather than a page or a static file.
fn is_call(entry: &Value) -> bool {
    match entry["_resourceType"].as_str() {
        Some(kind) => matches!(kind, "xhr" | "fetch"),
        None => {
            let mime = entry["response"]["content"]["mimeType"].as_str().unwrap_or("");
            entry["request"]["method"] != "GET" || mime.contains("json")
        }
    }
}

/// The origin most calls go to, to become the `base` variable.
fn common_origin(calls: &[&Value]) -> Option<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for call in calls {
        let Ok(url) = url::Url::parse(call["request"]["url"].as_str().unwrap_or("")) else { continue };
        let origin = url.origin().ascii_serialization();
        match counts.iter_mut().find(|(o, _)| *o == origin) {
            Some((_, n)) => *n += 1,
            None => counts.push((origin, 1)),
        }
    }
    counts.into_iter().max_by_key(|(_, n)| *n).map(|(origin, _)| origin)
}

/// Recorded values of a response worth referring to: its JSON body's strings, and `Location`.
fn remember(response: &Value, step: usize, earlier: &mut Vec<(String, String)>) {
    fn walk(value: &Value, path: String, step: usize, earlier: &mut Vec<(String, String)>) {
        match value {
            Value::String(text) if text.len() >= MIN_CHAINED => {
                earlier.push((text.clone(), format!("step{step}.body.{path}")))
            }
            Value::Object(map) => {
                for (key, value) in map {
                    if key.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') {
                        walk(value, if path.is_empty() { key.clone() } else { format!("{path}.{key}") }, step, earlier);
                    }
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate().take(20) {
                    walk(item, format!("{path}[{index}]"), step, earlier);
                }
            }
            _ => {}
        }
    }
    let content = &response["content"];
    if content["encoding"].as_str() != Some("base64")
        && let Some(json) = content["text"].as_str().and_then(|t| serde_json::from_str::<Value>(t).ok())
    {
        walk(&json, String::new(), step, earlier);
    }
    for header in response["headers"].as_array().into_iter().flatten() {
        if header["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case("location"))
            && let Some(value) = header["value"].as_str().filter(|v| v.len() >= MIN_CHAINED)
        {
            earlier.push((value.to_string(), format!("step{step}.headers.location")));
        }
    }
    // The longest first, so a token is not cut by a shorter value inside it; of equal ones,
    // the latest response first.
    earlier.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| b.1.cmp(&a.1)));
}

/// `text` with every earlier recorded value replaced by its reference.
/// `text` with each recorded value that an earlier response gave replaced by a reference to
/// it (the longest at each place, in one pass so that no replacement lands inside another),
/// and the rest escaped so that it is sent as recorded.
fn chained(text: &str, earlier: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut literal_from, mut at) = (0, 0);
    while at < text.len() {
        let found = earlier
            .iter()
            .filter(|(value, _)| !value.is_empty() && text[at..].starts_with(value.as_str()))
            .max_by_key(|(value, _)| value.len());
        match found {
            Some((value, reference)) => {
                out.push_str(&Template::escape(&text[literal_from..at]));
                out.push_str(&format!("@{{{{{reference}}}}}"));
                at += value.len();
                literal_from = at;
            }
            None => at += text[at..].chars().next().map_or(1, char::len_utf8),
        }
    }
    out.push_str(&Template::escape(&text[literal_from..]));
    out
}

fn secret_reference(name: &str, imported: &mut Imported, label: &str) -> String {
    let variable = env_name(name);
    imported.note(
        label,
        format!("the recorded `{name}` is read from the environment variable `{variable}`, not written here"),
    );
    format!("@{{{{env.{variable}}}}}")
}

fn body(post: &Value, earlier: &[(String, String)], imported: &mut Imported, label: &str) -> Option<Value> {
    let mime = post["mimeType"].as_str().unwrap_or("");
    if let Some(params) = post["params"].as_array().filter(|p| !p.is_empty()) {
        let mut form = Map::new();
        for param in params {
            let key = param["name"].as_str().unwrap_or("").to_string();
            let value = if looks_secret(&key) {
                secret_reference(&key, imported, label)
            } else {
                chained(param["value"].as_str().unwrap_or(""), earlier)
            };
            form.insert(key, json!(value));
        }
        return Some(json!({"form": form}));
    }
    let text = post["text"].as_str().filter(|t| !t.is_empty())?;
    match serde_json::from_str::<Value>(text) {
        Ok(json) if mime.contains("json") || json.is_object() || json.is_array() => {
            Some(json!({"json": chain_json(json, earlier, imported, label)}))
        }
        _ => Some(json!({"text": chained(text, earlier)})),
    }
}

/// A JSON body with recorded values chained and secret-looking fields read from the environment.
fn chain_json(value: Value, earlier: &[(String, String)], imported: &mut Imported, label: &str) -> Value {
    match value {
        Value::String(text) => json!(chained(&text, earlier)),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| chain_json(v, earlier, imported, label)).collect())
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| {
                    let value = if looks_secret(&key) && value.is_string() {
                        json!(secret_reference(&key, imported, label))
                    } else {
                        chain_json(value, earlier, imported, label)
                    };
                    (key, value)
                })
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_values_become_references_in_one_pass_and_the_rest_is_sent_as_recorded() {
        // What `fuzz/import_har` found: a header holding `@{{`, and values replaced inside
        // references put in for other values.
        let earlier =
            [("tok-1".to_string(), "login.body.token".to_string()), ("o".to_string(), "step2.body.x".to_string())];
        let header = chained("Bearer tok-1 @{{", &earlier);
        assert_eq!(header, "Bearer @{{login.body.token}} @{{'@{{'}}");
        let template = Template::parse(&header).unwrap();
        assert_eq!(template.references().count(), 1, "the `o` inside the reference is left alone");
    }
}
