//! What happens on the wire: redirects, compression, slow, huge and broken responses.

use serde_json::json;

use crate::{Files, server};

fn one_step(request: &str, asserts: &str) -> String {
    format!("name: t\nsteps:\n  - request: {request}\n    assert: {asserts}\n")
}

#[test]
fn redirects_are_followed_unless_turned_off() {
    let files = Files::new();
    let base = server().base();
    files.write(
        "a.yaml",
        &one_step(&format!("{{ url: '{base}/redirect' }}"), "[{ source: body, op: eq, value: you made it }]"),
    );
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);
    assert_eq!(outcome.step(0, 0)["response"]["url"], format!("{base}/final"));
    assert_eq!(outcome.step(0, 0)["timings"]["redirects"], 1);

    let request = format!("{{ url: '{base}/redirect', follow_redirects: false }}");
    let asserts =
        "[{ source: status, op: eq, value: 302 }, { source: header, property: location, op: eq, value: /final }]";
    files.write("a.yaml", &one_step(&request, asserts));
    assert_eq!(files.run(&["a.yaml"], &[]).code, 0);
}

#[test]
fn a_step_follows_as_many_redirects_as_it_allows() {
    let files = Files::new();
    let base = server().base();
    files.write("a.yaml", &one_step(&format!("{{ url: '{base}/hops/11' }}"), "[]"));
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.code, 1, "{}", outcome.stdout);
    let error = &outcome.step(0, 0)["error"];
    assert_eq!(error["message"], format!("more than 10 redirects; the last went to {base}/hops/0"));

    let twelve = format!("{{ url: '{base}/hops/12', max_redirects: 12 }}");
    files.write("a.yaml", &one_step(&twelve, "[{ source: body, op: eq, value: you made it }]"));
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);
    assert_eq!(outcome.step(0, 0)["timings"]["redirects"], 12);

    let text = format!("name: t\ndefaults:\n  max_redirects: 1\nsteps:\n  - request: {{ url: '{base}/hops/2' }}\n");
    files.write("a.yaml", &text);
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.step(0, 0)["error"]["message"], format!("more than 1 redirect; the last went to {base}/hops/0"));

    files.write("a.yaml", &text.replace("max_redirects: 1", "max_redirects: 101"));
    let outcome = files.skopos(&["validate".into(), "a.yaml".into()], &[]);
    assert_eq!(outcome.code, 2);
    assert!(
        outcome.stderr.contains("a.yaml:3:18: defaults.max_redirects: at most 100 redirects can be followed"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn gzip_bodies_are_decoded() {
    let files = Files::new();
    let asserts = "[{ source: body, property: compressed, op: eq, value: true }, { source: header, property: content-encoding, op: eq, value: gzip }]";
    files.write("a.yaml", &one_step(&format!("{{ url: '{}/gzip' }}", server().base()), asserts));
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);
    let sent = outcome.step(0, 0)["request"]["headers"].to_string();
    assert!(sent.contains(r#"["accept-encoding","gzip, deflate, br"]"#), "{sent}");
}

#[test]
fn brotli_bodies_are_decoded() {
    let files = Files::new();
    let asserts = "[{ source: body, property: compressed, op: eq, value: br }, { source: body, property: pad, op: length, value: 200 }, { source: size, op: eq, value: 231 }]";
    files.write("a.yaml", &one_step(&format!("{{ url: '{}/br' }}", server().base()), asserts));
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);
}

#[test]
fn a_hanging_server_times_out_on_that_step() {
    let files = Files::new();
    let text = format!(
        "name: t\nsteps:\n  - request: {{ url: '{}/slow/5000' }}\n    timeout_ms: 200\n  - request: {{ url: '{}/final' }}\n",
        server().base(),
        server().base()
    );
    files.write("a.yaml", &text);
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.code, 1);
    let error = &outcome.step(0, 0)["error"];
    assert_eq!(error["kind"], "timeout");
    assert_eq!(error["message"], "no complete response within 200 ms (timed out waiting for the response headers)");
    assert_eq!(outcome.step(0, 1)["status"], "skipped");
}

#[test]
fn bodies_over_the_cap_are_a_step_error() {
    let files = Files::new();
    let base = server().base();
    for path in ["huge", "endless"] {
        let text = format!(
            "name: t\ndefaults: {{ max_body_bytes: 1048576 }}\nsteps:\n  - request: {{ url: '{base}/{path}' }}\n"
        );
        files.write("a.yaml", &text);
        let outcome = files.run(&["a.yaml"], &[]);
        assert_eq!(outcome.code, 1, "{path}");
        let error = &outcome.step(0, 0)["error"];
        assert_eq!(error["kind"], "body_too_large", "{path}: {error}");
        assert!(error["message"].as_str().unwrap().contains("over the limit of 1048576 bytes"), "{error}");
    }
}

#[test]
fn malformed_json_fails_body_assertions_with_what_came() {
    let files = Files::new();
    let asserts = "[{ source: body, property: token, op: exists }, { source: body, op: contains, value: oops }]";
    files.write("a.yaml", &one_step(&format!("{{ url: '{}/malformed' }}", server().base()), asserts));
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.code, 1);
    let assertions = &outcome.step(0, 0)["assertions"];
    assert_eq!(assertions[0]["message"], r#"expected to exist, got a body that is not JSON: {"token": oops"#);
    assert_eq!(assertions[1]["passed"], true);
}

#[test]
fn refused_and_reset_connections_are_classified() {
    let files = Files::new();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    files.write("a.yaml", &one_step(&format!("{{ url: 'http://{closed}/' }}"), "[]"));
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.code, 1);
    assert_eq!(outcome.step(0, 0)["error"]["kind"], "connect");
    let message = outcome.step(0, 0)["error"]["message"].as_str().unwrap().to_string();
    assert!(message.starts_with("connection refused by 127.0.0.1"), "{message}");

    files.write("a.yaml", &one_step(&format!("{{ url: 'http://{}/' }}", server().reset), "[]"));
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.step(0, 0)["error"]["kind"], "protocol", "{}", outcome.report);
}

