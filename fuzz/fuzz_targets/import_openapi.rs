//! `skopos import openapi` on any YAML or JSON; what it makes must be a collection Skopos can read.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use skopos::source::Document;

fuzz_target!(|text: &str| {
    let Ok(document) = Document::parse(Path::new("fuzz.yaml"), text) else { return };
    if let Ok(imported) = skopos::import::import_openapi(&document.value, true) {
        if let Err(problem) = imported.check() {
            panic!("the import made a collection that does not load: {problem}\n{:#}", imported.spec());
        }
    }
});
