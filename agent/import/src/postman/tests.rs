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

/// Scripts on the collection and its folders are carried over with the requests' own, in
/// Postman's order; a test script that translates wholly is still assertions; a request
/// setting not carried over leaves out that request's tests, named.
#[test]
fn scripts_around_requests_are_carried_and_settings_noted() {
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
                "protocolProfileBehavior": {"followRedirects": false, "maxRedirects": 10}
            }, {
                "name": "two",
                "request": {"url": "http://127.0.0.1:1/{{t}}", "method": "GET", "body": {"mode": "raw", "raw": "x"}},
                "event": script("test", "pm.test('two ok', () => pm.response.to.have.status(200))"),
                "protocolProfileBehavior": {"maxRedirects": 1, "followOriginalHttpMethod": true}
            }]
        }]
    });
    let imported = one(collection);
    assert_eq!(imported.script.as_ref().unwrap()["before"], json!(["pm.variables.set('t', Date.now())"]));
    assert_eq!(imported.steps[0]["assert"][0]["value"], 200, "one event object is read: {:?}", imported.steps);
    assert_eq!(
        imported.steps[0]["script"]["after"],
        json!(["pm.test('folder', () => pm.response.to.have.status(200))"])
    );
    assert_eq!(imported.steps[0]["request"]["follow_redirects"], false);
    // The variable a script sets is read when the step runs.
    assert_eq!(imported.steps[1]["request"]["url"], "http://127.0.0.1:1/@{{vars.t}}");
    assert!(imported.steps[1].get("assert").is_none(), "{:?}", imported.steps[1]);
    assert!(imported.steps[1]["script"].get("after").is_none(), "{:?}", imported.steps[1]);
    assert!(imported.steps[1]["request"].get("body").is_none(), "{:?}", imported.steps[1]);
    let notes = imported.notes.join("\n");
    assert!(notes.contains("`followOriginalHttpMethod: true` are not carried over"), "{notes}");
    assert_eq!(imported.steps[1]["request"]["max_redirects"], 1);
    assert!(notes.contains("its tests `two ok` are not translated"), "{notes}");
    assert!(notes.contains("tests `folder`"), "{notes}");
    assert!(notes.contains("Postman sends no body with GET"), "{notes}");
    imported.check().unwrap();
}

/// Variables set by scripts to literals reach the requests after them, with no script
/// carried over when every script is followed.
#[test]
fn variables_scripts_set_to_literals_are_followed() {
    let script = |listen: &str, text: &str| json!({"listen": listen, "script": {"exec": [text]}});
    let request = |name: &str, url: &str, test: &str| {
        json!({"name": name, "request": {"url": url},
               "event": [script("test", &format!("pm.test('{test}', () => pm.response.to.have.status(200))"))]})
    };
    let mut first = request("first", "http://127.0.0.1:1/{{mode}}/{{novar}}", "first ok");
    first["event"].as_array_mut().unwrap().push(script("prerequest", "pm.environment.set('mode', 'fast')"));
    let mut second = request("second", "http://127.0.0.1:1/{{mode}}", "second ok");
    second["event"].as_array_mut().unwrap().push(script("test", "postman.setEnvironmentVariable('mode', 'slow')"));
    let mut third = request("third", "", "third ok");
    third["request"]["url"] =
        json!({"raw": "http://127.0.0.1:1/{{mode}}?{{key}}=1", "query": [{"key": "{{key}}", "value": "1"}]});
    let collection = json!({
        "info": {"name": "vars"},
        "variable": [{"key": "mode", "value": "plain"}, {"key": "key", "value": "k"}, {"key": "fo/o", "value": "x"}],
        "item": [first, second, third]
    });
    let imported = one(collection);
    // A literal set before a request is sent as written there; an undefined variable is sent
    // as `{{novar}}`, as Postman sends it; a name is written with its value.
    assert_eq!(imported.steps[0]["request"]["url"], "http://127.0.0.1:1/fast/@{{vars.novar}}");
    assert_eq!(imported.variables["novar"], "{{novar}}");
    assert_eq!(imported.steps[1]["request"]["url"], "http://127.0.0.1:1/fast");
    assert_eq!(imported.steps[2]["request"]["url"], "http://127.0.0.1:1/slow");
    assert_eq!(imported.steps[2]["request"]["query"], json!({"k": "1"}));
    assert!(imported.script.is_none(), "every script was followed, so none is carried");
    // Names the file format's `vars.` takes.
    assert!(imported.variables.contains_key("fo_o"), "{:?}", imported.variables);
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

/// A v1 collection is read in the order Postman's transformer gives: the top-level folders
/// (subfolders first, then their requests), then the collection's own requests.
#[test]
fn a_v1_collection_is_read_in_postmans_order() {
    let v1 = json!({
        "id": "x", "name": "old", "order": ["root"], "folders_order": ["f1"],
        "folders": [
            {"id": "f1", "name": "F1", "order": ["a"], "folders_order": ["f2"]},
            {"id": "f2", "name": "F2", "order": ["b"], "folders_order": []},
        ],
        "requests": [
            {"id": "a", "name": "A", "url": "http://127.0.0.1/a", "method": "POST", "headers": "X-One: 1\n// X-Off: 2",
             "dataMode": "raw", "rawModeData": "{}", "tests": "tests['ok'] = responseCode.code === 200;"},
            {"id": "b", "name": "B", "url": "http://127.0.0.1/b", "method": "GET", "headers": ""},
            {"id": "root", "name": "Root", "url": "http://127.0.0.1/root", "method": "GET", "headers": ""},
        ],
    });
    let imported = import(&v1, &Options::default()).unwrap();
    let names: Vec<&str> = imported[0].steps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["b", "a", "root"]);
    let a = &imported[0].steps[1];
    assert_eq!(a["request"]["headers"]["X-One"], "1");
    assert!(a["request"]["headers"].get("X-Off").is_none(), "a `//` header is disabled");
    assert_eq!(a["request"]["body"], json!({"text": "{}"}));
    assert_eq!(a["assert"], json!([{"name": "ok", "source": "status", "op": "eq", "value": 200}]));
}

