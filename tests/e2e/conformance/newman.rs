//! Newman's own integration collections (`test/integration/` of postmanlabs/newman, read from
//! the folder `SKOPOS_NEWMAN_SUITE` names: the peers' files are not copied into this
//! repository), each run by Newman and, imported, by `skopos run`, against the same stand-ins
//! for postman-echo and Newman's local test servers. Every test the importer translated must
//! get Newman's verdict; every test it did not must be named in its notes. Run on demand:
//!
//! ```sh
//! SKOPOS_NEWMAN_SUITE=path/to/newman/test/integration \
//!   cargo test -p skopos --test e2e newman -- --ignored --nocapture
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::postman_echo::servers;
use crate::{Files, Outcome};

fn folder() -> PathBuf {
    let suite = std::env::var_os("SKOPOS_NEWMAN_SUITE").expect("SKOPOS_NEWMAN_SUITE: Newman's test/integration folder");
    PathBuf::from(suite)
}

/// Every collection of the suite, by its path without `.postman_collection.json`
/// (`redirect-test/redirect-test`).
fn cases() -> Vec<String> {
    fn walk(dir: &Path, prefix: &str, cases: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() {
                walk(&entry.path(), &format!("{prefix}{name}/"), cases);
            } else if let Some(case) = name.strip_suffix(".postman_collection.json") {
                cases.push(format!("{prefix}{case}"));
            }
        }
    }
    let mut cases = Vec::new();
    walk(&folder(), "", &mut cases);
    cases.sort();
    cases
}

/// Verdicts per request title and test name (`GET Request ▸ Body contains args`): a test passes
/// when every run of it did.
type Verdicts = BTreeMap<String, bool>;

const SEPARATOR: &str = " ▸ ";

fn key(request: &str, test: &str) -> String {
    format!("{}{SEPARATOR}{test}", request.trim())
}

/// The importer's step names (`get-request`) with the request titles they came from, in the
/// collection's order, as the importer names them.
fn titles(collection: &Value) -> HashMap<String, String> {
    fn walk(items: &Value, taken: &mut HashSet<String>, titles: &mut HashMap<String, String>) {
        for item in items.as_array().into_iter().flatten() {
            if item.get("item").is_some() {
                walk(&item["item"], taken, titles);
            } else if item.get("request").is_some() {
                let title = item["name"].as_str().unwrap_or("request");
                // Newman names a request without a name by nothing.
                let newman_title = item["name"].as_str().unwrap_or_default();
                titles.insert(skopos_import::step_name(title, taken), newman_title.to_string());
            }
        }
    }
    let mut titles = HashMap::new();
    walk(&collection["item"], &mut HashSet::new(), &mut titles);
    // A v1 collection lists its requests apart from their order (names are unique there).
    for request in collection["requests"].as_array().into_iter().flatten() {
        let title = request["name"].as_str().unwrap_or("request");
        titles.insert(skopos_import::step_name(title, &mut HashSet::new()), title.to_string());
    }
    titles
}

/// What became of one collection.
struct Compared {
    case: String,
    newman: Verdicts,
    /// Requests whose test script threw in Newman (or whose request failed): Newman records no
    /// verdict for their tests, and the run fails.
    errored: HashSet<String>,
    skopos: Verdicts,
    import: Outcome,
}

impl Compared {
    fn translated(&self) -> usize {
        self.newman.keys().filter(|name| self.ours(name).is_some()).count()
    }

    /// Skopos's verdict on Newman's test `name`: by the same name, or for a name the script
    /// builds at run time from a fresh value (`"Correct GUID: " + guid`), by the one whose name
    /// differs only in that value.
    fn ours(&self, name: &str) -> Option<bool> {
        self.skopos.get(name).copied().or_else(|| {
            let wanted = run_time_free(name);
            let mut alike = self.skopos.iter().filter(|(ours, _)| run_time_free(ours) == wanted);
            match (alike.next(), alike.next()) {
                (Some((_, passed)), None) if wanted != name => Some(*passed),
                _ => None,
            }
        })
    }

