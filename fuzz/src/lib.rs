//! What the fuzz targets share.

use skopos_import::Imported;

/// Panics when an import wrote a reference or step name that does not load. Values taken
/// over from the file may be invalid (`skopos import` then refuses, naming them); what the
/// importer writes itself may not.
pub fn check_import(imported: &Imported) {
    let Err(problem) = imported.check() else { return };
    let problem = problem.replace(&imported.name, "NAME");
    let ours = [
        "is not closed",
        "reference",
        "unknown part",
        "is not defined",
        "refers to",
        "there is no step",
        "step name",
        "already named",
    ];
    if ours.iter().any(|words| problem.contains(words)) {
        panic!("the import wrote a reference or step name that does not load: {problem}\n{:#}", imported.spec());
    }
}
