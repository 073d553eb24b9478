//! Finding and loading the files named on the command line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::plan::{self, Plan};
use crate::source::{Diagnostic, Document, Location};

/// Expands folders into their `.yaml`, `.yml` and `.json` files (sorted, not recursive).
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Vec<Diagnostic>> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = match std::fs::read_dir(path) {
                Ok(entries) => {
                    entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| is_collection_file(p)).collect()
                }
                Err(err) => {
                    problems.push(file_problem(path, format!("cannot read folder: {err}")));
                    continue;
                }
            };
            found.sort();
            if found.is_empty() {
                problems.push(file_problem(path, "the folder has no .yaml, .yml or .json files".into()));
            }
            files.extend(found);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            problems.push(file_problem(path, "no such file or folder".into()));
        }
    }
    if problems.is_empty() { Ok(files) } else { Err(problems) }
}

fn is_collection_file(path: &Path) -> bool {
    path.is_file()
        && path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"))
}

fn file_problem(path: &Path, message: String) -> Diagnostic {
    Diagnostic {
        file: path.to_path_buf(),
        location: Location { line: 1, column: 1 },
        path: String::new(),
        message,
        hint: None,
    }
}

/// What loading found: the collections to run, monitor files passed over, and problems.
#[derive(Default)]
pub struct Loaded {
    pub plans: Vec<Arc<Plan>>,
    pub monitors: Vec<PathBuf>,
    pub problems: Vec<Diagnostic>,
}

/// What one file turned out to be.
enum FileOutcome {
    /// The document stays for locating a problem found across files (a duplicate name).
    Collection(Box<(Plan, Document)>),
    Monitor(PathBuf),
    Problems(Vec<Diagnostic>),
}

fn load_file(file: &Path, overrides: &Map<String, Value>) -> FileOutcome {
    let mut document = match Document::read(file) {
        Ok(document) => document,
        Err(problem) => return FileOutcome::Problems(vec![problem]),
    };
    if plan::is_monitor(&document) {
        return FileOutcome::Monitor(file.to_path_buf());
    }
    match document.deserialize().map_err(|d| vec![d]).and_then(|c| plan::compile(&document, c, overrides)) {
        Ok(plan) => FileOutcome::Collection(Box::new((plan, document))),
        Err(problems) => FileOutcome::Problems(problems),
    }
}

/// Loads and checks every file (on all cores); collection names must be unique across them.
pub fn load(paths: &[PathBuf], vars: &[(String, String)]) -> Loaded {
    let mut loaded = Loaded::default();
    let files = match expand(paths) {
        Ok(files) => files,
        Err(problems) => {
            loaded.problems = problems;
            return loaded;
        }
    };
    let overrides: Map<String, Value> = vars.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    let outcomes: Vec<FileOutcome> = files.par_iter().map(|file| load_file(file, &overrides)).collect();
    let mut names: HashMap<String, PathBuf> = HashMap::new();
    for outcome in outcomes {
        match outcome {
            FileOutcome::Collection(loaded_file) => {
                let (plan, document) = *loaded_file;
                if let Some(first) = names.insert(plan.name.clone(), plan.file.clone()) {
                    let message =
                        format!("another collection is already named `{}` (in {})", plan.name, first.display());
                    loaded.problems.push(document.problem("name", message));
                }
                loaded.plans.push(Arc::new(plan));
            }
            FileOutcome::Monitor(file) => loaded.monitors.push(file),
            FileOutcome::Problems(problems) => loaded.problems.extend(problems),
        }
    }
    loaded
}
