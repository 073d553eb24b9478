//! The JSON Schema of collection and monitor files, generated from the model (schemars reads
//! its serde attributes and doc comments), so editors can complete and check them:
//! `# yaml-language-server: $schema=http://127.0.0.1:7070/api/v1/schema/collection.json`.
//! The agent serves them; `docs/schema/` holds copies that a test keeps equal to these.

use schemars::generate::SchemaSettings;
use serde_json::Value;

use crate::model::{Collection, Monitor, StatusPage, Window};

/// The schema of a collection file.
pub fn collection() -> Value {
    schema::<Collection>("collection", "A Skopos collection: an ordered list of steps")
}

/// The schema of a monitor file.
pub fn monitor() -> Value {
    schema::<Monitor>("monitor", "A Skopos monitor: collections run on a schedule, with alerts")
}

/// The schema of a maintenance window file.
pub fn window() -> Value {
    schema::<Window>("window", "A Skopos maintenance window: monitors muted or paused for a while")
}

/// The schema of a status page file.
pub fn status_page() -> Value {
    schema::<StatusPage>("status-page", "A Skopos status page: the public state of some monitors")
}

fn schema<T: schemars::JsonSchema>(name: &str, title: &str) -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut schema = serde_json::to_value(generator.into_root_schema_for::<T>()).expect("schemas serialize");
    if let Value::Object(fields) = &mut schema {
        fields.insert("$id".into(), Value::String(format!("https://skopos.dev/schema/{name}.json")));
        fields.insert("title".into(), Value::String(title.into()));
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `docs/schema/*.schema.json` are these schemas; `SKOPOS_WRITE_SCHEMAS=1 cargo test
    /// --workspace --lib schema` writes them anew after the model changed.
    #[test]
    fn the_schemas_in_docs_are_the_models() {
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/schema");
        for (name, schema) in
            [("collection", collection()), ("monitor", monitor()), ("window", window()), ("status-page", status_page())]
        {
            let file = docs.join(format!("{name}.schema.json"));
            let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
            if std::env::var_os("SKOPOS_WRITE_SCHEMAS").is_some() {
                std::fs::create_dir_all(&docs).unwrap();
                std::fs::write(&file, &text).unwrap();
            }
            let written = std::fs::read_to_string(&file).unwrap_or_default();
            assert!(
                written == text,
                "{} is not the model's schema: run SKOPOS_WRITE_SCHEMAS=1 cargo test --workspace --lib schema",
                file.display()
            );
        }
    }

    /// The schema accepts the examples and refuses what the agent refuses.
    #[test]
    fn the_collection_schema_accepts_the_example_and_names_every_operator() {
        let schema = collection();
        let op = &schema["$defs"]["Op"]["enum"];
        let names: Vec<&str> = op.as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
        assert_eq!(names, crate::predicate::OpName::all());
        let assertion = &schema["$defs"]["Assertion"];
        assert_eq!(assertion["additionalProperties"], false);
        assert_eq!(assertion["properties"]["not"]["type"], "boolean");
    }

    /// Every example file validates; what the agent
    /// refuses for its shape (an unknown field, an unknown operator) the schema refuses too.
    #[test]
    fn the_schemas_accept_the_files_people_write_and_refuse_misspellings() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let collections = jsonschema::validator_for(&collection()).unwrap();
        let monitors = jsonschema::validator_for(&monitor()).unwrap();
        for file in ["examples/checkout.yaml", "examples/local/files.yaml"] {
            let document = crate::document::Document::read(&root.join(file)).unwrap();
            let problems: Vec<String> = collections.iter_errors(&document.value).map(|e| e.to_string()).collect();
            assert!(problems.is_empty(), "{file}: {problems:?}");
        }
        let monitor_file = serde_json::json!({
            "name": "m", "schedule": {"every": "1m"}, "collections": ["c"],
            "notify": [{"plugin": "slack", "config": {"webhook_url": "@{{env.SLACK}}"}}]
        });
        assert!(monitors.is_valid(&monitor_file));
        let step = |assertion: Value| serde_json::json!({"name": "c", "steps": [{"request": {"url": "http://x"}, "assert": [assertion]}]});
        assert!(collections.is_valid(&step(
            serde_json::json!({"source": "body", "property": "n", "op": "lt", "not": true, "value": 5})
        )));
        assert!(collections.is_valid(&step(serde_json::json!({"source": "status", "op": "ne", "value": 500}))));
        assert!(!collections.is_valid(&step(serde_json::json!({"source": "status", "op": "equals", "value": 200}))));
        assert!(!collections.is_valid(&step(serde_json::json!({"source": "status", "op": "eq", "valeu": 200}))));
        assert!(!collections.is_valid(&step(serde_json::json!({"source": "status", "op": "eq", "not": "yes"}))));
    }
}
