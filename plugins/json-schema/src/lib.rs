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
use skopos_sdk::assertion::{Guest, GuestPrepared, Info, Prepare, Prepared, Response, Verdict};

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
        Ok(Compiled::new(&expected)?.judge(&response))
    }
}

impl Prepare for JsonSchema {
    type Prepared = Compiled;

    fn prepare(expected: String) -> Result<Prepared, String> {
        Ok(Prepared::new(Compiled::new(&expected)?))
    }
}

/// A schema compiled once, for every response the assertion judges.
struct Compiled {
    validator: jsonschema::Validator,
    pointer: String,
}

impl GuestPrepared for Compiled {
    fn check(&self, response: Response) -> Result<Verdict, String> {
        Ok(self.judge(&response))
    }
}

impl Compiled {
    fn new(expected: &str) -> Result<Compiled, String> {
        let settings: Value = serde_json::from_str(expected).map_err(|e| format!("value: {e}"))?;
        let schema = settings.get("schema").ok_or("value.schema: required (the JSON Schema to check against)")?;
        let validator = jsonschema::validator_for(schema).map_err(|e| format!("value.schema: {e}"))?;
        let pointer = settings.get("pointer").and_then(Value::as_str).unwrap_or("").to_string();
        Ok(Compiled { validator, pointer })
    }

    fn judge(&self, response: &Response) -> Verdict {
        let body: Value = match serde_json::from_slice(&response.body) {
            Ok(body) => body,
            Err(e) => return skopos_sdk::verdict(false, &format!("the body is not JSON: {e}"), None),
        };
        let Some(instance) = body.pointer(&self.pointer) else {
            return skopos_sdk::verdict(false, &format!("nothing at `{}` in the body", self.pointer), None);
        };
        let errors: Vec<String> = self
            .validator
            .iter_errors(instance)
            .map(|error| {
                let path = error.instance_path().as_str();
                format!("{}: {error}", if path.is_empty() { "/" } else { path })
            })
            .collect();
        if errors.is_empty() {
            return skopos_sdk::verdict(true, "", Some(json!("valid")));
        }
        let shown = errors.iter().take(SHOWN_ERRORS).cloned().collect::<Vec<_>>().join("; ");
        let more = errors.len().saturating_sub(SHOWN_ERRORS);
        let message = if more > 0 { format!("{shown} (and {more} more)") } else { shown };
        let count = format!("{} error{}", errors.len(), if errors.len() == 1 { "" } else { "s" });
        skopos_sdk::verdict(false, &message, Some(json!(count)))
    }
}

skopos_sdk::export_assertion!(JsonSchema, prepared);
