use serde_json::json;

use super::translate;
use crate::variables::Effect;

#[test]
fn the_patterns_people_write_become_named_assertions() {
    let script = r#"
var json = pm.response.json();
pm.test("Status code is 200", function () {
    pm.response.to.have.status(200);
});
pm.test("ok", () => { pm.response.to.be.ok; });
pm.test("created or accepted", function () { pm.expect(pm.response.code).to.be.oneOf([201, 202]); });
pm.test("fast", function () { pm.expect(pm.response.responseTime).to.be.below(500); });
pm.test("json header", function () { pm.response.to.have.header("Content-Type", "application/json"); });
pm.test("has a trace", function () { pm.response.to.have.header("X-Trace"); });
pm.test("first qty", function () {
    pm.expect(json.items[0].qty).to.eql(2);
    pm.expect(json.items[0].sku).to.equal('A-1');
});
pm.test("token", function () { pm.expect(json).to.have.property('token'); });
pm.test("tags", function () { pm.expect(json.tags).to.include("new"); });
pm.test("count", function () { pm.expect(json.count).to.be.above(3); });
pm.test("text", function () { pm.expect(pm.response.text()).to.include("ok"); });
tests["legacy status"] = responseCode.code === 200;
"#;
    let assertions = all_translated(script);
    let expected = vec![
        json!({"source": "status", "op": "eq", "value": 200, "name": "Status code is 200"}),
        json!({"source": "status", "op": "eq", "value": 200, "name": "ok"}),
        json!({"source": "status", "op": "in", "value": [201, 202], "name": "created or accepted"}),
        json!({"source": "latency", "op": "lt", "value": 500, "name": "fast"}),
        json!({"source": "header", "property": "Content-Type", "op": "eq", "value": "application/json", "name": "json header"}),
        json!({"source": "header", "property": "X-Trace", "op": "exists", "name": "has a trace"}),
        json!({"source": "body", "property": "items[0].qty", "op": "eq", "value": 2, "name": "first qty"}),
        json!({"source": "body", "property": "items[0].sku", "op": "eq", "value": "A-1", "name": "first qty"}),
        json!({"source": "body", "property": "token", "op": "exists", "name": "token"}),
        json!({"source": "body", "property": "tags", "op": "contains", "value": "new", "name": "tags"}),
        json!({"source": "body", "property": "count", "op": "gt", "value": 3, "name": "count"}),
        json!({"source": "body", "op": "contains", "value": "ok", "name": "text"}),
        json!({"source": "status", "op": "eq", "value": 200, "name": "legacy status"}),
    ];
    assert_eq!(assertions, expected);
}

#[test]
fn variables_set_from_the_response_become_captures() {
    let script = r#"
const data = JSON.parse(responseBody).data;
pm.environment.set("token", data.token);
pm.collectionVariables.set('cartId', pm.response.json().items[0].id);
postman.setGlobalVariable("where", pm.response.headers.get("Location"));
pm.globals.set("stamp", Date.now());
pm.environment.set("mode", "fast");
"#;
    let translated = translate(script);
    assert_eq!(
        translated.effects,
        vec![
            Effect::Capture("token".into(), "body.data.token".into()),
            Effect::Capture("cartId".into(), "body.items[0].id".into()),
            Effect::Capture("where".into(), "headers.Location".into()),
            Effect::Unknown("stamp".into()),
            Effect::Literal("mode".into(), "fast".into()),
            // Seen again in the statement left out.
            Effect::Unknown("stamp".into()),
        ]
    );
    assert_eq!(translated.skipped.len(), 1);
    assert!(translated.skipped[0].1.contains("not a literal or a plain path"), "{:?}", translated.skipped);
}

