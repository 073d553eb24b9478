//! `skopos import postman` on any JSON; the references and step names it writes must load.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(input) else { return };
    for imported in skopos_import::import_postman(&document, &Default::default()).into_iter().flatten() {
        skopos_fuzz::check_import(&imported);
    }
});
