//! Steps with scripts, run by the agent with the built-in `javascript` plugin: a pre-request
//! script that signs each request with an HMAC of its body, checked by a server that
//! verifies the signature; variables a script sets read by later steps; the tests reported
//! by name; the signing secret kept out of the report; and a script that never ends stopped
//! on its own step while the other collection passes.

use bytes::Bytes;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::Files;

const SECRET: &str = "s3cret-signing-key";

/// HMAC-SHA256 as RFC 2104 defines it, written here apart from the plugin's.
fn hmac_sha256(key: &[u8], message: &[u8]) -> String {
    let mut block = [0u8; 64];
    block[..key.len()].copy_from_slice(key);
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message).finalize();
    let outer = Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize();
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

/// `POST /login` answers a token; `POST /orders` accepts a body signed with `X-Signature`
/// and the token as a bearer, and answers 401 otherwise.
fn server() -> std::net::SocketAddr {
    skopos_test_support::serve(|request: http::Request<Bytes>| async move {
        let header = |name: &str| request.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let json = |status: u16, body: Value| skopos_test_support::reply(status, "application/json", body.to_string());
        match request.uri().path() {
            "/login" => json(200, json!({"token": "tok-77"})),
            "/orders" => {
                let signed = header("x-signature") == hmac_sha256(SECRET.as_bytes(), request.body());
                let bearer = header("authorization") == "Bearer tok-77";
                match (signed, bearer) {
                    (true, true) => json(201, json!({"id": 42, "status": "accepted"})),
                    _ => json(401, json!({"error": "bad signature or token", "signed": signed, "bearer": bearer})),
                }
            }
            _ => json(404, json!({})),
        }
    })
}

fn signed_collection(base: &str) -> String {
    format!(
        r#"
name: signed orders
variables: {{ base: "{base}" }}
script:
  environment: {{ signing_key: "@{{{{env.SIGNING_KEY}}}}" }}
  before: |
    pm.request.headers.upsert({{ key: "X-Request-Time", value: String(Date.now()) }});
steps:
  - name: login
    request: {{ method: POST, url: "@{{{{vars.base}}}}/login" }}
    script:
      after: |
        pm.test("a token", () => pm.expect(pm.response.json()).to.have.property("token").that.is.a("string"));
        pm.environment.set("token", pm.response.json().token);
        pm.sendRequest({{ url: pm.request.url.toString(), method: "POST" }}, (error, response) => {{
          pm.test("a request to a host the run calls", () => pm.expect(response.json().token).to.equal("tok-77"));
        }});
        pm.sendRequest("http://localhost:9/elsewhere", (error) => {{
          pm.test("a request to another host is refused", () => pm.expect(error).to.not.equal(null));
        }});
  - name: order
    request:
      method: POST
      url: "@{{{{vars.base}}}}/orders"
      headers: {{ Authorization: "Bearer @{{{{vars.token}}}}" }}
      body: {{ json: {{ sku: "A-1", qty: 2 }} }}
    assert:
      - {{ source: status, op: eq, value: 201 }}
    script:
      before: |
        const signature = CryptoJS.HmacSHA256(pm.request.body.raw, pm.environment.get("signing_key"));
        pm.request.headers.add({{ key: "X-Signature", value: signature.toString(CryptoJS.enc.Hex) }});
      after: |
        pm.test("accepted", function () {{
          pm.response.to.have.status(201);
          pm.expect(pm.response.json()).to.deep.equal({{ id: 42, status: "accepted" }});
        }});
        pm.test("signed with the key", () => pm.expect(pm.request.headers.get("X-Signature")).to.have.lengthOf(64));
        pm.test("named with " + pm.environment.get("signing_key"), () => {{}});
"#
    )
}

/// Each assertion's name and verdict in the report's collection `name`.
fn verdicts(report: &Value, name: &str) -> Vec<(String, bool)> {
    let collection = report["collections"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap();
    let steps = collection["steps"].as_array().unwrap();
    let assertions = steps.iter().flat_map(|step| step["assertions"].as_array().unwrap());
    assertions
        .map(|a| (a["name"].as_str().unwrap_or(a["source"].as_str().unwrap()).to_string(), a["passed"] == true))
        .collect()
}

#[test]
fn a_pre_request_script_signs_each_request_and_the_server_accepts_it() {
    let files = Files::new();
    let base = format!("http://{}", server());
    files.write("signed.yaml", &signed_collection(&base));
    let run = files.run(&["signed.yaml"], &[("SIGNING_KEY", SECRET)]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let expected = [
        ("a token", true),
        ("a request to a host the run calls", true),
        ("a request to another host is refused", true),
        ("status", true),
        ("accepted", true),
        ("signed with the key", true),
        ("named with ***", true),
    ];
    assert_eq!(verdicts(&run.report, "signed orders"), expected.map(|(name, passed)| (name.to_string(), passed)));
    let script_test = &run.report["collections"][0]["steps"][1]["assertions"][1];
    assert_eq!((script_test["source"].as_str(), script_test["name"].as_str()), (Some("script"), Some("accepted")));
    let everything = format!("{}{}{}", run.report, run.stdout, run.stderr);
    assert!(!everything.contains(SECRET), "the signing key is kept out of the report and the output");

    // Signed with another key, the server refuses it, and the script's test says so.
    let wrong = files.run(&["signed.yaml"], &[("SIGNING_KEY", "not-the-key")]);
    assert_eq!(wrong.code, 1, "{}{}", wrong.stdout, wrong.stderr);
    let failed: Vec<String> = verdicts(&wrong.report, "signed orders")
        .into_iter()
        .filter(|(_, passed)| !passed)
        .map(|(name, _)| name)
        .collect();
    assert_eq!(failed, ["status", "accepted"]);
    assert!(
        wrong.stdout.contains("accepted: AssertionError: expected response to have status code 201 but got 401"),
        "{}",
        wrong.stdout
    );
}

#[test]
fn a_script_that_never_ends_fails_its_step_and_the_other_collection_passes() {
    let files = Files::new();
    let base = format!("http://{}", server());
    files.write("signed.yaml", &signed_collection(&base));
    files.write(
        "endless.yaml",
        &format!(
            "name: endless\nsteps:\n  - name: spin\n    request: {{ method: POST, url: \"{base}/login\" }}\n    script:\n      after: |\n        pm.test(\"before\", () => {{}});\n        for (;;) {{}}\n"
        ),
    );
    let run = files.run(&["signed.yaml", "endless.yaml"], &[("SIGNING_KEY", SECRET)]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let signed = verdicts(&run.report, "signed orders");
    assert!(signed.iter().all(|(_, passed)| *passed), "{signed:?}");
    let endless = verdicts(&run.report, "endless");
    assert_eq!(endless[0], ("before".to_string(), true), "{endless:?}");
    assert_eq!(endless[1].0, "the step 1 'spin' script", "{endless:?}");
    assert!(run.stdout.contains("loop"), "the reason is given: {}", run.stdout);
}
