//! OpenAPI 3.0 and 3.1 (YAML or JSON) into a smoke collection: one step per operation that
//! can be called without input the document does not give (required parameters and bodies need
//! an example, a default or an enum), asserting the documented success status and, where the
//! success response has a JSON schema, the body against it with the `json-schema` plugin.
//! Operations that change data (POST, PUT, PATCH, DELETE) are left out unless asked for: a
//! smoke check should be safe to point at production.

use serde_json::{Map, Value, json};

use super::{Imported, step_name};

const SAFE: [&str; 3] = ["get", "head", "options"];
const UNSAFE: [&str; 4] = ["post", "put", "patch", "delete"];

pub fn import(document: &Value, include_unsafe: bool) -> Result<Imported, String> {
    let version = document["openapi"].as_str().unwrap_or("");
    if !version.starts_with("3.") {
        let what = if document.get("swagger").is_some() { "a Swagger 2 document" } else { "not an OpenAPI document" };
        return Err(format!("{what}: only OpenAPI 3.0 and 3.1 are read"));
    }
    let mut imported = Imported::new(document["info"]["title"].as_str().unwrap_or("OpenAPI smoke").to_string());
    let base = server_url(document, &mut imported);
    imported.variables.insert("base".into(), json!(base));
    if document.get("security").is_some_and(|s| s.as_array().is_some_and(|a| !a.is_empty())) {
        imported.note("the document", "operations need credentials (`security`): add `auth` to the steps".into());
    }
    let mut names = std::collections::HashSet::new();
    let mut left_out = 0;
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            if !SAFE.contains(&method.as_str()) && !UNSAFE.contains(&method.as_str()) {
                continue;
            }
            if UNSAFE.contains(&method.as_str()) && !include_unsafe {
                left_out += 1;
                continue;
            }
            let label = format!("{} {path}", method.to_uppercase());
            match step(document, path, method, item, operation, &mut names) {
                Ok(step) => imported.steps.push(step),
                Err(reason) => imported.note(&label, format!("left out: {reason}")),
            }
        }
    }
    if left_out > 0 {
        imported.note(
            "the document",
            format!("{left_out} operation(s) that change data were left out (`--unsafe` adds those with examples)"),
        );
    }
    Ok(imported)
}

fn server_url(document: &Value, imported: &mut Imported) -> String {
    let server = &document["servers"][0];
    let mut url = server["url"].as_str().unwrap_or("").to_string();
    for (name, variable) in server["variables"].as_object().into_iter().flatten() {
        url = url.replace(&format!("{{{name}}}"), variable["default"].as_str().unwrap_or(""));
    }
    if !url.starts_with("http://") && !url.starts_with("https://") {
        imported.note("`base`", format!("the document's server `{url}` is not an absolute URL: set `--var base=URL`"));
    }
    url.trim_end_matches('/').to_string()
}

/// `#/components/...` references replaced by what they point at (cycles are cut with `{}`).
fn resolve(document: &Value, value: &Value, depth: usize) -> Value {
    match value {
        Value::Object(map) => {
            if let Some(pointer) = map.get("$ref").and_then(Value::as_str) {
                let target = pointer.strip_prefix('#').and_then(|p| document.pointer(p));
                return match (target, depth < 32) {
                    (Some(target), true) => resolve(document, target, depth + 1),
                    _ => json!({}),
                };
            }
            Value::Object(map.iter().map(|(k, v)| (k.clone(), resolve(document, v, depth))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| resolve(document, v, depth)).collect()),
        other => other.clone(),
    }
}

/// An example for a parameter or a body: `example`, the first of `examples`, or the schema's
/// `example`, `default` or first `enum` value.
fn example(value: &Value) -> Option<Value> {
    let from_examples = value["examples"].as_object().and_then(|all| all.values().next()).map(|e| e["value"].clone());
    let schema = &value["schema"];
    [
        value.get("example").cloned(),
        from_examples,
        schema.get("example").cloned(),
        schema.get("default").cloned(),
        schema["enum"].get(0).cloned(),
    ]
    .into_iter()
    .flatten()
    .find(|v| !v.is_null())
}

fn step(
    document: &Value,
    path: &str,
    method: &str,
    item: &Value,
    operation: &Value,
    names: &mut std::collections::HashSet<String>,
) -> Result<Value, String> {
    let operation = resolve(document, operation, 0);
    let mut parameters: Vec<Value> = resolve(document, &item["parameters"], 0).as_array().cloned().unwrap_or_default();
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        parameters.retain(|p| !(p["name"] == parameter["name"] && p["in"] == parameter["in"]));
        parameters.push(parameter.clone());
    }
    let mut url = path.to_string();
    let (mut query, mut headers) = (Map::new(), Map::new());
    for parameter in &parameters {
        let name = parameter["name"].as_str().unwrap_or("");
        let place = parameter["in"].as_str().unwrap_or("");
        if parameter["required"] != json!(true) && place != "path" {
            continue;
        }
        let value =
            example(parameter).ok_or_else(|| format!("needs `{name}` ({place}) and the document gives no example"))?;
        let text = match &value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        match place {
            "path" => {
                let encoded =
                    percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC).to_string();
                url = url.replace(&format!("{{{name}}}"), &encoded);
            }
            "query" => {
                query.insert(name.to_string(), value);
            }
            "header" => {
                headers.insert(name.to_string(), json!(text));
            }
            "cookie" => {
                headers.insert("Cookie".into(), json!(format!("{name}={text}")));
            }
            _ => {}
        }
    }
    // The document's own text is sent as written: a `@{{` in a path or an example is not a
    // reference.
    let url = skopos_core::interpolate::Template::escape(&url);
    let mut request = json!({"method": method.to_uppercase(), "url": format!("@{{{{vars.base}}}}{url}")});
    let body = &operation["requestBody"];
    if body["required"] == json!(true) || (UNSAFE.contains(&method) && body.is_object()) {
        let media = &body["content"]["application/json"];
        let value = example(media).ok_or("needs a JSON body and the document gives no example")?;
        request["body"] = json!({"json": value});
    }
    if !query.is_empty() {
        request["query"] = Value::Object(query);
    }
    if !headers.is_empty() {
        request["headers"] = Value::Object(headers);
    }
    for part in ["body", "query", "headers"] {
        if let Some(value) = request.get_mut(part) {
            super::escape_strings(value);
        }
    }
    let title = operation["operationId"].as_str().map_or_else(|| format!("{method} {path}"), str::to_string);
    let mut step = json!({"name": step_name(&title, names), "request": request});
    step["assert"] = Value::Array(assertions(&operation["responses"]));
    Ok(step)
}

