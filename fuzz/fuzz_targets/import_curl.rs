//! `skopos import curl` on any text; the references and step names it writes must load.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(imported) = skopos::import::import_curl(text, "fuzz") {
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
