use serde_json::json;

use super::{Options, import};

fn one(collection: serde_json::Value) -> super::Imported {
    let mut imported = import(&collection, &Options::default()).unwrap();
    assert_eq!(imported.len(), 1);
    let imported = imported.remove(0);
    imported.check().unwrap();
    imported
}

/// Postman sends a URL without a scheme over http://, and builds a URL whose `raw` is blank
/// from its parts.
#[test]
fn urls_are_sent_where_postman_sends_them() {
    let collection = json!({
        "info": {"name": "urls", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "variable": [{"key": "host", "value": "127.0.0.1:8080"}, {"key": "full", "value": "https://example.test"}],
        "item": [
            {"name": "bare", "request": {"url": "127.0.0.1:8080/a"}},
            {"name": "host variable", "request": {"url": "{{host}}/b"}},
            {"name": "url variable", "request": {"url": "{{full}}/c"}},
            {"name": "parts", "request": {"url": {"raw": "", "protocol": "https", "host": ["api", "example", "test"],
                                                   "port": "8443", "path": ["v1", "items"]}}},
        ]
    });
    let imported = one(collection);
    let urls: Vec<&str> = imported.steps.iter().map(|s| s["request"]["url"].as_str().unwrap()).collect();
    assert_eq!(
        urls,
        [
            "http://127.0.0.1:8080/a",
            "http://@{{vars.host}}/b",
            "@{{vars.full}}/c",
            "https://api.example.test:8443/v1/items"
        ]
    );
}

/// Nothing is dropped without a note: scripts on the collection and its folders, an `event`
/// written as one object, request settings.
#[test]
fn scripts_and_settings_around_requests_are_noted() {
    let script = |listen: &str, text: &str| json!({"listen": listen, "script": {"exec": [text]}});
    let collection = json!({
        "info": {"name": "around"},
        "event": [script("prerequest", "pm.variables.set('t', Date.now())")],
        "item": [{
            "name": "Folder",
            "event": [script("test", "pm.test('folder', () => pm.response.to.have.status(200))")],
            "item": [{
                "name": "one",
                "request": {"url": "http://127.0.0.1:1/"},
                "event": script("test", "pm.test('ok', () => pm.response.to.have.status(200))"),
                "protocolProfileBehavior": {"followRedirects": false}
            }]
        }]
    });
    let imported = one(collection);
    assert_eq!(imported.steps[0]["assert"][0]["value"], 200, "one event object is read: {:?}", imported.steps);
    let notes = imported.notes.join("\n");
    assert!(notes.contains("the collection: the prerequest script is not run"), "{notes}");
    assert!(notes.contains("folder 'Folder': the test script is not run"), "{notes}");
    assert!(notes.contains("protocolProfileBehavior"), "{notes}");
}

/// `pm.response.status` is the reason phrase, and `==` converts types: neither is a
/// status-code or strict check.
#[test]
fn reason_phrases_and_loose_equality_are_not_taken_for_something_else() {
    let translated = crate::script::translate(
        "var data = pm.response.json();\npm.test('s', () => pm.expect(pm.response.status).to.eql('OK'));\ntests['n'] = data.n == 1;\ntests['c'] = responseCode.code == 200;",
    );
    assert_eq!(translated.assertions, vec![json!({"name": "c", "source": "status", "op": "eq", "value": 200})]);
    assert_eq!(translated.skipped.len(), 2, "{:?}", translated.skipped);
    assert!(translated.skipped[1].1.contains("loose `==`"), "{:?}", translated.skipped);
}

#[test]
fn a_v1_collection_says_how_to_convert_it() {
    let v1 = json!({"id": "x", "name": "old", "order": ["a"], "requests": [{"id": "a", "url": "http://127.0.0.1/"}]});
    let problem = import(&v1, &Options::default()).unwrap_err();
    assert!(problem.starts_with("a Postman Collection v1 file"), "{problem}");
    assert!(problem.contains("postman-collection-transformer convert"), "{problem}");
}
