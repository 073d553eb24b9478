//! Finding and loading the files named on the command line.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::{Map, Value};

use skopos_core::document::{Diagnostic, Document, Location, child_index, child_key, suggest};
use skopos_core::model::StatusPage;
use skopos_core::plan::{self, DefinitionKind, MonitorPlan, Plan, WindowPlan};

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

/// What loading found: collections, monitors, maintenance windows, and problems.
#[derive(Default)]
pub struct Loaded {
    pub plans: Vec<Arc<Plan>>,
    pub monitors: Vec<MonitorPlan>,
    pub windows: Vec<WindowPlan>,
    pub status_pages: Vec<StatusPage>,
    pub problems: Vec<Diagnostic>,
}

/// What one file turned out to be.
enum FileOutcome {
    /// The document stays for locating a problem found across files (a duplicate name).
    Collection(Box<(Plan, Document)>),
    Monitor(Box<(MonitorPlan, Document)>),
    Window(Box<(WindowPlan, Document)>),
    StatusPage(Box<(StatusPage, Document)>),
    Problems(Vec<Diagnostic>),
}

fn load_file(file: &Path, overrides: &Map<String, Value>) -> FileOutcome {
    let mut document = match Document::read(file) {
        Ok(document) => document,
        Err(problem) => return FileOutcome::Problems(vec![problem]),
    };
    match plan::kind_of(&document) {
        DefinitionKind::Monitor => {
            match document.deserialize().map_err(|d| vec![d]).and_then(|m| plan::compile_monitor(&document, m)) {
                Ok(monitor) => FileOutcome::Monitor(Box::new((monitor, document))),
                Err(problems) => FileOutcome::Problems(problems),
            }
        }
        DefinitionKind::Window => {
            match document.deserialize().map_err(|d| vec![d]).and_then(|w| plan::compile_window(&document, w)) {
                Ok(window) => FileOutcome::Window(Box::new((window, document))),
                Err(problems) => FileOutcome::Problems(problems),
            }
        }
        DefinitionKind::StatusPage => match document.deserialize::<StatusPage>() {
            Ok(page) => match plan::compile_status_page(&document, &page) {
                Ok(()) => FileOutcome::StatusPage(Box::new((page, document))),
                Err(problems) => FileOutcome::Problems(problems),
            },
            Err(problem) => FileOutcome::Problems(vec![problem]),
        },
        DefinitionKind::Collection => {
            match document.deserialize().map_err(|d| vec![d]).and_then(|c| plan::compile(&document, c, overrides)) {
                Ok(plan) => FileOutcome::Collection(Box::new((plan, document))),
                Err(problems) => FileOutcome::Problems(problems),
            }
        }
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
    let (mut monitors, mut windows, mut pages) = (Vec::new(), Vec::new(), Vec::new());
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
            FileOutcome::Monitor(loaded_file) => monitors.push(*loaded_file),
            FileOutcome::Window(loaded_file) => windows.push(*loaded_file),
            FileOutcome::StatusPage(loaded_file) => pages.push(*loaded_file),
            FileOutcome::Problems(problems) => loaded.problems.extend(problems),
        }
    }
    check_monitors(&mut loaded, monitors);
    check_windows(&mut loaded, windows);
    check_status_pages(&mut loaded, pages);
    loaded
}

/// A problem for each of `names` (the list `field` of `document`, naming things of `kind`)
/// that is not among `known`, the names the files given define; none when they define none.
fn unknown_names(
    document: &Document,
    (field, kind): (&str, &str),
    names: &[String],
    known: &[&str],
) -> Vec<Diagnostic> {
    if known.is_empty() {
        return Vec::new();
    }
    let unknown = names.iter().enumerate().filter(|(_, name)| !known.contains(&name.as_str()));
    unknown
        .map(|(index, name)| {
            let hint =
                suggest(name, known.iter().copied()).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
            document.problem(&child_index(field, index), format!("no {kind} named `{name}` in the files given{hint}"))
        })
        .collect()
}

/// Window names are unique, and when monitors were given too, windows name only those.
fn check_windows(loaded: &mut Loaded, windows: Vec<(WindowPlan, Document)>) {
    let monitors: Vec<&str> = loaded.monitors.iter().map(|m| m.name.as_str()).collect();
    let mut names = HashSet::new();
    let mut problems = Vec::new();
    for (window, document) in &windows {
        if !names.insert(window.name.as_str()) {
            problems.push(document.problem("name", format!("another window is already named `{}`", window.name)));
        }
        problems.extend(unknown_names(document, ("monitors", "monitor"), &window.monitors, &monitors));
    }
    loaded.problems.extend(problems);
    loaded.windows = windows.into_iter().map(|(window, _)| window).collect();
}

/// Status page names and slugs are unique, and when monitors were given too, groups name only those.
fn check_status_pages(loaded: &mut Loaded, pages: Vec<(StatusPage, Document)>) {
    let monitors: Vec<&str> = loaded.monitors.iter().map(|m| m.name.as_str()).collect();
    let (mut names, mut slugs) = (HashSet::new(), HashSet::new());
    let mut problems = Vec::new();
    for (page, document) in &pages {
        if !names.insert(page.name.as_str()) {
            problems.push(document.problem("name", format!("another status page is already named `{}`", page.name)));
        }
        if !slugs.insert(page.status_page.slug.as_str()) {
            let message = format!("another status page already has the slug `{}`", page.status_page.slug);
            problems.push(document.problem("status_page.slug", message));
        }
        for (index, group) in page.status_page.groups.iter().enumerate() {
            let field = child_key(&child_index("status_page.groups", index), "monitors");
            problems.extend(unknown_names(document, (&field, "monitor"), &group.monitors, &monitors));
        }
    }
    loaded.problems.extend(problems);
    loaded.status_pages = pages.into_iter().map(|(page, _)| page).collect();
}

/// Monitor names are unique, and when collections were given too, monitors name only those.
fn check_monitors(loaded: &mut Loaded, monitors: Vec<(MonitorPlan, Document)>) {
    let collections: Vec<&str> = loaded.plans.iter().map(|p| p.name.as_str()).collect();
    let mut names: HashMap<String, PathBuf> = HashMap::new();
    let mut problems = Vec::new();
    for (monitor, document) in &monitors {
        if let Some(first) = names.insert(monitor.name.clone(), monitor.file.clone()) {
            let message = format!("another monitor is already named `{}` (in {})", monitor.name, first.display());
            problems.push(document.problem("name", message));
        }
        problems.extend(unknown_names(document, ("collections", "collection"), &monitor.collections, &collections));
    }
    let graph = monitors.iter().map(|(monitor, _)| (monitor.name.as_str(), monitor.depends_on.as_slice()));
    if let Some(cycle) = plan::find_cycle(graph)
        && let Some((_, document)) = monitors.iter().find(|(monitor, _)| monitor.name == cycle[0])
    {
        problems
            .push(document.problem("depends_on", format!("dependencies go round in a circle: {}", cycle.join(" → "))));
    }
    loaded.problems.extend(problems);
    loaded.monitors = monitors.into_iter().map(|(monitor, _)| monitor).collect();
}