    /// Tests whose verdict differs from Newman's, and tests neither run nor noted.
    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (name, passed) in &self.newman {
            match self.ours(name).as_ref() {
                Some(ours) if ours != passed => {
                    problems.push(format!("`{name}`: Newman says passed={passed}, Skopos {ours}"))
                }
                Some(_) => {}
                None if self.import.code == 2 => {}
                None if named_in(&self.import.stdout, name.split_once(SEPARATOR).unwrap().1) => {}
                None => problems.push(format!("`{name}` is neither run nor named in a note")),
            }
        }
        let newman_free: HashSet<String> = self.newman.keys().map(|name| run_time_free(name)).collect();
        let theirs = |name: &str| self.newman.contains_key(name) || newman_free.contains(&run_time_free(name));
        for (name, ours) in self.skopos.iter().filter(|(name, _)| !theirs(name)) {
            let request = name.split_once(SEPARATOR).map_or("", |(request, _)| request);
            match (self.errored.contains(request), ours) {
                (true, false) => {}
                (true, true) => problems.push(format!("`{name}` passes where Newman's script failed")),
                (false, _) => problems.push(format!("`{name}` is not one of Newman's tests")),
            }
        }
        problems
    }
}

/// `name` with each run of digits, or of hex digits and dashes holding a digit (a GUID, a
/// timestamp, a random number, however short: `Math.random() * 1000` may give `40`), as `#`.
fn run_time_free(name: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().any(|c| c.is_ascii_digit()) {
            out.push('#');
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in name.chars() {
        if c.is_ascii_hexdigit() || c == '-' {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Whether the importer's notes name `test`: as written, or (for a name the script builds at
/// run time, `"Correct GUID: " + guid`) by the text before the part it computes.
fn named_in(notes: &str, test: &str) -> bool {
    notes.contains(test)
        || test
            .char_indices()
            .map(|(at, _)| &test[..at])
            .filter(|prefix| prefix.len() >= 8)
            .any(|prefix| ["\" +", "' +", "${"].iter().any(|computed| notes.contains(&format!("{prefix}{computed}"))))
}

fn input(files: &Files, case: &str, kind: &str) -> Option<PathBuf> {
    let source = folder().join(format!("{case}.postman_{kind}.json"));
    let bytes = std::fs::read(source).ok()?;
    let name = format!("{}.postman_{kind}.json", case.replace('/', "."));
    // Pointed at the stand-ins; a file in UTF-16 is left as it is (its hosts are none).
    let text = match String::from_utf8(bytes.clone()) {
        Ok(text) => servers().point(&text).into_bytes(),
        Err(_) => bytes,
    };
    let path = files.path().join(&name);
    std::fs::write(&path, text).unwrap();
    Some(path)
}

fn compare(case: &str) -> Compared {
    let files = Files::new();
    let collection = input(&files, case, "collection").unwrap();
    let text = std::fs::read_to_string(&collection).unwrap_or_default();
    let titles =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).map(|value| titles(&value)).unwrap_or_default();
    let environment = input(&files, case, "environment");
    let globals = input(&files, case, "globals");
    let mut args = vec!["import".to_string(), "postman".into(), collection.display().to_string()];
    for (flag, file) in [("--env", &environment), ("--globals", &globals)] {
        if let Some(file) = file {
            args.extend([flag.to_string(), file.display().to_string()]);
        }
    }
    args.extend(["-o".into(), "imported".into()]);
    let import = files.skopos(&args, &[]);
    assert!(import.code == 0 || import.code == 2, "{case}: {}{}", import.stdout, import.stderr);
    let secrets = secrets([&globals, &environment]);
    let secrets: Vec<(&str, &str)> = secrets.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = (import.code == 0).then(|| files.run(&["imported"], &secrets));
    let skopos = run.as_ref().map(|run| skopos_verdicts(&run.report, &titles)).unwrap_or_default();
    if std::env::var("SKOPOS_CONFORMANCE_CASE").is_ok_and(|only| only == case) {
        // What a developer looking into one case wants to see.
        for entry in std::fs::read_dir(files.path().join("imported")).into_iter().flatten().flatten() {
            println!("{}", std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
        println!("{}", run.map(|run| run.stdout).unwrap_or_default());
    }
    let (newman, errored) = newman(&collection, environment.as_deref(), globals.as_deref(), files.path());
    Compared { case: case.to_string(), newman, errored, skopos, import }
}

/// The values the importer reads from the environment (secret-looking names), as a user sets
/// them before `skopos run`.
fn secrets(files: [&Option<PathBuf>; 2]) -> Vec<(String, String)> {
    let mut secrets = Vec::new();
    for file in files.into_iter().flatten() {
        let Some(file) = std::fs::read(file).ok().and_then(|b| serde_json::from_slice::<Value>(&b).ok()) else {
            continue;
        };
        for value in file["values"].as_array().into_iter().flatten() {
            if let (Some(key), Some(text)) = (value["key"].as_str(), value["value"].as_str())
                && (skopos_import::looks_secret(key) || value["type"] == "secret")
            {
                secrets.push((skopos_import::env_name(key), text.to_string()));
            }
        }
    }
    secrets
}

fn newman(
    collection: &Path,
    environment: Option<&Path>,
    globals: Option<&Path>,
    out: &Path,
) -> (Verdicts, HashSet<String>) {
    let node = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/console/node_modules/.bin/newman");
    assert!(node.is_file(), "run `npm ci --prefix tests/console` first (the README's test command does)");
    let report = out.join("newman.json");
    let mut command = Command::new(node);
    command.arg("run").arg(collection);
    // Anything not pointed at a stand-in goes to a proxy that is not there, never out.
    command.env("HTTP_PROXY", "http://127.0.0.1:9").env("HTTPS_PROXY", "http://127.0.0.1:9");
    command.env("NO_PROXY", "127.0.0.1,localhost,127.1");
    for (flag, file) in [("--environment", environment), ("--globals", globals)] {
        if let Some(file) = file {
            command.arg(flag).arg(file);
        }
    }
    command.args(["--reporters", "cli,json", "--reporter-json-export"]).arg(&report);
    let output = command.output().expect("newman runs");
    if std::env::var("SKOPOS_CONFORMANCE_CASE").is_ok() {
        println!("{}", String::from_utf8_lossy(&output.stdout));
    }
    let Ok(report) = std::fs::read(&report) else {
        panic!("newman wrote no report for {}: {}", collection.display(), String::from_utf8_lossy(&output.stderr))
    };
    let report: Value = serde_json::from_slice(&report).unwrap();
    let (mut verdicts, mut errored) = (Verdicts::new(), HashSet::new());
    for execution in report["run"]["executions"].as_array().into_iter().flatten() {
        let threw = execution["testScript"].as_array().into_iter().flatten().any(|s| s.get("error").is_some());
        if threw || execution.get("requestError").is_some() {
            errored.insert(execution["item"]["name"].as_str().unwrap_or("").trim().to_string());
        }
        // `pm.test.skip` records a test that never ran.
        let ran = execution["assertions"].as_array().into_iter().flatten().filter(|a| a["skipped"] != true);
        for assertion in ran {
            let passed = assertion.get("error").is_none_or(Value::is_null);
            let name = key(execution["item"]["name"].as_str().unwrap_or(""), assertion["assertion"].as_str().unwrap());
            *verdicts.entry(name).or_insert(true) &= passed;
        }
    }
    (verdicts, errored)
}

/// Skopos's verdict per request title and assertion name: a test passes when every assertion
/// of it did.
fn skopos_verdicts(report: &Value, titles: &HashMap<String, String>) -> Verdicts {
    let mut verdicts = Verdicts::new();
    for collection in report["collections"].as_array().into_iter().flatten() {
        for step in collection["steps"].as_array().into_iter().flatten() {
            let step_name = step["name"].as_str().unwrap_or("");
            let title = titles.get(step_name).map_or(step_name, String::as_str);
            for assertion in step["assertions"].as_array().into_iter().flatten() {
                let Some(name) = assertion["name"].as_str().map(|test| key(title, test)) else { continue };
                let passed = assertion["passed"].as_bool().unwrap_or(false);
                *verdicts.entry(name.to_string()).or_insert(true) &= passed;
            }
        }
    }
    verdicts
}

#[test]
#[ignore = "needs Newman's suite: SKOPOS_NEWMAN_SUITE=path/to/newman/test/integration"]
fn newmans_collections_get_newmans_verdict_on_every_translated_test() {
    let mut cases = cases();
    assert!(cases.len() >= 40, "{cases:?}");
    if let Ok(only) = std::env::var("SKOPOS_CONFORMANCE_CASE") {
        cases.retain(|case| *case == only);
    }
    // Four at a time: each Newman run is a Node process.
    let compared: Vec<Compared> = cases
        .chunks(4)
        .flat_map(|chunk| {
            std::thread::scope(|scope| {
                let running: Vec<_> = chunk.iter().map(|case| scope.spawn(|| compare(case))).collect();
                running.into_iter().map(|r| r.join().unwrap()).collect::<Vec<_>>()
            })
        })
        .collect();
    let (mut tests, mut translated, mut problems) = (0, 0, Vec::new());
    println!("| collection | Newman's tests | translated | imported |");
    for case in &compared {
        tests += case.newman.len();
        translated += case.translated();
        let imported = if case.import.code == 0 { "yes" } else { "refused" };
        println!("| `{}` | {} | {} | {imported} |", case.case, case.newman.len(), case.translated());
        problems.extend(case.problems().into_iter().map(|p| format!("{}: {p}", case.case)));
    }
    println!("{tests} tests, {translated} translated");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(translated >= 1, "nothing translated");
}
