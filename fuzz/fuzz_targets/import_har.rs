//! `skopos import har` on any JSON; the references and step names it writes must load.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(input) else { return };
    for imported in skopos::import::import_har(&document, "fuzz").map(|one| vec![one]).into_iter().flatten() {
        if let Err(problem) = imported.check() {
            // Values taken over from the file may be invalid (`skopos import` then refuses,
            // naming them); what the importer writes itself, references and step names, may not.
            let problem = problem.replace(&imported.name, "NAME");
            let ours =
                ["is not closed", "reference", "unknown part", "is not defined", "refers to", "there is no step"];
            if ours.iter().chain(&["step name", "already named"]).any(|words| problem.contains(words)) {
                panic!(
                    "the import wrote a reference or step name that does not load: {problem}\n{:#}",
                    imported.spec()
                );
            }
        }
    }
});
