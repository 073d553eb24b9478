//! `skopos import openapi` on any YAML or JSON; the references and step names it writes must load.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use skopos_core::document::Document;

fuzz_target!(|text: &str| {
    let Ok(document) = Document::parse(Path::new("fuzz.yaml"), text) else { return };
    if let Ok(imported) = skopos_import::import_openapi(&document.value, true) {
        skopos_fuzz::check_import(&imported);
    }
});
