use serde_json::json;

use super::translate;

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
    let translated = translate(script);
    assert!(translated.skipped.is_empty(), "{:?}", translated.skipped);
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
    assert_eq!(translated.assertions, expected);
}

#[test]
fn variables_set_from_the_response_become_captures() {
    let script = r#"
const data = JSON.parse(responseBody).data;
pm.environment.set("token", data.token);
pm.collectionVariables.set('cartId', pm.response.json().items[0].id);
postman.setGlobalVariable("where", pm.response.headers.get("Location"));
pm.globals.set("stamp", Date.now());
"#;
    let translated = translate(script);
    assert_eq!(
        translated.captures,
        vec![
            ("token".to_string(), "body.data.token".to_string()),
            ("cartId".to_string(), "body.items[0].id".to_string()),
            ("where".to_string(), "headers.Location".to_string()),
        ]
    );
    assert_eq!(translated.skipped.len(), 1);
    assert!(translated.skipped[0].1.contains("not a plain path"), "{:?}", translated.skipped);
}

#[test]
fn what_is_not_understood_is_listed_with_the_reason() {
    let script = r#"
pm.test("regex", function () { pm.expect(pm.response.text()).to.match(/ok/); });
pm.test("loop", function () { _.each(pm.response.json().items, (i) => pm.expect(i.qty).to.be.above(0)); });
console.log("done");
"#;
    let translated = translate(script);
    assert!(translated.assertions.is_empty(), "{:?}", translated.assertions);
    let reasons: Vec<&str> = translated.skipped.iter().map(|(_, reason)| reason.as_str()).collect();
    assert_eq!(reasons.len(), 3, "{:?}", translated.skipped);
    assert!(reasons[0].contains("regular expressions"), "{reasons:?}");
    assert!(reasons[1].contains("not an expectation"), "{reasons:?}");
    assert!(translated.skipped[0].0.starts_with("regex: "), "{:?}", translated.skipped);
}
