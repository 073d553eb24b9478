//! The built-in `javascript` script plugin, as the engine calls it: Postman's sandbox with
//! chai's semantics, lodash, CryptoJS and the legacy globals; a request changed before it is
//! sent; and scripts that loop, allocate or recurse without end stopped on their own call.

use skopos_core::script::{Phase, ScriptCall, ScriptOutcome, ScriptPlugins, ScriptRequest, ScriptResponse, Source};

use serde_json::json;

use super::tests::host;
use super::*;

fn call(phase: Phase, code: &str) -> ScriptCall {
    ScriptCall {
        phase,
        scripts: vec![Source { name: "step 1 'login'".into(), code: code.into() }],
        request: ScriptRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:9/login?user=ann".into(),
            headers: vec![("content-type".into(), "application/json".into())],
            body: Some(r#"{"user":"ann"}"#.into()),
        },
        response: (phase == Phase::AfterResponse).then(|| ScriptResponse {
            status: 201,
            reason: "Created".into(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("set-cookie".into(), "sid=abc; Path=/".into()),
            ],
            body: r#"{"token":"t-1","items":[{"id":1},{"id":2}],"nested":{"a":[1,2]}}"#.into(),
            time_ms: 12.5,
        }),
        scopes: [
            ("globals".to_string(), serde_json::Map::from_iter([("g".to_string(), json!("global"))])),
            ("environment".to_string(), serde_json::Map::from_iter([("key".to_string(), json!("secret-key"))])),
            ("collection".to_string(), serde_json::Map::from_iter([("g".to_string(), json!("collection"))])),
        ]
        .into_iter()
        .collect(),
        collection: "checkout".into(),
        step: "login".into(),
        hosts: Vec::new(),
    }
}

async fn run(host: &PluginHost, code: &str) -> ScriptOutcome {
    host.run_scripts("javascript", "tests", call(Phase::AfterResponse, code)).await.unwrap()
}

/// Each test's name and verdict.
fn verdicts(outcome: &ScriptOutcome) -> Vec<(String, bool)> {
    outcome.tests.iter().map(|test| (test.name.clone(), test.passed)).collect()
}

#[tokio::test]
async fn chai_keeps_its_semantics() {
    let (host, _) = host(&[], Limits::default()).await;
    let outcome = run(
        &host,
        r#"
        const body = pm.response.json();
        pm.test("strict equal is not deep", () => pm.expect(body.nested).to.equal({ a: [1, 2] }));
        pm.test("eql is deep", () => pm.expect(body.nested).to.eql({ a: [1, 2] }));
        pm.test("deep.equal is deep", () => pm.expect(body.nested).to.deep.equal({ a: [1, 2] }));
        pm.test("not negates", () => pm.expect(body.token).to.not.equal("t-2"));
        pm.test("include of an object is a subset", () => pm.expect(body.items[0]).to.include({ id: 1 }));
        pm.test("an array does not deep-include without deep", () => pm.expect(body.items).to.include({ id: 1 }));
        pm.test("deep.include", () => pm.expect(body.items).to.deep.include({ id: 1 }));
        pm.test("property changes the subject", () => pm.expect(body).to.have.property("nested").that.has.property("a").with.lengthOf(2));
        pm.test("members", () => pm.expect([1, 2, 3]).to.have.members([3, 1, 2]));
        pm.test("keys are exact", () => pm.expect({ a: 1, b: 2 }).to.have.keys("a"));
        pm.test("a type", () => pm.expect(body.items).to.be.an("array").that.is.not.empty);
        pm.test("status", () => pm.response.to.have.status(201));
        pm.test("status reason", () => pm.response.to.have.status("Created"));
        pm.test("a 2xx is success, but ok means 200", () => { pm.response.to.be.success; pm.response.to.not.be.ok; });
        pm.test("header", () => pm.response.to.have.header("Content-Type", "application/json"));
        pm.test("jsonBody", () => pm.response.to.have.jsonBody("items[1].id", 2));
        pm.test("should", () => body.token.should.equal("t-1"));
        pm.test("above on a string throws", () => pm.expect("a").to.be.above(1));
        "#,
    )
    .await;
    assert_eq!(outcome.error, None);
    assert_eq!(
        verdicts(&outcome),
        [
            ("strict equal is not deep", false),
            ("eql is deep", true),
            ("deep.equal is deep", true),
            ("not negates", true),
            ("include of an object is a subset", true),
            ("an array does not deep-include without deep", false),
            ("deep.include", true),
            ("property changes the subject", true),
            ("members", true),
            ("keys are exact", false),
            ("a type", true),
            ("status", true),
            ("status reason", true),
            ("a 2xx is success, but ok means 200", true),
            ("header", true),
            ("jsonBody", true),
            ("should", true),
            ("above on a string throws", false),
        ]
        .map(|(name, passed)| (name.to_string(), passed))
    );
    let failed = &outcome.tests[0];
    assert_eq!(failed.message.as_deref(), Some("AssertionError: expected { a: [ 1, 2 ] } to equal { a: [ 1, 2 ] }"));
}

