//! The call as the prelude reads it (one JSON text), and what the prelude answers back as the
//! contract's outcome.

use serde_json::{Map, Value, json};
use skopos_sdk::script::{Header, Phase, Scope, ScriptCall, ScriptError, ScriptOutcome, ScriptRequest, TestResult};

/// The call as JSON for `__skopos.begin`: scope values are parsed (each is JSON text).
pub fn input(call: &ScriptCall) -> String {
    let headers = |headers: &[Header]| -> Value { headers.iter().map(|h| json!([h.name, h.value])).collect() };
    let scopes: Map<String, Value> = call
        .scopes
        .iter()
        .map(|scope| {
            let values: Map<String, Value> = scope
                .values
                .iter()
                .map(|(name, text)| (name.clone(), serde_json::from_str(text).unwrap_or(Value::String(text.clone()))))
                .collect();
            (scope.name.clone(), Value::Object(values))
        })
        .collect();
    json!({
        "phase": match call.phase { Phase::BeforeRequest => "before", Phase::AfterResponse => "after" },
        "request": {
            "method": call.request.method,
            "url": call.request.url,
            "headers": headers(&call.request.headers),
            "body": call.request.body,
        },
        "response": call.response.as_ref().map(|response| json!({
            "status": response.status,
            "reason": response.reason,
            "headers": headers(&response.headers),
            "body": response.body,
            "time": response.time_ms,
        })),
        "scopes": scopes,
        "collection": call.collection,
        "step": call.step,
        "hosts": call.hosts,
    })
    .to_string()
}

/// The prelude's answer (`__skopos.finish`) as the contract's outcome.
pub fn read(text: &str, call: &ScriptCall, error: Option<ScriptError>) -> Result<ScriptOutcome, String> {
    let answer: Value = serde_json::from_str(text).map_err(|e| format!("the sandbox answered: {e}"))?;
    let request = &answer["request"];
    // No script read the request: it is as given.
    let request = if request.is_null() {
        call.request.clone()
    } else {
        ScriptRequest {
            method: request["method"].as_str().unwrap_or(&call.request.method).to_string(),
            url: request["url"].as_str().unwrap_or(&call.request.url).to_string(),
            headers: request["headers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|pair| Some(Header { name: pair[0].as_str()?.to_string(), value: text_of(&pair[1]) }))
                .collect(),
            body: match &request["body"] {
                Value::Null => None,
                body => Some(text_of(body)),
            },
        }
    };
    let scopes = answer["scopes"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, values)| Scope {
            name: name.clone(),
            values: values
                .as_object()
                .into_iter()
                .flatten()
                .map(|(key, value)| (key.clone(), value.to_string()))
                .collect(),
        })
        .collect();
    let tests = answer["tests"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|test| TestResult {
            name: text_of(&test["name"]),
            passed: test["passed"].as_bool().unwrap_or(false),
            skipped: test["skipped"].as_bool().unwrap_or(false),
            message: test["message"].as_str().map(str::to_string),
        })
        .collect();
    let console = answer["console"].as_array().into_iter().flatten().map(text_of).collect();
    Ok(ScriptOutcome { request, scopes, tests, error, console })
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
