//! A body path (dot path or JSONPath) on the first line, looked up in the JSON document
//! that follows, as `body` assertions and `@{{stepN.body.PATH}}` references do.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skopos_core::path::PropertyPath;

fuzz_target!(|text: &str| {
    let (path, document) = text.split_once('\n').unwrap_or((text, "null"));
    let Ok(path) = PropertyPath::parse(path) else { return };
    let Ok(document) = serde_json::from_str::<serde_json::Value>(document) else { return };
    let found = path.find(&document);
    let _ = (found.count(), found.to_value());
});
