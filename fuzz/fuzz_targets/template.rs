//! `@{{...}}` templates and references, in a string and inside a JSON body; and any text,
//! escaped as the importers write it, reads back as that very text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skopos_core::interpolate::{JsonTemplate, Template};

fuzz_target!(|text: &str| {
    if let Ok(template) = Template::parse(text) {
        let _ = (template.references().count(), template.as_literal());
    }
    let escaped = Template::escape(text);
    let template = Template::parse(&escaped).unwrap_or_else(|e| panic!("{escaped:?} does not read back: {e}"));
    assert_eq!(template.as_literal(), Some(text), "escaped as {escaped:?}");
    let body = serde_json::json!({ "text": text, "list": [text, { "nested": text }] });
    if let Ok(template) = JsonTemplate::parse(&body) {
        let _ = template.references();
    }
});
