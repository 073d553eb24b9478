use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::FutureExt;
use http::HeaderMap;
use serde_json::{Value, json};

use super::*;
use crate::response::CertificateInfo;

fn assertion(value: Value) -> Assertion {
    serde_json::from_value(value).unwrap()
}

fn response(body: &str) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json; charset=utf-8".parse().unwrap());
    headers.append("set-cookie", "a=1".parse().unwrap());
    headers.append("set-cookie", "b=2".parse().unwrap());
    headers.insert("content-length", "42".parse().unwrap());
    Response::new(200, headers, Bytes::from(body.to_string()), Duration::from_millis(120), None)
}

fn run(check: Value, body: &str) -> AssertionResult {
    Check::compile(&assertion(check)).unwrap().evaluate(&response(body), &NoPlugins).now_or_never().unwrap()
}

const CART: &str = r#"{"items":[{"qty":1,"sku":"A-1"}],"payments":[{"state":"ok"},{"state":"failed"}]}"#;

#[test]
fn failure_messages_read_like_the_spec() {
    let result = run(json!({"source": "body", "property": "items[0].qty", "op": "eq", "value": 2}), CART);
    assert!(!result.passed);
    assert_eq!(result.subject(), "body items[0].qty");
    assert_eq!(result.message.as_deref(), Some("expected 2, got 1"));
    assert_eq!(result.actual, Some(json!(1)));
    assert_eq!(result.expected, Some(json!(2)));
}

#[test]
fn every_source_reads_its_part_of_the_response() {
    assert!(run(json!({"source": "status", "op": "eq", "value": 200}), "").passed);
    assert!(run(json!({"source": "status", "op": "eq", "value": "200"}), "").passed);
    assert!(run(json!({"source": "latency", "op": "lt", "value": 800}), "").passed);
    assert!(!run(json!({"source": "latency", "op": "lt", "value": 100}), "").passed);
    assert!(run(json!({"source": "size", "op": "eq", "value": 5}), "hello").passed);
    assert!(run(json!({"source": "header", "property": "Content-Type", "op": "contains", "value": "json"}), "").passed);
    assert!(run(json!({"source": "header", "property": "content-length", "op": "eq", "value": 42}), "").passed);
    assert!(run(json!({"source": "header", "property": "content-length", "op": "lt", "value": 100}), "").passed);
    assert!(run(json!({"source": "header", "property": "set-cookie", "op": "count", "value": 2}), "").passed);
    assert!(run(json!({"source": "body", "op": "contains", "value": "qty"}), CART).passed);
    assert!(run(json!({"source": "body", "op": "eq", "value": "hello"}), "hello").passed);
    assert!(run(json!({"source": "body", "property": "$", "op": "type", "value": "object"}), CART).passed);
}

