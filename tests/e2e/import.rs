//! `skopos import`: real Postman exports (v2.1 with folders, auth, chained values and the test
//! patterns people write; v2.0 with the legacy `tests[...]` form) checked against Newman: both
//! run against the same local API server and must agree, test name by test name, on what
//! passed and what failed; a test the importer could not translate must be in its notes.
//! curl command lines become a collection that runs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::{Files, server, unique};

/// A file under `tests/fixtures`.
fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures").join(path)
}

/// `skopos import ARGS...` in `files`, which must succeed.
fn import(files: &Files, args: &[&str]) -> crate::Outcome {
    let mut all = vec!["import".to_string()];
    all.extend(args.iter().map(|arg| arg.to_string()));
    let outcome = files.skopos(&all, &[]);
    assert_eq!(outcome.code, 0, "{}{}", outcome.stdout, outcome.stderr);
    outcome
}

/// Newman's verdict per test name (from its JSON report).
fn newman(collection: &Path, environment: Option<&Path>, out: &Path) -> BTreeMap<String, bool> {
    let node = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/console/node_modules/.bin/newman");
    assert!(node.is_file(), "run `npm ci --prefix tests/console` first (the README's test command does)");
    let report = out.join("newman.json");
    let mut command = Command::new(node);
    command.arg("run").arg(collection).args(["--env-var", &format!("base={}", server().base())]);
    if let Some(environment) = environment {
        command.arg("--environment").arg(environment);
    }
    command.args(["--reporters", "json", "--reporter-json-export"]).arg(&report);
    let output = command.output().expect("newman runs");
    assert!(report.is_file(), "newman wrote no report: {}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap();
    let mut verdicts = BTreeMap::new();
    for execution in report["run"]["executions"].as_array().unwrap() {
        for assertion in execution["assertions"].as_array().into_iter().flatten() {
            let passed = assertion.get("error").is_none_or(Value::is_null);
            verdicts.insert(assertion["assertion"].as_str().unwrap().to_string(), passed);
        }
    }
    verdicts
}

/// Skopos's verdict per assertion name: a name passes when every assertion of it did.
fn skopos_verdicts(report: &Value) -> BTreeMap<String, bool> {
    let mut verdicts = BTreeMap::new();
    for collection in report["collections"].as_array().unwrap() {
        for step in collection["steps"].as_array().unwrap() {
            for assertion in step["assertions"].as_array().into_iter().flatten() {
                let Some(name) = assertion["name"].as_str() else { continue };
                let passed = assertion["passed"].as_bool().unwrap();
                *verdicts.entry(name.to_string()).or_insert(true) &= passed;
            }
        }
    }
    verdicts
}

/// Imports `collection` (with `environment`), runs it with `base` set to the test server,
/// and compares with Newman. Returns the import's output.
fn conforms(collection: &str, environment: Option<&str>) -> String {
    let files = Files::new();
    let out = files.path().join("imported");
    let (collection, environment) =
        (fixture(&format!("postman/{collection}")), environment.map(|e| fixture(&format!("postman/{e}"))));
    let mut args = vec![collection.to_str().unwrap(), "-o", out.to_str().unwrap()];
    if let Some(environment) = &environment {
        args.extend(["--env", environment.to_str().unwrap()]);
    }
    let imported = import(&files, &[&["postman"], args.as_slice()].concat());
    // The environment's secrets are read from the environment, not written into the file.
    let written = std::fs::read_dir(&out).unwrap().map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap());
    if environment.is_some() {
        assert!(!written.collect::<String>().contains("open-sesame"), "the environment's password in the file");
    }
    let secrets = [("PASSWORD", "open-sesame"), ("API_KEY", "k-42")];
    let run = files.run(&["imported", "--var", &format!("base={}", server().base())], &secrets);
    assert!(run.report.is_object(), "{}{}", run.stdout, run.stderr);
    let ours = skopos_verdicts(&run.report);
    let theirs = newman(&collection, environment.as_deref(), files.path());
    assert!(theirs.values().any(|passed| *passed) && theirs.values().any(|passed| !*passed), "{theirs:?}");
    for (name, passed) in &theirs {
        match ours.get(name) {
            Some(ours) => assert_eq!(ours, passed, "`{name}`: newman says passed={passed}"),
            None => assert!(
                imported.stdout.contains(&format!("{name}: ")) && imported.stdout.contains("not translated"),
                "`{name}` is neither run nor reported as not translated:\n{}",
                imported.stdout
            ),
        }
    }
    for name in ours.keys() {
        assert!(theirs.contains_key(name), "`{name}` is not a Newman test: {theirs:?}");
    }
    imported.stdout
}

