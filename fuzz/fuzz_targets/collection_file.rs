//! A collection, monitor or window file (YAML, or JSON when the first byte is `{`), read and compiled
//! as `skopos run` and `skopos apply` do. Every problem must point inside the text.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use skopos_core::plan::{DefinitionKind, compile, compile_monitor, compile_status_page, compile_window, kind_of};
use skopos_core::document::{Diagnostic, Document};

fuzz_target!(|text: &str| {
    let name = if text.starts_with('{') { "fuzz.json" } else { "fuzz.yaml" };
    // Line breaks as YAML counts them (and editors show them): `\n`, `\r\n` and a lone `\r`.
    let lines = text.replace("\r\n", "\n").matches(['\n', '\r']).count() + 1;
    let inside = |problem: &Diagnostic| {
        assert!(problem.location.line >= 1 && problem.location.line <= lines, "{problem:?} outside {lines} lines");
    };
    let mut document = match Document::parse(Path::new(name), text) {
        Ok(document) => document,
        Err(problem) => return inside(&problem),
    };
    let problems = match kind_of(&document) {
        DefinitionKind::Monitor => match document.deserialize() {
            Ok(monitor) => compile_monitor(&document, monitor).err().unwrap_or_default(),
            Err(problem) => vec![problem],
        },
        DefinitionKind::Window => match document.deserialize() {
            Ok(window) => compile_window(&document, window).err().unwrap_or_default(),
            Err(problem) => vec![problem],
        },
        DefinitionKind::StatusPage => match document.deserialize() {
            Ok(page) => compile_status_page(&document, &page).err().unwrap_or_default(),
            Err(problem) => vec![problem],
        },
        DefinitionKind::Collection => match document.deserialize() {
            Ok(collection) => compile(&document, collection, &Default::default()).err().unwrap_or_default(),
            Err(problem) => vec![problem],
        },
    };
    problems.iter().for_each(inside);
});