#[test]
fn jsonpath_count_and_filters() {
    let check = json!({"source": "body", "property": "$.payments[?@.state == 'ok']", "op": "count", "value": 1});
    assert!(run(check, CART).passed);
    let check = json!({"source": "body", "property": "$.payments[*]", "op": "count", "value": 3});
    let result = run(check, CART);
    assert_eq!(result.message.as_deref(), Some(r#"expected 3 matches, got 2 ([{"state":"ok"},{"state":"failed"}])"#));
    let check = json!({"source": "body", "property": "$.nothing[*]", "op": "count", "value": 0});
    assert!(run(check, CART).passed);
    let check = json!({"source": "body", "property": "nothing", "op": "count", "value": 1});
    assert_eq!(run(check, CART).message.as_deref(), Some("expected 1 matches, got 0"));
}

#[test]
fn missing_values_are_explained() {
    let result = run(json!({"source": "body", "property": "items[0].price", "op": "exists"}), CART);
    assert_eq!(result.message.as_deref(), Some("expected to exist, got nothing (`items[0]` has no such field)"));
    assert!(run(json!({"source": "body", "property": "items[0].price", "op": "not_exists"}), CART).passed);
    let result = run(json!({"source": "body", "property": "token", "op": "exists"}), "<html>oops</html>");
    assert_eq!(result.message.as_deref(), Some("expected to exist, got a body that is not JSON: <html>oops</html>"));
    let result = run(json!({"source": "header", "property": "x-trace", "op": "eq", "value": "1"}), "");
    assert_eq!(result.message.as_deref(), Some(r#"expected "1", got no `x-trace` header"#));
}

#[test]
fn type_mismatches_say_so() {
    let result = run(json!({"source": "body", "property": "items[0].sku", "op": "gt", "value": 1}), CART);
    assert_eq!(result.message.as_deref(), Some(r#"expected > 1, got "A-1" (string is not a number)"#));
}

#[test]
fn certificates_are_read_from_the_connection() {
    let mut response = response("");
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    response.certificate = Some(CertificateInfo {
        subject: "CN=api.test".into(),
        issuer: "CN=Test CA".into(),
        sans: vec!["api.test".into(), "127.0.0.1".into()],
        not_after_unix: now + 30 * 86_400 + 60,
    });
    let eval = |check: Value| {
        Check::compile(&assertion(check)).unwrap().evaluate(&response, &NoPlugins).now_or_never().unwrap()
    };
    assert!(eval(json!({"source": "certificate", "property": "expires_in_days", "op": "eq", "value": 30})).passed);
    assert!(eval(json!({"source": "certificate", "property": "issuer", "op": "contains", "value": "Test CA"})).passed);
    assert!(eval(json!({"source": "certificate", "property": "sans", "op": "contains", "value": "api.test"})).passed);
    let plain = run(json!({"source": "certificate", "property": "subject", "op": "exists"}), "");
    assert_eq!(plain.message.as_deref(), Some("expected to exist, got no certificate (not a TLS connection)"));
}

#[test]
fn plugin_assertions_go_through_the_seam() {
    let result = run(json!({"source": "body", "op": "plugin", "plugin": "schema", "value": {"x": 1}}), "{}");
    assert!(!result.passed);
    assert_eq!(result.message.as_deref(), Some("plugin `schema` failed: no assertion plugin named `schema` is loaded"));

    struct Even;
    impl AssertionPlugins for Even {
        fn evaluate<'a>(&'a self, _: &'a str, _: Option<&'a Value>, response: &'a Response) -> PluginFuture<'a> {
            Box::pin(std::future::ready(Ok(PluginVerdict {
                passed: response.body.len().is_multiple_of(2),
                actual: Some(json!(response.body.len())),
                message: None,
            })))
        }
    }
    let check = Check::compile(&assertion(json!({"source": "body", "op": "plugin", "plugin": "even"}))).unwrap();
    assert!(check.evaluate(&response("ab"), &Even).now_or_never().unwrap().passed);
    assert!(!check.evaluate(&response("abc"), &Even).now_or_never().unwrap().passed);
}

#[test]
fn bad_assertions_are_rejected_with_the_field_at_fault() {
    let compile = |v: Value| Check::compile(&assertion(v)).unwrap_err();
    let err = compile(json!({"source": "status", "property": "x", "op": "eq", "value": 1}));
    assert_eq!((err.field, err.message.as_str()), ("property", "`status` takes no property"));
    let err = compile(json!({"source": "body", "property": "a", "op": "matches", "value": "(unclosed"}));
    assert_eq!(err.field, "value");
    assert_eq!(err.message, "invalid regular expression `(unclosed`: unclosed group");
    let err = compile(json!({"source": "status", "op": "in", "value": 200}));
    assert_eq!(err.message, "`in` needs a list, like [200, 201]");
    let err = compile(json!({"source": "body", "property": "a", "op": "exists", "value": 1}));
    assert_eq!(err.message, "`exists` takes no value");
    let err = compile(json!({"source": "status", "op": "eq"}));
    assert_eq!(err.message, "`eq` needs a value");
    let err = compile(json!({"source": "latency", "op": "lt", "value": "fast"}));
    assert_eq!(err.message, "`lt` compares numbers; got string");
    let err = compile(json!({"source": "body", "property": "a", "op": "type", "value": "int"}));
    assert_eq!(err.message, "`type` needs one of string, number, boolean, object, array, null");
    let err = compile(json!({"source": "certificate", "property": "expiry", "op": "exists"}));
    assert!(err.message.starts_with("unknown certificate property `expiry`"), "{}", err.message);
    let err = compile(json!({"source": "header", "op": "exists"}));
    assert_eq!(err.field, "property");
    let err = compile(json!({"source": "body", "op": "plugin"}));
    assert_eq!(err.field, "plugin");
    let err = compile(json!({"source": "body", "property": "a[", "op": "exists"}));
    assert_eq!(err.field, "property");
}

/// Every other place that lists the operators lists exactly the code's names, in its order:
/// the console's form, the OpenAPI document and the table in docs/collections.md.
#[test]
fn every_list_of_operators_is_the_codes() {
    use crate::predicate::OpName;
    let names: Vec<String> = OpName::all().iter().map(|name| name.to_string()).collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));

    let console = read("console/step-form.js");
    let line = console.lines().find_map(|line| line.strip_prefix("const OPS = ")).expect("const OPS in step-form.js");
    let listed: Vec<String> = serde_json::from_str(line.trim_end_matches(';')).unwrap();
    assert_eq!(listed, names, "console/step-form.js OPS");

    let openapi: Value = serde_json::from_str(&read("agent/web/src/openapi.json")).unwrap();
    let assertion = &openapi["components"]["schemas"]["Assertion"]["properties"];
    let listed: Vec<String> = serde_json::from_value(assertion["op"]["enum"].clone()).unwrap();
    assert_eq!(listed, names, "openapi.json Assertion.op");
    assert_eq!(assertion["not"]["type"], "boolean", "openapi.json Assertion.not");

    let docs = read("docs/collections.md");
    let table = docs.split("## Assertions").nth(1).expect("## Assertions in docs/collections.md");
    let listed: Vec<String> = table
        .lines()
        .take_while(|line| !line.starts_with("## "))
        .filter_map(|line| line.strip_prefix("| `"))
        .flat_map(|row| {
            row.split(" |")
                .next()
                .unwrap_or_default()
                .split(", ")
                .map(|name| name.trim_matches('`').to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(listed, names, "the operator table in docs/collections.md");
}

/// A header sent several times is checked on each value, as Hurl checks `Set-Cookie`.
#[test]
fn a_repeated_header_is_checked_on_each_value() {
    let check = |op: &str, value: Value, not: bool| {
        run(json!({"source": "header", "property": "Set-Cookie", "op": op, "value": value, "not": not}), "")
    };
    assert!(check("eq", json!("b=2"), false).passed);
    assert!(check("eq", json!("a=1"), false).passed);
    assert!(!check("eq", json!("c=3"), false).passed);
    // Negated: no value may match.
    assert!(check("eq", json!("c=3"), true).passed);
    assert!(!check("eq", json!("b=2"), true).passed);
    assert!(check("matches", json!("^b="), false).passed);
    let failed = check("eq", json!("c=3"), false);
    assert_eq!(failed.actual, Some(json!(["a=1", "b=2"])));
    assert_eq!(failed.message.as_deref(), Some(r#"expected "c=3" in one of the header's values, got "a=1", "b=2""#));
    assert!(run(json!({"source": "header", "property": "Set-Cookie", "op": "count", "value": 2}), "").passed);
}

/// Filters take a header sent several times as the list of its values, and one sent once as
/// its value, as Hurl's filters do.
#[test]
fn filters_read_a_repeated_header_as_its_list_of_values() {
    let filtered = |property: &str, filters: Value, value: Value| {
        let check = json!({"source": "header", "property": property, "filters": filters, "op": "eq", "value": value});
        run(check, "")
    };
    assert!(filtered("Set-Cookie", json!([{"nth": 1}]), json!("b=2")).passed);
    assert!(filtered("Set-Cookie", json!(["first"]), json!("a=1")).passed);
    assert!(filtered("Set-Cookie", json!(["count"]), json!(2)).passed);
    assert!(filtered("Content-Length", json!(["to_int"]), json!(42)).passed);
    assert!(!filtered("Content-Length", json!([{"nth": 0}]), json!("42")).passed);
}
