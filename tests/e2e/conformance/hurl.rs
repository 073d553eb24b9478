//! Hurl's own integration tests (`integration/hurl/` of Orange-OpenSource/hurl, read from the
//! folder `SKOPOS_HURL_SUITE` names: the peers' files are not copied into this repository)
//! imported and run against a stand-in for Hurl's Flask test server, written here: every
//! `tests_ok` case passes with every check that was carried over, every `tests_failed` case
//! fails, and each check left out has a note naming its line. Run on demand:
//!
//! ```sh
//! SKOPOS_HURL_SUITE=path/to/hurl/integration/hurl \
//!   cargo test -p skopos --test e2e hurls -- --ignored --nocapture
//! ```

use std::net::SocketAddr;
use std::path::Path;
use std::sync::OnceLock;

use skopos_test_support::serve;

use crate::{Files, Outcome};

fn hurl_server() -> SocketAddr {
    static ADDRESS: OnceLock<SocketAddr> = OnceLock::new();
    *ADDRESS.get_or_init(|| {
        let address = serve(super::hurl_flask::routes);
        super::hurl_flask::ADDRESS.set(address).expect("set once");
        address
    })
}

/// Imports one case, pointed at the stand-in server, and runs it.
fn import_and_run(case: &str, options: &[&str], variables: &[&str]) -> (Outcome, Outcome) {
    let suite = std::env::var_os("SKOPOS_HURL_SUITE").expect("SKOPOS_HURL_SUITE: Hurl's integration/hurl folder");
    let source = locate(Path::new(&suite), case);
    let text = std::fs::read_to_string(&source).unwrap();
    let files = Files::new();
    let name = Path::new(case).file_name().unwrap().to_str().unwrap();
    files.write(name, &text.replace("localhost:8000", &hurl_server().to_string()));
    // The files its entries send (`file,data.txt;`), beside it as in the suite.
    for part in text.split("file,").skip(1) {
        let file = part.split(';').next().unwrap_or("").trim();
        if let Ok(bytes) = std::fs::read(source.with_file_name(file)) {
            std::fs::write(files.path().join(file), bytes).unwrap();
        }
    }
    let mut args: Vec<String> = vec!["import".into(), "hurl".into(), name.into(), "-o".into(), "imported".into()];
    args.extend(options.iter().map(|option| option.to_string()));
    let imported = files.skopos(&args, &[]);
    assert_eq!(imported.code, 0, "{case}: {}{}", imported.stdout, imported.stderr);
    let mut args = vec!["imported"];
    for variable in variables {
        args.extend(["--var", variable]);
    }
    let run = files.run(&args, &[]);
    (imported, run)
}

/// A case by its flat path (`tests_ok/cookies.hurl`), or, in Hurl's newer layout of a folder
/// per topic (`tests_ok/cookie/cookies.hurl`), wherever its file is under the same folder.
fn locate(suite: &Path, case: &str) -> std::path::PathBuf {
    let flat = suite.join(case);
    if flat.is_file() {
        return flat;
    }
    let (folder, name) = case.split_once('/').expect("tests_ok/NAME or tests_failed/NAME");
    let mut stack = vec![suite.join(folder)];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == name) {
                return path;
            }
        }
    }
    flat
}

/// Every assertion of every step: the step's number, what it is, and whether it passed.
fn verdicts(run: &Outcome) -> Vec<(usize, String, bool)> {
    let steps = run.report["collections"][0]["steps"].as_array().cloned().unwrap_or_default();
    let mut all = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        for assertion in step["assertions"].as_array().into_iter().flatten() {
            all.push((index + 1, format!("{} {}", step["name"], assertion), assertion["passed"] == true));
        }
    }
    all
}

