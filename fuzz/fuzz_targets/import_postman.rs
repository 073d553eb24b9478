//! `skopos import postman` on any JSON; what it makes must be a collection Skopos can read.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(input) else { return };
    for imported in skopos::import::import_postman(&document, &Default::default()).into_iter().flatten() {
        if let Err(problem) = imported.check() {
            panic!("the import made a collection that does not load: {problem}\n{:#}", imported.spec());
        }
    }
});