#[test]
fn form_and_text_bodies_are_sent_with_their_content_type() {
    let files = Files::new();
    let base = server().base();
    let text = format!(
        "name: t\nsteps:\n  - request: {{ method: POST, url: '{base}/echo', body: {{ form: {{ a: 1, b: x y }} }} }}\n    assert: [{{ source: body, op: eq, value: 'a=1&b=x+y' }}]\n  - request: {{ method: POST, url: '{base}/echo', body: {{ text: 'from @{{{{step1.status}}}}' }} }}\n    assert: [{{ source: body, op: eq, value: from 200 }}]\n"
    );
    files.write("a.yaml", &text);
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);
    assert_eq!(
        outcome.step(0, 0)["request"]["headers"].as_array().unwrap().iter().find(|h| h[0] == "content-type").unwrap()
            [1],
        json!("application/x-www-form-urlencoded")
    );
}

#[test]
fn a_connection_the_server_closed_is_replaced() {
    let files = Files::new();
    let base = server().base();
    let text = format!(
        "name: t\nsteps:\n  - request: {{ url: '{base}/close' }}\n  - request: {{ method: POST, url: '{base}/echo', body: {{ text: hi }} }}\n    assert: [{{ source: body, op: eq, value: hi }}]\n  - request: {{ url: '{base}/final' }}\n"
    );
    files.write("a.yaml", &text);
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);
    assert_eq!(outcome.step(0, 1)["timings"]["reused_connection"], false);
    assert_eq!(outcome.step(0, 2)["timings"]["reused_connection"], true);
}

#[test]
fn reports_keep_a_glimpse_of_passing_bodies_and_more_of_failing_ones() {
    let files = Files::new();
    let base = server().base();
    let text = format!(
        "name: t\ndefaults: {{ max_body_bytes: 4194304 }}\nsteps:\n  - request: {{ url: '{base}/huge' }}\n  - request: {{ url: '{base}/huge' }}\n    assert: [{{ source: status, op: eq, value: 500 }}]\n"
    );
    files.write("a.yaml", &text);
    let outcome = files.run(&["a.yaml"], &[]);
    let (passed, failed) = (&outcome.step(0, 0)["response"], &outcome.step(0, 1)["response"]);
    assert_eq!(passed["body"].as_str().unwrap().len(), 4 * 1024);
    assert_eq!(failed["body"].as_str().unwrap().len(), 64 * 1024);
    for response in [passed, failed] {
        assert_eq!(response["body_bytes"], 3 * 1024 * 1024);
        assert_eq!(response["body_truncated"], true);
    }
}