#[test]
fn what_is_not_understood_is_listed_with_the_reason() {
    let script = r#"
pm.test("regex", function () { pm.expect(pm.response.text()).to.match(/o(?=k)/); });
pm.test("loop", function () { _.each(pm.response.json().items, (i) => pm.expect(i.qty).to.be.above(0)); });
console.log("done");
"#;
    let translated = translate(script);
    assert!(translated.assertions.is_empty(), "{:?}", translated.assertions);
    // Logging decides nothing, so it is passed over without a note.
    let reasons: Vec<&str> = translated.skipped.iter().map(|(_, reason)| reason.as_str()).collect();
    assert_eq!(reasons.len(), 2, "{:?}", translated.skipped);
    assert!(reasons[0].contains("lookaround"), "{reasons:?}");
    assert!(reasons[1].contains("not an expectation"), "{reasons:?}");
    assert!(translated.skipped[0].0.starts_with("regex: "), "{:?}", translated.skipped);
}

/// Every negated chai form means what chai means: `.not.below(5)` is `not lt 5` (which, like
/// chai, fails on a missing or non-numeric value), never `lt 5`.
#[test]
fn negated_chai_forms_keep_their_meaning() {
    let cases = [
        (
            "pm.expect(json.age).to.not.be.below(5);",
            vec![json!({"source": "body", "property": "age", "op": "lt", "not": true, "value": 5})],
        ),
        (
            "pm.expect(json.age).to.not.be.lessThan(5);",
            vec![json!({"source": "body", "property": "age", "op": "lt", "not": true, "value": 5})],
        ),
        (
            "pm.expect(json.age).not.to.be.above(5);",
            vec![json!({"source": "body", "property": "age", "op": "gt", "not": true, "value": 5})],
        ),
        (
            "pm.expect(json.age).to.not.be.at.least(5);",
            vec![json!({"source": "body", "property": "age", "op": "gte", "not": true, "value": 5})],
        ),
        (
            "pm.expect(json.age).to.not.be.at.most(5);",
            vec![json!({"source": "body", "property": "age", "op": "lte", "not": true, "value": 5})],
        ),
        (
            "pm.expect(pm.response.responseTime).to.not.be.above(900);",
            vec![json!({"source": "latency", "op": "gt", "not": true, "value": 900})],
        ),
        ("pm.expect(pm.response.code).to.not.equal(500);", vec![json!({"source": "status", "op": "ne", "value": 500})]),
        ("pm.expect(json.n).to.not.eql(3);", vec![json!({"source": "body", "property": "n", "op": "ne", "value": 3})]),
        (
            "pm.expect(pm.response.code).to.not.be.oneOf([500, 502]);",
            vec![json!({"source": "status", "op": "not_in", "value": [500, 502]})],
        ),
        (
            "pm.expect(json.tags).to.not.include('old');",
            vec![
                json!({"source": "body", "property": "tags", "op": "exists"}),
                json!({"source": "body", "property": "tags", "op": "not_contains", "value": "old"}),
            ],
        ),
        (
            "pm.expect(pm.response.text()).to.not.contain('error');",
            vec![json!({"source": "body", "op": "not_contains", "value": "error"})],
        ),
        (
            "pm.expect(json.ok).to.not.be.true;",
            vec![json!({"source": "body", "property": "ok", "op": "ne", "value": true})],
        ),
        (
            "pm.expect(json.ok).to.not.be.false;",
            vec![json!({"source": "body", "property": "ok", "op": "ne", "value": false})],
        ),
        (
            "pm.expect(json.id).to.not.be.null;",
            vec![json!({"source": "body", "property": "id", "op": "ne", "value": null})],
        ),
        (
            "pm.expect(json.id).to.not.be.a('string');",
            vec![json!({"source": "body", "property": "id", "op": "type", "not": true, "value": "string"})],
        ),
        (
            "pm.expect(json.id).to.not.be.an('Array');",
            vec![json!({"source": "body", "property": "id", "op": "type", "not": true, "value": "array"})],
        ),
        (
            "pm.expect(json.items).to.not.have.lengthOf(0);",
            vec![json!({"source": "body", "property": "items", "op": "length", "not": true, "value": 0})],
        ),
        (
            "pm.expect(json).to.not.have.property('error');",
            vec![json!({"source": "body", "property": "error", "op": "not_exists"})],
        ),
        (
            "pm.expect(json).to.not.have.property('n', 11);",
            vec![json!({"source": "body", "property": "n", "op": "ne", "value": 11})],
        ),
        (
            "pm.expect(pm.response.headers.get('X-Debug')).to.not.exist;",
            vec![json!({"source": "header", "property": "X-Debug", "op": "not_exists"})],
        ),
        (
            "pm.expect(json.id).to.exist;",
            vec![
                json!({"source": "body", "property": "id", "op": "exists"}),
                json!({"source": "body", "property": "id", "op": "ne", "value": null}),
            ],
        ),
        ("pm.response.to.not.have.status(404);", vec![json!({"source": "status", "op": "ne", "value": 404})]),
        (
            "pm.response.to.not.have.header('X-Debug');",
            vec![json!({"source": "header", "property": "X-Debug", "op": "not_exists"})],
        ),
        ("pm.response.to.not.be.ok;", vec![json!({"source": "status", "op": "ne", "value": 200})]),
        // `not` inside an argument is not a negation.
        (
            "pm.expect(json.path).to.include('x.not.y');",
            vec![json!({"source": "body", "property": "path", "op": "contains", "value": "x.not.y"})],
        ),
        (
            "tests['gone'] = responseBody.has('error') === false;",
            vec![json!({"name": "gone", "source": "body", "op": "not_contains", "value": "error"})],
        ),
        (
            "tests['gone'] = !responseBody.has('error');",
            vec![json!({"name": "gone", "source": "body", "op": "not_contains", "value": "error"})],
        ),
        (
            "tests['there'] = responseBody.has('ok') === true;",
            vec![json!({"name": "there", "source": "body", "op": "contains", "value": "ok"})],
        ),
        (
            "tests['not 500'] = responseCode.code !== 500;",
            vec![json!({"name": "not 500", "source": "status", "op": "ne", "value": 500})],
        ),
    ];
    for (statement, expected) in cases {
        let translated = translate(&format!("var json = pm.response.json();\n{statement}"));
        assert!(translated.skipped.is_empty(), "{statement}: {:?}", translated.skipped);
        assert_eq!(translated.assertions, expected, "{statement}");
        for assertion in &translated.assertions {
            let assertion: skopos_core::model::Assertion = serde_json::from_value(assertion.clone()).unwrap();
            skopos_core::assert::Check::compile(&assertion).unwrap_or_else(|e| panic!("{statement}: {e:?}"));
        }
    }
}