/// A Hurl case: its file, the `--variable`s Hurl's own run gives it (given here with `--var`),
/// and the entries (by number) Skopos fails, with why: the server checks something only Hurl
/// sends.
struct Case {
    file: &'static str,
    /// Options Hurl's own run passes on its command line, given to `skopos import hurl`.
    options: &'static [&'static str],
    variables: &'static [&'static str],
    fails: &'static [(usize, &'static str)],
}

const fn case(file: &'static str) -> Case {
    Case { file, options: &[], variables: &[], fails: &[] }
}

/// Hurl's `tests_ok` cases here.
const PASSING: &[Case] = &[
    case("tests_ok/assert_status_code.hurl"),
    case("tests_ok/assert_json.hurl"),
    Case { fails: &[(1, "the server requires Hurl's (or curl's) own `User-Agent`")], ..case("tests_ok/headers.hurl") },
    case("tests_ok/basic_authentication_per_request.hurl"),
    case("tests_ok/form_params.hurl"),
    case("tests_ok/multipart_form_data.hurl"),
    Case { variables: &["name=Bruce"], ..case("tests_ok/cookies.hurl") },
    case("tests_ok/graphql.hurl"),
    case("tests_ok/assert_xpath.hurl"),
    case("tests_ok/float.hurl"),
    Case { options: &["--location"], ..case("tests_ok/follow_redirect.hurl") },
    case("tests_ok/hello.hurl"),
    case("tests_ok/assert_base64.hurl"),
    case("tests_ok/assert_header.hurl"),
    case("tests_ok/captures.hurl"),
    case("tests_ok/filter.hurl"),
    case("tests_ok/querystring_params.hurl"),
];

#[test]
#[ignore = "needs Hurl's suite: SKOPOS_HURL_SUITE=path/to/hurl/integration/hurl"]
fn hurls_passing_cases_pass_with_every_check_carried_over() {
    println!("| case | entries | checks carried over | notes |");
    for Case { file: case, options, variables, fails: known } in PASSING {
        let (imported, run) = import_and_run(case, options, variables);
        let verdicts = verdicts(&run);
        let failed: Vec<&(usize, String, bool)> = verdicts.iter().filter(|(_, _, passed)| !passed).collect();
        let unexpected: Vec<&String> = failed
            .iter()
            .filter(|(step, _, _)| !known.iter().any(|(k, _)| k == step))
            .map(|(_, what, _)| what)
            .collect();
        assert!(unexpected.is_empty(), "{case}: these carried-over checks fail:\n{unexpected:#?}\n{}", imported.stdout);
        for (step, why) in *known {
            assert!(
                failed.iter().any(|(s, _, _)| s == step),
                "{case}: entry {step} passes now ({why}): list it no more"
            );
        }
        let steps = run.report["collections"][0]["steps"].as_array().map_or(0, Vec::len);
        let notes = imported.stdout.lines().filter(|line| line.starts_with("  - ")).count();
        println!("| `{case}` | {steps} | {} | {notes} |", verdicts.len());
        for note in imported.stdout.lines().filter(|line| line.starts_with("  - step")) {
            assert!(note.contains(" line "), "{case}: a note without its line: {note}");
        }
    }
}

/// Hurl's `tests_failed` cases here.
const FAILING: &[&str] = &[
    "tests_failed/assert_status.hurl",
    "tests_failed/assert_header_not_found.hurl",
    "tests_failed/query_header_not_found.hurl",
    "tests_failed/query_match_none.hurl",
    "tests_failed/assert_base64.hurl",
];

#[test]
#[ignore = "needs Hurl's suite: SKOPOS_HURL_SUITE=path/to/hurl/integration/hurl"]
fn hurls_failing_cases_fail() {
    for case in FAILING {
        let (imported, run) = import_and_run(case, &[], &[]);
        assert_eq!(run.code, 1, "{case}: {}{}\n{}", run.stdout, run.stderr, imported.stdout);
        assert!(verdicts(&run).iter().any(|(_, _, passed)| !passed), "{case}: {}", run.stdout);
    }
}