#[tokio::test]
async fn the_sandbox_libraries_and_legacy_globals_are_there() {
    let (host, _) = host(&[], Limits::default()).await;
    let outcome = run(
        &host,
        r#"
        tests["HMAC-SHA256"] = CryptoJS.HmacSHA256("abc", "key").toString() === "9c196e32dc0175f86f4b1cb89289d6619de6bee699e4c378e68309ed97a1a6ab";
        tests["MD5 as Base64"] = CryptoJS.MD5("jasonpurse").toString(CryptoJS.enc.Base64) === "KI0U8Ita1A2kPb4GRncpyQ==";
        tests["btoa and atob"] = btoa("ann:pw") === "YW5uOnB3" && atob("YW5uOnB3") === "ann:pw";
        tests["lodash"] = _.map(_.filter(JSON.parse(responseBody).items, i => i.id > 1), "id").join() === "2" && _.get({ a: { b: [5] } }, "a.b[0]") === 5;
        tests["xml2Json"] = xml2Json('<r a="1"><i>x</i><i>y</i></r>').r.i[1] === "y";
        tests["legacy response"] = responseCode.code === 201 && responseHeaders["content-type"] === "application/json";
        tests["cookies"] = postman.getResponseCookie("sid").value === "abc" && pm.cookies.get("sid") === "abc";
        tests["variables resolve nearest first"] = pm.variables.get("g") === "collection" && pm.globals.get("g") === "global";
        tests["sugar"] = [1, 2, 3].average() === 2 && (56).ordinalize() === "56th";
        pm.environment.set("token", pm.response.json().token);
        postman.setGlobalVariable("count", 2);
        leaked = "into the global object";
        console.log("done", { n: 1 });
        "#,
    )
    .await;
    assert_eq!(outcome.error, None);
    assert!(verdicts(&outcome).iter().all(|(_, passed)| *passed), "{:?}", outcome.tests);
    assert_eq!(outcome.scopes["environment"]["token"], json!("t-1"));
    assert_eq!(outcome.scopes["globals"]["count"], json!("2"), "the legacy setter keeps text");
    assert_eq!(outcome.console, ["done {\"n\":1}"]);
    // What a script leaves on the global object is gone for the next call.
    let next = run(&host, "tests['clean'] = typeof leaked === 'undefined';").await;
    assert_eq!(verdicts(&next), [("clean".to_string(), true)]);
}

#[tokio::test]
async fn a_before_request_script_changes_the_request_it_is_given() {
    let (host, _) = host(&[], Limits::default()).await;
    let code = r#"
        const signature = CryptoJS.HmacSHA256(pm.request.body.raw, pm.environment.get("key")).toString();
        pm.request.headers.add({ key: "X-Signature", value: signature });
        pm.request.headers.remove("content-type");
        pm.request.url.query.add({ key: "sig", value: "1" });
        pm.variables.set("signed", true);
    "#;
    let outcome = host.run_scripts("javascript", "tests", call(Phase::BeforeRequest, code)).await.unwrap();
    assert_eq!(outcome.error, None);
    // HMAC-SHA256 of the body with `secret-key`, as Python's `hmac` computes it.
    let expected = "b6b23b8da538ee6d999b6c838fd7aadabce8005849ebfaab3f13be3fa822a540".to_string();
    assert_eq!(outcome.request.headers, [("X-Signature".to_string(), expected)]);
    assert_eq!(outcome.request.url, "http://127.0.0.1:9/login?user=ann&sig=1");
    assert_eq!(outcome.scopes["local"]["signed"], json!(true));
}

#[tokio::test]
async fn a_script_that_throws_names_its_source_and_keeps_the_tests_before() {
    let (host, _) = host(&[], Limits::default()).await;
    let outcome = run(&host, "pm.test('first', () => {});\ntests['legacy'] = true;\nundefinedFunction();\n").await;
    assert_eq!(verdicts(&outcome), [("first".to_string(), true), ("legacy".to_string(), true)]);
    let error = outcome.error.unwrap();
    assert_eq!(error.source, "step 1 'login'");
    assert!(error.message.contains("undefinedFunction"), "{}", error.message);
    let syntax = run(&host, "pm.test('x', () => {\n  let = ;\n});").await.error.unwrap();
    assert_eq!(syntax.line, Some(2), "{}", syntax.message);
}

/// Each hostile script fails its own call with the reason, and the next call runs.
#[tokio::test]
async fn endless_loops_memory_bombs_and_deep_recursion_are_stopped() {
    let limits = Limits { deadline: Duration::from_secs(5), ..Limits::default() };
    let (host, _) = host(&[], limits).await;
    let endless = run(&host, "while (true) {}").await;
    let error = endless.error.expect("an endless loop is stopped");
    assert!(error.message.contains("loop"), "{}", error.message);
    let recursion = run(&host, "function deeper(n) { return deeper(n + 1) + 1; } deeper(0);").await;
    let error = recursion.error.expect("endless recursion is stopped");
    assert!(error.message.contains("recursive calls"), "{}", error.message);
    let bomb = host
        .run_scripts(
            "javascript",
            "tests",
            call(Phase::AfterResponse, "let a = ['x']; while (true) { a = a.concat(a); }"),
        )
        .await;
    let problem = match bomb {
        Err(crashed) => crashed,
        Ok(outcome) => outcome.error.expect("a memory bomb is stopped").message,
    };
    assert_eq!(problem, "ran out of memory: it reached its cap of 64 MiB");
    let after = run(&host, "tests['still here'] = true;").await;
    assert_eq!(verdicts(&after), [("still here".to_string(), true)]);
}