/// What cannot be said as Skopos checks without changing its meaning is left out, with why.
#[test]
fn negations_without_an_exact_translation_are_left_out() {
    for statement in [
        "pm.expect(json.error).to.not.exist;",
        "pm.response.to.not.be.success;",
        "pm.expect(json.a).to.equal({ b: 1 });",
        "pm.expect(json).to.have.property('a', [1]);",
    ] {
        let translated = translate(&format!("var json = pm.response.json();\n{statement}"));
        assert!(translated.assertions.is_empty(), "{statement}: {:?}", translated.assertions);
        assert_eq!(translated.skipped.len(), 1, "{statement}");
    }
}

/// The assertions of a script every statement of which was translated.
fn all_translated(script: &str) -> Vec<serde_json::Value> {
    let translated = translate(script);
    assert!(translated.skipped.is_empty(), "{:?}", translated.skipped);
    translated.assertions
}

/// Exactly one statement was left out: one holding `statement`, for a reason holding `reason`.
fn left_out_once(translated: &super::Translated, statement: &str, reason: &str) {
    assert_eq!(translated.skipped.len(), 1, "{:?}", translated.skipped);
    assert!(translated.skipped[0].0.contains(statement), "{:?}", translated.skipped);
    assert!(translated.skipped[0].1.contains(reason), "{:?}", translated.skipped);
}