#[test]
fn a_postman_v2_1_collection_conforms_with_newman() {
    let output = conforms("shop.postman_collection.json", Some("local.postman_environment.json"));
    // The regular expression is translated, and the script with the lodash call is carried
    // over as it is: both get Newman's verdict, and nothing is left out.
    assert!(output.contains("0 not carried over"), "{output}");
}

#[test]
fn a_postman_v2_0_collection_with_legacy_tests_conforms_with_newman() {
    let output = conforms("legacy.postman_collection.json", None);
    assert!(
        output.contains(
            "`{{base}}`: no value in the collection or environment (sent as written, as Postman sends it): set it \
             with `--var base=VALUE`"
        ),
        "{output}"
    );
}

#[test]
fn the_imported_file_chains_steps_and_says_what_it_left_out() {
    let files = Files::new();
    let shop = fixture("postman/shop.postman_collection.json");
    import(&files, &["postman", shop.to_str().unwrap(), "--split", "-o", "out"]);
    // One collection per top-level folder.
    let mut written: Vec<String> = std::fs::read_dir(files.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    written.sort();
    // The request outside any folder stays in a collection named after the whole file.
    assert_eq!(
        written,
        ["collection.shop-postman-auth.yaml", "collection.shop-postman-cart.yaml", "collection.shop-postman.yaml"]
    );
    let cart = std::fs::read_to_string(files.path().join("out/collection.shop-postman-cart.yaml")).unwrap();
    assert!(cart.starts_with("# Imported from "), "{cart}");
    assert!(cart.contains("_.every(") && cart.contains("after:"), "the Pay script is carried over: {cart}");
    // The token is set by a step of another collection here, so it is read from the
    // environment (it looks secret).
    assert!(cart.contains("@{{env.TOKEN}}"), "{cart}");
    // The script that sets the cart id is carried over, and the next step reads it.
    assert!(cart.contains("@{{vars.cartId}}"), "the cart id comes from the step that adds to the cart: {cart}");
    let validate = files.skopos(&["validate".into(), "out".into()], &[]);
    assert_eq!(validate.code, 0, "{}{}", validate.stdout, validate.stderr);

    // Not a Postman collection: exit 2 with the reason.
    files.write("not.json", "{\"openapi\": \"3.0.0\"}");
    let outcome = files.skopos(&["import".into(), "postman".into(), "not.json".into()], &[]);
    assert_eq!(outcome.code, 2);
    assert!(outcome.stderr.contains("not a Postman collection"), "{}", outcome.stderr);
}

#[test]
fn curl_command_lines_become_a_collection_that_runs() {
    let key = unique("curl");
    let base = server().base();
    let files = Files::new();
    let login = format!(
        "curl '{base}/login/{key}' -H 'content-type: application/json' --data-raw '{{\"user\":\"c\",\"password\":\"open-sesame\"}}' --compressed"
    );
    let echo = format!("curl -G -d q=shoes -H 'X-Team: checkout' {base}/echo");
    import(&files, &["curl", &login, &echo, "--name", "from curl", "-o", "out"]);
    let run = files.run(&["out"], &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(server().count(&format!("login/{key}")), 1);
    let echo = run.step(0, 1);
    let body: Value = serde_json::from_str(echo["response"]["body"].as_str().unwrap()).unwrap();
    assert_eq!((body["query"].as_str(), body["headers"]["x-team"].as_str()), (Some("q=shoes"), Some("checkout")));
}

#[test]
fn an_openapi_document_becomes_a_smoke_collection_that_checks_schemas() {
    let files = Files::new();
    let document = fixture("openapi/shop.yaml");
    let imported = import(&files, &["openapi", document.to_str().unwrap(), "-o", "smoke"]);
    assert!(
        imported.stdout.contains("GET /cart/{id}: left out: needs `id` (path) and the document gives no example"),
        "{}",
        imported.stdout
    );
    assert!(imported.stdout.contains("1 operation(s) that change data were left out"), "{}", imported.stdout);
    let run = files.run(&["smoke", "--var", &format!("base={}", server().base())], &[]);
    let steps: Vec<(String, String)> = run.report["collections"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap().to_string(), s["status"].as_str().unwrap().to_string()))
        .collect();
    let expected = [("echo", "passed"), ("sleep", "failed"), ("get-final", "passed"), ("count", "passed")];
    let expected: Vec<(String, String)> = expected.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect();
    assert_eq!(steps, expected, "{}", run.stdout);
    // The schema caught what the status could not: `slept` is a string, not an integer.
    let sleep = run.step(0, 1);
    let failed: Vec<&Value> = sleep["assertions"].as_array().unwrap().iter().filter(|a| a["passed"] == false).collect();
    assert_eq!(failed.len(), 1, "{sleep}");
    assert_eq!(
        (failed[0]["op"].as_str(), failed[0]["name"].as_str()),
        (Some("plugin"), Some("the body matches the documented schema"))
    );
    assert_eq!(failed[0]["message"], "/slept: \"1\" is not of type \"integer\"", "{sleep}");
    assert_eq!(run.step(0, 0)["request"]["url"], format!("{}/echo?q=shoes", server().base()));

    // With --unsafe, the login with its example body is in too, and passes.
    import(&files, &["openapi", document.to_str().unwrap(), "--unsafe", "-o", "all"]);
    let run = files.run(&["all", "--var", &format!("base={}", server().base())], &[]);
    let login =
        run.report["collections"][0]["steps"].as_array().unwrap().iter().find(|s| s["name"] == "login").cloned();
    assert_eq!(login.expect("a login step")["status"], "passed", "{}", run.stdout);

    files.write("swagger.json", "{\"swagger\": \"2.0\", \"paths\": {}}");
    let outcome = files.skopos(&["import".into(), "openapi".into(), "swagger.json".into()], &[]);
    assert_eq!(outcome.code, 2);
    assert!(outcome.stderr.contains("a Swagger 2 document: only OpenAPI 3.0 and 3.1 are read"), "{}", outcome.stderr);
}

#[test]
fn a_hurl_file_becomes_a_collection_with_its_captures_as_references() {
    let files = Files::new();
    let hurl = fixture("hurl/shop.hurl");
    let imported = import(&files, &["hurl", hurl.to_str().unwrap(), "-o", "from-hurl"]);
    assert!(
        imported.stdout.contains("`sha256 == hex,e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855;`: this kind of query is not translated"),
        "{}",
        imported.stdout
    );
    assert!(imported.stdout.contains("`{{password}}`: looks secret"), "{}", imported.stdout);
    let written = std::fs::read_to_string(files.path().join("from-hurl/collection.shop.yaml")).unwrap();
    assert!(written.contains("@{{post-hurl.body.token}}") && written.contains("@{{post-cart.body.id}}"), "{written}");
    let run = files.run(&["from-hurl", "--var", &format!("base={}", server().base())], &[("PASSWORD", "open-sesame")]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let assertions: usize = (0..4).map(|i| run.step(0, i)["assertions"].as_array().unwrap().len()).sum();
    // 3 status lines, a response header, and 11 of the 12 asserts (not the sha256 one).
    assert_eq!(assertions, 15, "{}", run.stdout);
}

#[test]
fn a_browser_recording_becomes_a_chained_collection_without_its_secrets() {
    let files = Files::new();
    let har = fixture("har/shop.har");
    let imported = import(&files, &["har", har.to_str().unwrap(), "-o", "recorded"]);
    assert!(imported.stdout.contains("3 request(s) for pages and static files"), "{}", imported.stdout);
    let written = std::fs::read_to_string(files.path().join("recorded/collection.shop.yaml")).unwrap();
    // The token from the login's response is a reference in every later request.
    assert_eq!(written.matches("Bearer @{{step1.body.token}}").count(), 3, "{written}");
    assert!(!written.contains("open-sesame") && written.contains("@{{env.PASSWORD}}"), "{written}");
    assert!(
        !written.contains("tok-123") && !written.contains("Mozilla") && !written.contains("theme=dark"),
        "{written}"
    );
    let run = files.run(&["recorded", "--var", &format!("base={}", server().base())], &[("PASSWORD", "open-sesame")]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.report["summary"]["steps"]["passed"], 4, "{}", run.stdout);
}
