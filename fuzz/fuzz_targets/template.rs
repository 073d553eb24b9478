//! `@{{...}}` templates and references, in a string and inside a JSON body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skopos::interpolate::{JsonTemplate, Template};

fuzz_target!(|text: &str| {
    if let Ok(template) = Template::parse(text) {
        let _ = template.references().count();
        if let Some(literal) = template.as_literal() {
            assert!(!literal.contains("@{{"), "a literal with a reference in it: {literal:?}");
        }
    }
    let body = serde_json::json!({ "text": text, "list": [text, { "nested": text }] });
    if let Ok(template) = JsonTemplate::parse(&body) {
        let _ = template.references();
    }
});
