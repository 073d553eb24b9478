//! `json-schema`: the response body, or the part at `pointer` (a JSON Pointer), is valid
//! against `schema` (JSON Schema drafts 4 to 2020-12; `$ref` only within the schema).
//!
//! ```yaml
//! - source: body
//!   op: plugin
//!   plugin: json-schema
//!   value: { schema: { type: object, required: [id], properties: { id: { type: integer } } } }
//! ```
//! A failure lists the first errors with where they are in the body: `/items/0/id: "x" is
//! not of type "integer"`.

use serde_json::{Value, json};
use skopos_sdk::assertion::{Guest, Info, Response, Verdict};

const SCHEMA: &str = r#"{"type":"object","required":["schema"],"additionalProperties":false,
"properties":{"schema":{"type":["object","boolean"]},"pointer":{"type":"string"}}}"#;

/// Errors listed in a failure message; the count says how many there were.
const SHOWN_ERRORS: usize = 5;

struct JsonSchema;

impl Guest for JsonSchema {
    fn describe() -> Info {
        skopos_sdk::info!("json-schema", SCHEMA)
    }

    fn check(response: Response, expected: String) -> Result<Verdict, String> {
        let settings: Value = serde_json::from_str(&expected).map_err(|e| format!("value: {e}"))?;
        let schema = settings.get("schema").ok_or("value.schema: required (the JSON Schema to check against)")?;
        let validator = jsonschema::validator_for(schema).map_err(|e| format!("value.schema: {e}"))?;
        let body: Value = match serde_json::from_slice(&response.body) {
            Ok(body) => body,
            Err(e) => return Ok(skopos_sdk::verdict(false, &format!("the body is not JSON: {e}"), None)),
        };
        let pointer = settings.get("pointer").and_then(Value::as_str).unwrap_or("");
        let Some(instance) = body.pointer(pointer) else {
            return Ok(skopos_sdk::verdict(false, &format!("nothing at `{pointer}` in the body"), None));
        };
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|error| {
                format!(
                    "{}: {error}",
                    if error.instance_path().as_str().is_empty() { "/" } else { error.instance_path().as_str() }
                )
            })
            .collect();
        if errors.is_empty() {
            return Ok(skopos_sdk::verdict(true, "", Some(json!("valid"))));
        }
        let shown = errors.iter().take(SHOWN_ERRORS).cloned().collect::<Vec<_>>().join("; ");
        let more = errors.len().saturating_sub(SHOWN_ERRORS);
        let message = if more > 0 { format!("{shown} (and {more} more)") } else { shown };
        Ok(skopos_sdk::verdict(
            false,
            &message,
            Some(json!(format!("{} error{}", errors.len(), if errors.len() == 1 { "" } else { "s" }))),
        ))
    }
}

skopos_sdk::export_assertion!(JsonSchema);