#[test]
fn a_test_with_a_part_left_out_is_left_out_whole() {
    // Postman fails `mixed` when the lookahead does not match; the status check alone would pass.
    let script = r#"
pm.test("mixed", function () {
    console.log("checking");
    pm.response.to.have.status(200);
    pm.expect(pm.response.text()).to.match(/o(?=k)/);
});
pm.test("whole", function () { console.log("x"); pm.response.to.have.status(200); });
"#;
    let translated = translate(script);
    assert_eq!(translated.assertions, vec![json!({"name": "whole", "source": "status", "op": "eq", "value": 200})]);
    left_out_once(&translated, "mixed: ", "left out with it");
}

#[test]
fn a_key_in_an_object_is_a_presence_check() {
    let script = r#"
var body = JSON.parse(responseBody);
tests["has foo"] = 'foo1' in body.cookies;
tests["no foo"] = !('foo1' in body.cookies);
tests["wrapped"] = (responseCode.code === 200);
var data = JSON.parse(responseBody).headers;
tests["host"] = "host" in data;
"#;
    assert_eq!(
        all_translated(script),
        vec![
            json!({"name": "has foo", "source": "body", "property": "cookies.foo1", "op": "exists"}),
            json!({"name": "no foo", "source": "body", "property": "cookies.foo1", "op": "not_exists"}),
            json!({"name": "wrapped", "source": "status", "op": "eq", "value": 200}),
            json!({"name": "host", "source": "body", "property": "headers.host", "op": "exists"}),
        ]
    );
}

#[test]
fn a_length_is_a_length_check_on_what_is_not_an_object() {
    let script = r#"
var data = JSON.parse(responseBody);
tests["two"] = data.args.hi.length === 2;
pm.test("chai", function () { pm.expect(data.items.length).to.eql(3); });
tests["some"] = data.items.length > 0;
tests["own"] = data.form.hasOwnProperty("hello");
"#;
    let translated = translate(script);
    assert_eq!(
        translated.assertions,
        vec![
            json!({"name": "two", "source": "body", "property": "args.hi", "op": "type", "not": true, "value": "object"}),
            json!({"name": "two", "source": "body", "property": "args.hi", "op": "length", "value": 2}),
            json!({"name": "chai", "source": "body", "property": "items", "op": "type", "not": true, "value": "object"}),
            json!({"name": "chai", "source": "body", "property": "items", "op": "length", "value": 3}),
            json!({"name": "own", "source": "body", "property": "form.hello", "op": "exists"}),
        ]
    );
    assert_eq!(translated.skipped.len(), 1, "{:?}", translated.skipped);
    assert!(translated.skipped[0].0.contains("length > 0"), "{:?}", translated.skipped);
}