/// A request to a WebSocket URL becomes a WebSocket step, not an HTTP request to
/// `http://wss://...`; GraphQL bodies are `graphql` bodies.
#[test]
fn websocket_urls_and_graphql_bodies_keep_their_kind() {
    let collection = json!({
        "info": {"name": "kinds", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [
            {"name": "feed", "request": {"method": "GET", "url": "wss://127.0.0.1:1/feed?topic=orders",
                "header": [{"key": "Authorization", "value": "Bearer {{token}}"}],
                "body": {"mode": "raw", "raw": "{\"subscribe\": 1}"}}},
            {"name": "query", "request": {"method": "POST", "url": "http://127.0.0.1:1/graphql",
                "body": {"mode": "graphql", "graphql": {"query": "{ orders { id } }", "variables": "{\"n\": 1}"}}}},
        ],
        "variable": [{"key": "token", "value": "t"}],
    });
    let imported = import(&collection, &Options::default()).unwrap().remove(0);
    assert_eq!(
        imported.steps[0]["websocket"],
        json!({"url": "wss://127.0.0.1:1/feed?topic=orders", "headers": {"Authorization": "Bearer @{{env.TOKEN}}"}})
    );
    assert!(imported.steps[0].get("request").is_none());
    let body_note = "step 1 'feed': its body is not sent: Postman sends no body with GET";
    assert!(imported.notes.iter().any(|note| note == body_note), "{:?}", imported.notes);
    assert_eq!(
        imported.steps[1]["request"]["body"],
        json!({"graphql": {"query": "{ orders { id } }", "variables": {"n": 1}}})
    );
    imported.check().unwrap();
}

/// A script the importer cannot follow is carried over as written; the variables it sets are
/// read when the steps run, and the environment's values become the run's environment scope.
#[test]
fn a_script_not_followed_is_carried_with_its_variables() {
    let script = |listen: &str, text: &str| json!({"listen": listen, "script": {"exec": [text]}});
    let collection = json!({
        "info": {"name": "computed"},
        "item": [{
            "name": "sum",
            "request": {"url": "http://127.0.0.1:1/{{sum}}?k={{apiKey}}"},
            "event": [script("prerequest", "pm.variables.set('sum', 1 + 2)"),
                      script("test", "pm.test('sum ok', () => pm.expect(pm.variables.get('sum')).to.equal(3))")]
        }]
    });
    let environment = json!({"values": [{"key": "apiKey", "value": "s3cret"}, {"key": "region", "value": "eu"}]});
    let options = Options { environment: Some(environment), ..Options::default() };
    let imported = import(&collection, &options).unwrap().remove(0);
    let step = &imported.steps[0];
    assert_eq!(step["request"]["url"], "http://127.0.0.1:1/@{{vars.sum}}?k=@{{vars.apiKey}}");
    assert_eq!(step["script"]["before"], json!(["pm.variables.set('sum', 1 + 2)"]));
    assert_eq!(step["script"]["request_name"], "sum");
    assert_eq!(step["script"]["after"][0], "pm.test('sum ok', () => pm.expect(pm.variables.get('sum')).to.equal(3))");
    let scopes = imported.script.as_ref().unwrap();
    assert_eq!(scopes["environment"], json!({"apiKey": "@{{env.API_KEY}}", "region": "eu"}), "a secret stays out");
    assert_eq!(imported.defaults["continue_after_error"], true);
    imported.check().unwrap();
}
