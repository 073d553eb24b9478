//! `skopos import hurl` on any text; what it makes must be a collection Skopos can read.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(imported) = skopos::import::import_hurl(text, "fuzz") {
        if let Err(problem) = imported.check() {
            panic!("the import made a collection that does not load: {problem}\n{:#}", imported.spec());
        }
    }
});
