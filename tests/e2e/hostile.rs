//! Hostile targets (issue 8, first part): a redirect loop, a response with 100,000 headers, a
//! body trickling a byte at a time, and a decompression bomb. Each is reported on its step
//! with its failure class within the step's timeout, and the run goes on to the next step.

use std::time::{Duration, Instant};

use crate::{Files, server};

/// Runs `path` as step 1 (with `timeout_ms`) and a healthy step 2 in another collection;
/// returns step 1's error.
fn hostile(path: &str, timeout_ms: u64) -> serde_json::Value {
    let base = server().base();
    let files = Files::new();
    files.write(
        "hostile.yaml",
        &format!("name: hostile\nsteps:\n  - request: {{ url: '{base}{path}' }}\n    timeout_ms: {timeout_ms}\n"),
    );
    files.write("healthy.yaml", &format!("name: healthy\nsteps:\n  - request: {{ url: '{base}/final' }}\n"));
    let start = Instant::now();
    let outcome = files.run(&["hostile.yaml", "healthy.yaml"], &[]);
    let took = start.elapsed();
    assert_eq!(outcome.code, 1, "{path}: {}{}", outcome.stdout, outcome.stderr);
    assert!(took < Duration::from_millis(timeout_ms) + Duration::from_secs(5), "{path} took {took:?}");
    let collections = outcome.report["collections"].as_array().unwrap();
    let healthy = collections.iter().find(|c| c["name"] == "healthy").unwrap();
    assert_eq!(healthy["steps"][0]["status"], "passed", "the other collection is unaffected");
    let hostile = collections.iter().find(|c| c["name"] == "hostile").unwrap();
    assert_eq!(hostile["steps"][0]["status"], "failed", "{path}");
    hostile["steps"][0]["error"].clone()
}

#[test]
fn a_redirect_loop_stops_after_ten() {
    let error = hostile("/loop", 5000);
    assert!(error["message"].as_str().unwrap().contains("redirect"), "{error}");
}

#[test]
fn a_hundred_thousand_headers_are_refused() {
    let error = hostile("/many-headers/100000", 5000);
    assert_eq!(error["kind"], "protocol", "{error}");
}

#[test]
fn a_trickling_body_times_out_while_reading_it() {
    let error = hostile("/trickle", 1000);
    assert_eq!(error["kind"], "timeout", "{error}");
    assert!(error["message"].as_str().unwrap().contains("1000 ms"), "{error}");
}

#[test]
fn a_decompression_bomb_stops_at_the_body_cap() {
    let error = hostile("/bomb", 10000);
    assert_eq!(error["kind"], "body_too_large", "{error}");
}
