//! `skopos import har` on any JSON; the references and step names it writes must load.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(input) else { return };
    if let Ok(imported) = skopos_import::import_har(&document, "fuzz") {
        skopos_fuzz::check_import(&imported);
    }
});