#[test]
fn what_follows_a_return_never_runs() {
    let translated = translate(r#"return 0; tests["Returned 302"] = responseCode.code===302;"#);
    assert!(translated.assertions.is_empty(), "{:?}", translated.assertions);
    left_out_once(&translated, "Returned 302", "after a `return`");
}

#[test]
fn names_bound_to_the_text_or_taken_apart_from_the_json_are_followed() {
    let script = r#"
const response = pm.response.text();
const {url, args} = pm.response.json();
pm.test("text", () => { pm.expect(response).to.include("HEAD / HTTP/1.1"); });
pm.test("url", () => { pm.expect(url).to.equal("http://127.0.0.1/get"); });
pm.test("not a path", () => { pm.expect(response.length).to.eql(3); });
"#;
    let translated = translate(script);
    assert_eq!(
        translated.assertions,
        vec![
            json!({"name": "text", "source": "body", "op": "contains", "value": "HEAD / HTTP/1.1"}),
            json!({"name": "url", "source": "body", "property": "url", "op": "eq", "value": "http://127.0.0.1/get"}),
        ]
    );
    assert_eq!(translated.skipped.len(), 1, "{:?}", translated.skipped);
}

#[test]
fn regular_expressions_are_translated_to_what_they_mean() {
    let script = r#"
pm.test("pending", () => { pm.expect(pm.response.text()).to.match(/pend\w+/i); });
pm.test("not failed", () => { pm.expect(pm.response.text()).to.not.match(/fail/); });
tests["legacy"] = /^2\d\d$/.test(responseCode.code);
tests["lookahead"] = /a(?=b)/.test(responseBody);
"#;
    let translated = translate(script);
    assert_eq!(
        translated.assertions,
        vec![
            json!({"name": "pending", "source": "body", "op": "matches", "value": "(?i)pend[0-9A-Za-z_]+"}),
            json!({"name": "not failed", "source": "body", "op": "matches", "not": true, "value": "fail"}),
            json!({"name": "legacy", "source": "status", "op": "matches", "value": "^2[0-9][0-9]$"}),
        ]
    );
    assert_eq!(translated.skipped.len(), 1, "{:?}", translated.skipped);
    assert!(translated.skipped[0].1.contains("lookaround"), "{:?}", translated.skipped);
}

#[test]
fn the_body_checks_of_the_response_assertion_library_are_translated() {
    let script = r#"
pm.test("json", () => { pm.response.to.be.json; });
pm.test("not json", () => { pm.response.to.not.be.json; });
pm.test("some body", () => { pm.response.to.be.withBody; });
pm.test("has id", () => { pm.response.to.have.jsonBody("data.items[0].id"); });
pm.test("id is 7", () => { pm.response.to.have.jsonBody("data.id", 7); });
pm.test("text", () => { pm.response.to.have.body("OK"); });
pm.test("object", () => { pm.response.to.have.body({"ok": true}); });
"#;
    assert_eq!(
        all_translated(script),
        vec![
            json!({"name": "json", "source": "body", "property": "$", "op": "exists"}),
            json!({"name": "not json", "source": "body", "property": "$", "op": "not_exists"}),
            json!({"name": "some body", "source": "body", "op": "length", "not": true, "value": 0}),
            json!({"name": "has id", "source": "body", "property": "data.items[0].id", "op": "exists"}),
            json!({"name": "id is 7", "source": "body", "property": "data.id", "op": "eq", "value": 7}),
            json!({"name": "text", "source": "body", "op": "eq", "value": "OK"}),
            json!({"name": "object", "source": "body", "property": "$", "op": "eq", "value": {"ok": true}}),
        ]
    );
}

#[test]
fn nested_properties_and_included_objects_keep_chais_meaning() {
    let script = r#"
var json = pm.response.json();
pm.test("nested", () => { pm.expect(json).to.have.nested.property("a.b[1]", 2); });
pm.test("deep", () => { pm.expect(json).to.have.deep.property("c", {"d": 1}); });
pm.test("subset", () => { pm.expect(json).to.include({"name": "Bob", "age": 3}); });
pm.test("deep subset", () => { pm.expect(json.user).to.deep.include({"tags": ["a"]}); });
pm.test("strict object", () => { pm.expect(json).to.include({"tags": ["a"]}); });
pm.test("not subset", () => { pm.expect(json).to.not.include({"name": "Bob"}); });
"#;
    let translated = translate(script);
    assert_eq!(
        translated.assertions,
        vec![
            json!({"name": "nested", "source": "body", "property": "a.b[1]", "op": "eq", "value": 2}),
            json!({"name": "deep", "source": "body", "property": "c", "op": "eq", "value": {"d": 1}}),
            json!({"name": "subset", "source": "body", "property": "$", "op": "type", "value": "object"}),
            json!({"name": "subset", "source": "body", "property": "name", "op": "eq", "value": "Bob"}),
            json!({"name": "subset", "source": "body", "property": "age", "op": "eq", "value": 3}),
            json!({"name": "deep subset", "source": "body", "property": "user", "op": "type", "value": "object"}),
            json!({"name": "deep subset", "source": "body", "property": "user.tags", "op": "eq", "value": ["a"]}),
        ]
    );
    let reasons: Vec<&str> = translated.skipped.iter().map(|(_, reason)| reason.as_str()).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[0].contains("`===`") && reasons[1].contains("not one Skopos check"), "{reasons:?}");
}
