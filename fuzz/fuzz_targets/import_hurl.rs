//! `skopos import hurl` on any text; the references and step names it writes must load.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(imported) = skopos_import::import_hurl(text, "fuzz") {
        skopos_fuzz::check_import(&imported);
    }
});
