//! Multi-step flows: chaining, typed insertion, assertions, secrets, reports.

use serde_json::json;

use crate::{Files, collection, server, unique};

fn checkout(key: &str) -> String {
    collection("checkout.yaml", &[("base", &server().base()), ("key", key)])
}

const USER: (&str, &str) = ("SHOP_USER", "alice");
const PASSWORD: (&str, &str) = ("SHOP_PASSWORD", "open-sesame");

#[test]
fn a_chained_flow_passes_and_reports_every_assertion() {
    let files = Files::new();
    files.write("checkout.yaml", &checkout(&unique("login")));
    let outcome = files.run(&["checkout.yaml", "--junit", "junit.xml"], &[USER, PASSWORD]);
    assert_eq!(outcome.code, 0, "{}{}", outcome.stdout, outcome.stderr);
    assert!(outcome.stdout.contains("PASS checkout flow"), "{}", outcome.stdout);
    assert_eq!(
        outcome.stdout.lines().last().unwrap(),
        "collections: 1 passed, 0 failed; steps: 3 passed, 0 failed, 0 skipped; assertions: 8 passed, 0 failed"
    );
    assert_eq!(
        outcome.report["summary"],
        json!({"collections": {"passed": 1, "degraded": 0, "failed": 0},
               "steps": {"passed": 3, "degraded": 0, "failed": 0, "skipped": 0},
               "assertions": {"passed": 8, "degraded": 0, "failed": 0}})
    );
    // The JSON body value `@{{vars.qty}}` kept its type: the server echoed a number.
    let cart = outcome.step(0, 1);
    assert_eq!(cart["request"]["body"], r#"{"sku":"A-1","qty":2}"#);
    assert_eq!(cart["assertions"][1]["actual"], 2);
    assert_eq!(outcome.step(0, 2)["request"]["url"], format!("{}/cart/7/pay", server().base()));
    let timings = &outcome.step(0, 0)["timings"];
    assert!(timings["total_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(outcome.step(0, 1)["timings"]["reused_connection"], true);
    let junit = std::fs::read_to_string(outcome.dir.join("junit.xml")).unwrap();
    assert!(junit.contains(r#"<testsuite id="0" name="checkout flow""#), "{junit}");
    assert_eq!(junit.matches("<testcase ").count(), 3);
    assert!(!junit.contains("<failure"));
}

#[test]
fn secrets_from_the_environment_never_reach_output_or_reports() {
    let files = Files::new();
    files.write("checkout.yaml", &checkout(&unique("login")));
    let outcome = files.run(&["checkout.yaml", "--junit", "junit.xml"], &[USER, PASSWORD]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    let report = outcome.report.to_string();
    let junit = std::fs::read_to_string(outcome.dir.join("junit.xml")).unwrap();
    for text in [&report, &outcome.stdout, &outcome.stderr, &junit] {
        assert!(!text.contains("open-sesame"), "secret leaked: {text}");
    }
    assert!(
        report.contains(r#"{\"password\":\"***\",\"user\":\"***\"}"#) || report.contains(r#"\"password\":\"***\""#),
        "{report}"
    );
}

#[test]
fn a_failed_assertion_fails_the_step_and_later_steps_still_run() {
    let files = Files::new();
    let text = checkout(&unique("login")).replace("op: eq, value: 2 }", "op: eq, value: 3 }");
    files.write("checkout.yaml", &text);
    let outcome = files.run(&["checkout.yaml", "--junit", "junit.xml"], &[USER, PASSWORD]);
    assert_eq!(outcome.code, 1);
    assert!(outcome.stdout.contains("✗ body items[0].qty: expected 3, got 2"), "{}", outcome.stdout);
    assert!(
        outcome.stdout.contains(r#"response body: {"id":7,"items":[{"sku":"A-1","qty":2}]}"#),
        "{}",
        outcome.stdout
    );
    assert_eq!(outcome.step(0, 1)["status"], "failed");
    assert_eq!(outcome.step(0, 2)["status"], "passed");
    let failed = &outcome.step(0, 1)["assertions"][1];
    assert_eq!(
        (failed["expected"].clone(), failed["actual"].clone(), failed["passed"].clone()),
        (json!(3), json!(2), json!(false))
    );
    let junit = std::fs::read_to_string(outcome.dir.join("junit.xml")).unwrap();
    assert!(junit.contains(r#"<failure type="assertion" message="body items[0].qty: expected 3, got 2"/>"#), "{junit}");
}

#[test]
fn an_unresolvable_reference_stops_the_collection_and_skips_the_rest() {
    let files = Files::new();
    let text = checkout(&unique("login")).replace("@{{step2.body.id}}", "@{{step2.body.order.id}}");
    files.write("checkout.yaml", &text);
    let outcome = files.run(&["checkout.yaml"], &[USER, PASSWORD]);
    assert_eq!(outcome.code, 1);
    let pay = outcome.step(0, 2);
    assert_eq!(pay["status"], "failed");
    assert_eq!(pay["error"]["kind"], "reference");
    assert_eq!(
        pay["error"]["message"],
        r#"step 3 'pay': cannot resolve `@{{step2.body.order.id}}`: step 2 'cart' body has no such field; it was: {"id":7,"items":[{"sku":"A-1","qty":2}]}"#
    );
    let text = checkout(&unique("login")).replace("@{{login.body.token}}", "@{{login.body.jwt}}");
    files.write("checkout.yaml", &text);
    let outcome = files.run(&["checkout.yaml"], &[USER, PASSWORD]);
    assert_eq!(outcome.step(0, 1)["error"]["kind"], "reference");
    assert_eq!(outcome.step(0, 2)["status"], "skipped");
    assert!(outcome.stdout.contains("- step 3 'pay' skipped"), "{}", outcome.stdout);
    assert_eq!(outcome.report["summary"]["steps"], json!({"passed": 1, "degraded": 0, "failed": 1, "skipped": 1}));
}

#[test]
fn a_missing_environment_variable_is_reported_on_the_step() {
    let files = Files::new();
    files.write("checkout.yaml", &checkout(&unique("login")));
    let outcome = files.run(&["checkout.yaml"], &[USER]);
    assert_eq!(outcome.code, 1);
    assert_eq!(
        outcome.step(0, 0)["error"]["message"],
        "step 1 'login': cannot resolve `@{{env.SHOP_PASSWORD}}`: environment variable `SHOP_PASSWORD` is not set"
    );
}

#[test]
fn vars_can_be_overridden_and_query_parameters_are_encoded() {
    let files = Files::new();
    let text = "name: echo\nvariables: { base: http://127.0.0.1:9, term: x }\nsteps:\n  - request:\n      url: '@{{vars.base}}/echo'\n      query: { q: '@{{vars.term}}', tag: [a, b] }\n    assert:\n      - { source: body, property: query, op: eq, value: 'q=a+b%26c&tag=a&tag=b' }\n";
    files.write("echo.yaml", text);
    let base = format!("base={}", server().base());
    let outcome = files.run(&["echo.yaml", "--var", &base, "--var", "term=a b&c"], &[]);
    assert_eq!(outcome.code, 0, "{}{}", outcome.stdout, outcome.stderr);
}

#[test]
fn oauth2_tokens_are_fetched_once_per_run() {
    let files = Files::new();
    let key = unique("token");
    for name in ["one", "two"] {
        let text = collection("oauth2.yaml", &[("name", name), ("base", &server().base()), ("key", &key)]);
        files.write(&format!("{name}.yaml"), &text);
    }
    let outcome = files.run(&["."], &[("CLIENT_SECRET", "s3cr3t")]);
    assert_eq!(outcome.code, 0, "{}{}", outcome.stdout, outcome.stderr);
    assert_eq!(server().count(&format!("token/{key}")), 1);
    assert!(outcome.step(0, 0)["request"]["headers"].to_string().contains("Bearer ***"));
    assert!(!outcome.report.to_string().contains("tok-123\""), "the token is masked");
}

#[test]
fn retries_record_every_attempt() {
    let files = Files::new();
    let key = unique("flaky");
    let text = collection("flaky.yaml", &[("base", &server().base()), ("key", &key)]);
    files.write("flaky.yaml", &text);
    let outcome = files.run(&["flaky.yaml"], &[]);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);
    let attempts: Vec<_> =
        outcome.step(0, 0)["attempts"].as_array().unwrap().iter().map(|a| a["status"].clone()).collect();
    assert_eq!(attempts, vec![json!(503), json!(503), json!(200)]);
    assert!(outcome.stdout.contains("after 3 attempts"), "{}", outcome.stdout);
}

#[test]
fn collections_in_a_folder_run_in_parallel_and_all_report() {
    let files = Files::new();
    for n in 0..6 {
        let text = collection("slow.yaml", &[("name", &format!("c{n}")), ("base", &server().base()), ("ms", "300")]);
        files.write(&format!("c{n}.yml"), &text);
    }
    let outcome = files.run(&["."], &[]);
    assert_eq!(outcome.code, 0);
    assert_eq!(outcome.report["summary"]["collections"]["passed"], 6);
    // Parallel, not sequential: the collections' run windows overlap.
    let starts: Vec<String> = outcome.report["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["started_at"].as_str().unwrap().to_string())
        .collect();
    let earliest = starts.iter().min().unwrap();
    let latest = starts.iter().max().unwrap();
    let parse = |t: &str| humantime_like(t);
    assert!(parse(latest) - parse(earliest) < 300.0, "all six started within the first response time: {starts:?}");
}

/// Milliseconds of the day from an RFC 3339 `...THH:MM:SS.mmmZ` stamp.
fn humantime_like(stamp: &str) -> f64 {
    let time = stamp.split('T').nth(1).unwrap().trim_end_matches('Z');
    let parts: Vec<f64> = time.split(':').map(|p| p.parse().unwrap()).collect();
    (parts[0] * 3600.0 + parts[1] * 60.0 + parts[2]) * 1000.0
}

#[test]
fn basic_and_bearer_auth_are_sent_and_masked() {
    let files = Files::new();
    let credentialed = server().base().replace("http://", "http://bob%40email.com:secret@");
    let text = collection("auth.yaml", &[("base", &server().base()), ("credentialed", &credentialed)]);
    files.write("auth.yaml", &text);
    let env = [("API_USER", "alice"), ("API_PASSWORD", "pa$$word"), ("API_TOKEN", "t0ken-xyz")];
    let outcome = files.run(&["auth.yaml"], &env);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);
    let sent = |step: usize| {
        outcome.step(0, step)["request"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0] == "authorization")
            .unwrap()[1]
            .clone()
    };
    assert_eq!(sent(0), "Basic ***");
    assert_eq!(sent(1), "Bearer ***");
    assert_eq!(sent(2), "Basic ***");
    assert_eq!(outcome.step(0, 2)["request"]["url"], format!("{}/echo", server().base()));
    let report = outcome.report.to_string();
    assert!(!report.contains("t0ken-xyz") && !report.contains("YWxpY2U6cGEkJHdvcmQ="), "{report}");
    assert!(!report.contains("secret@") && !report.contains("Ym9iQGVtYWlsLmNvbTpzZWNyZXQ="), "{report}");
}

#[test]
fn continue_on_failure_false_stops_at_the_first_failed_step() {
    let files = Files::new();
    let text = collection("strict.yaml", &[("base", &server().base())]);
    files.write("strict.yaml", &text);
    let outcome = files.run(&["strict.yaml"], &[]);
    assert_eq!(outcome.code, 1);
    assert_eq!(outcome.step(0, 0)["status"], "failed");
    assert_eq!(outcome.step(0, 1)["status"], "skipped");
}

#[test]
fn concurrency_one_runs_collections_one_after_another() {
    let files = Files::new();
    for n in 0..3 {
        files.write(
            &format!("c{n}.yaml"),
            &collection("slow.yaml", &[("name", &format!("c{n}")), ("base", &server().base()), ("ms", "100")]),
        );
    }
    let outcome = files.run(&[".", "--concurrency", "1"], &[]);
    assert_eq!(outcome.code, 0);
    let collections = outcome.report["collections"].as_array().unwrap();
    let mut windows: Vec<(f64, f64)> = collections
        .iter()
        .map(|c| {
            let start = humantime_like(c["started_at"].as_str().unwrap());
            (start, start + c["duration_ms"].as_f64().unwrap())
        })
        .collect();
    windows.sort_by(|a, b| a.0.total_cmp(&b.0));
    for pair in windows.windows(2) {
        // Started-at has millisecond resolution.
        assert!(pair[1].0 >= pair[0].1 - 1.0, "overlapping runs: {windows:?}");
    }
}

fn session(cookies: &str) -> String {
    collection("session.yaml", &[("cookies", cookies), ("base", &server().base())])
}

#[test]
fn cookies_set_by_responses_are_sent_on_redirects_and_later_steps() {
    let files = Files::new();
    files.write("session.yaml", &session("true"));
    let outcome = files.run(&["session.yaml"], &[]);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);
    // Recorded as sent; the cookie for /settings stays out of requests to /me.
    let headers = outcome.step(0, 1)["request"]["headers"].to_string();
    assert!(headers.contains(r#"["cookie","sid=s-42"]"#), "{headers}");

    files.write("session.yaml", &session("false"));
    let outcome = files.run(&["session.yaml"], &[]);
    assert_eq!(outcome.code, 1);
    assert_eq!(outcome.step(0, 0)["response"]["status"], 401);
}

#[test]
fn multipart_bodies_send_text_fields_and_files() {
    let files = Files::new();
    files.write("upload.yaml", &collection("multipart.yaml", &[("base", &server().base())]));
    files.write("data.csv", "id,qty\n1,2\n");
    let outcome = files.run(&["upload.yaml"], &[]);
    assert_eq!(outcome.code, 0, "{}{}", outcome.stdout, outcome.stderr);
    let headers = outcome.step(0, 0)["request"]["headers"].as_array().unwrap().clone();
    let content_type = headers.iter().find(|h| h[0] == "content-type").unwrap()[1].as_str().unwrap().to_string();
    assert!(content_type.starts_with("multipart/form-data; boundary=skopos-"), "{content_type}");

    // A missing file is found by validate, with its place.
    std::fs::remove_file(files.path().join("data.csv")).unwrap();
    let validate = files.skopos(&["validate".into(), "upload.yaml".into()], &[]);
    assert_eq!(validate.code, 2, "{}{}", validate.stdout, validate.stderr);
    assert!(validate.stderr.contains("upload.yaml:11:"), "{}", validate.stderr);
    assert!(validate.stderr.contains("no file `data.csv` beside the collection"), "{}", validate.stderr);
}

#[test]
fn cookies_a_response_sets_are_read_by_assertions_and_references() {
    let files = Files::new();
    let key = unique("cookies");
    files.write("cookies.yaml", &collection("cookies.yaml", &[("base", &server().base()), ("key", &key)]));
    let outcome = files.run(&["cookies.yaml"], &[]);
    assert_eq!(outcome.code, 0, "{}{}", outcome.stdout, outcome.stderr);
    // A cookie that is not there fails with what is missing.
    let failing = collection("cookies.yaml", &[("base", &server().base()), ("key", &key)]).replace(
        "{ source: cookie, property: missing, op: not_exists }",
        "{ source: cookie, property: missing, op: exists }",
    );
    files.write("cookies.yaml", &failing);
    let outcome = files.run(&["cookies.yaml"], &[]);
    assert_eq!(outcome.code, 1, "{}", outcome.stdout);
    assert!(outcome.stdout.contains("no `missing` cookie set by the response"), "{}", outcome.stdout);
}

#[test]
fn captures_cut_values_out_for_later_steps() {
    let files = Files::new();
    files.write("captures.yaml", &collection("captures.yaml", &[("base", &server().base())]));
    let outcome = files.run(&["captures.yaml"], &[]);
    assert_eq!(outcome.code, 1, "{}{}", outcome.stdout, outcome.stderr);
    let first = outcome.step(0, 0);
    let passed: Vec<bool> = first["assertions"].as_array().unwrap().iter().map(|a| a["passed"] == true).collect();
    assert_eq!(passed, [true, true, false], "{first}");
    // A capture that cannot be read says why.
    assert!(
        outcome.stdout.contains("capture `missing`: `regex` /id=(\\d+)/ matches nothing in \"/final\""),
        "{}",
        outcome.stdout
    );
    assert_eq!(outcome.step(0, 1)["status"], "passed", "{}", outcome.stdout);

    // A bad filter is found by validate, with its place.
    files.write(
        "bad.yaml",
        &collection("captures.yaml", &[("base", &server().base())]).replace("\"/(\\\\w+)\"", "\"(\""),
    );
    let validate = files.skopos(&["validate".into(), "bad.yaml".into()], &[]);
    assert_eq!(validate.code, 2, "{}{}", validate.stdout, validate.stderr);
    assert!(
        validate.stderr.contains("steps[0].captures[0].filters[0]: invalid regular expression"),
        "{}",
        validate.stderr
    );
}

#[test]
fn retrying_on_assertions_polls_until_they_pass_or_attempts_run_out() {
    // The endpoint counts its calls: the check passes from the third. With `attempts`
    // attempts, (code, attempts made, the count the last one saw).
    let poll = |attempts: &str| {
        let files = Files::new();
        let values = [("base", server().base()), ("key", unique("polling")), ("attempts", attempts.to_string())];
        let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        files.write("polling.yaml", &collection("polling.yaml", &values));
        let outcome = files.run(&["polling.yaml"], &[]);
        let step = outcome.step(0, 0).clone();
        (outcome.code, step["attempts"].as_array().map_or(0, Vec::len), step["assertions"][0]["actual"].clone())
    };
    assert_eq!(poll("4"), (0, 3, json!(3)));
    // Two attempts are not enough: the last is reported, failed.
    assert_eq!(poll("2"), (1, 2, json!(2)));
}

#[test]
fn xpath_reads_xml_bodies() {
    let files = Files::new();
    files.write("xpath.yaml", &collection("xpath.yaml", &[("base", &server().base())]));
    let outcome = files.run(&["xpath.yaml"], &[]);
    assert_eq!(outcome.code, 0, "{}{}", outcome.stdout, outcome.stderr);
    // A body that is not XML fails the check, saying so.
    let not_xml = collection("xpath.yaml", &[("base", &server().base())]).replace("<order ", "not xml <order ");
    files.write("xpath.yaml", &not_xml);
    let outcome = files.run(&["xpath.yaml"], &[]);
    assert_eq!(outcome.code, 1, "{}", outcome.stdout);
    assert!(outcome.stdout.contains("the body is not XML"), "{}", outcome.stdout);
}