/// The documented success status, and the success body's schema.
fn assertions(responses: &Value) -> Vec<Value> {
    let responses = responses.as_object().cloned().unwrap_or_default();
    let codes: Vec<u64> =
        responses.keys().filter_map(|code| code.parse().ok()).filter(|code| (200..300).contains(code)).collect();
    let mut assertions = match codes.as_slice() {
        [] if responses.contains_key("2XX") => {
            vec![
                json!({"source": "status", "op": "gte", "value": 200}),
                json!({"source": "status", "op": "lt", "value": 300}),
            ]
        }
        [] => vec![json!({"source": "status", "op": "lt", "value": 400})],
        [one] => vec![json!({"source": "status", "op": "eq", "value": one})],
        many => vec![json!({"source": "status", "op": "in", "value": many})],
    };
    let success = codes.first().map(u64::to_string).unwrap_or_else(|| "2XX".into());
    let content = &responses.get(&success).map(|r| r["content"].clone()).unwrap_or_default();
    let json_media =
        content.as_object().and_then(|all| all.iter().find(|(kind, _)| kind.contains("json")).map(|(_, m)| m));
    if let Some(schema) = json_media.map(|media| &media["schema"]).filter(|s| s.is_object()) {
        let value = json!({"schema": json_schema(schema)});
        assertions.push(json!({"name": "the body matches the documented schema", "source": "body", "op": "plugin", "plugin": "json-schema", "value": value}));
    }
    assertions
}

/// OpenAPI 3.0's schema dialect as JSON Schema: `nullable: true` becomes a `null` type; the
/// annotations that are not JSON Schema go.
fn json_schema(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                if !matches!(key.as_str(), "nullable" | "example" | "xml" | "externalDocs" | "discriminator") {
                    out.insert(key.clone(), json_schema(value));
                }
            }
            if map.get("nullable") == Some(&json!(true))
                && let Some(kind) = out.get("type").and_then(Value::as_str).map(str::to_string)
            {
                out.insert("type".into(), json!([kind, "null"]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(json_schema).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzz/import_openapi: a path holding `@{{` made a collection that did not load;
    /// examples are sent as written too.
    #[test]
    fn a_path_holding_a_template_opener_is_sent_as_written() {
        let document = json!({
            "openapi": "3.0.3",
            "servers": [{"url": "http://127.0.0.1:1"}],
            "paths": {"/count@{{ey}": {"get": {
                "parameters": [{"name": "X-Tag", "in": "header", "required": true, "example": "a@{{b"}],
                "responses": {"200": {"description": "ok"}}
            }}}
        });
        let imported = import(&document, false).unwrap();
        imported.check().unwrap();
        let url = imported.spec()["steps"][0]["request"]["url"].as_str().unwrap().to_string();
        assert_eq!(url, "@{{vars.base}}/count@{{'@{{'}}ey}");
        assert_eq!(imported.spec()["steps"][0]["request"]["headers"]["X-Tag"], "a@{{'@{{'}}b");
    }

    #[test]
    fn nullable_and_refs_become_json_schema() {
        let document = json!({"components": {"schemas": {"N": {"type": "integer", "nullable": true, "example": 3}}}});
        let schema =
            resolve(&document, &json!({"type": "object", "properties": {"n": {"$ref": "#/components/schemas/N"}}}), 0);
        assert_eq!(json_schema(&schema), json!({"type": "object", "properties": {"n": {"type": ["integer", "null"]}}}));
        let cycle =
            json!({"components": {"schemas": {"A": {"properties": {"a": {"$ref": "#/components/schemas/A"}}}}}});
        assert!(resolve(&cycle, &json!({"$ref": "#/components/schemas/A"}), 0).is_object());
    }
}
