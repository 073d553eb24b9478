//! Steps beyond HTTP against real servers: gRPC (tonic, with reflection and health), GraphQL
//! and WebSocket, chained with an HTTP login, and how each fails.

mod servers;

use serde_json::{Value, json};

use super::{Files, Outcome, collection};
use servers::{proto_dir, servers};

const PASSWORD: (&str, &str) = ("SHOP_PASSWORD", "secret");

fn order_flow(grpc: std::net::SocketAddr) -> String {
    let s = servers();
    collection(
        "order-flow.yaml",
        &[("HTTP", &s.http.to_string()), ("GRPC", &grpc.to_string()), ("WS", &s.websocket.to_string())],
    )
}

fn messages(outcome: &Outcome, step: usize) -> Vec<String> {
    let step = outcome.step(0, step);
    let mut found: Vec<String> = step["assertions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["passed"] == false)
        .map(|a| a["message"].as_str().unwrap_or_default().to_string())
        .collect();
    found.extend(step["error"]["message"].as_str().map(str::to_string));
    found
}

#[test]
fn an_http_login_flows_into_grpc_and_a_websocket_subscription() {
    let files = Files::new();
    files.write("flow.yaml", &order_flow(servers().grpc));
    let outcome = files.run(&["flow.yaml"], &[PASSWORD]);
    assert_eq!(outcome.code, 0, "{}\n{}", outcome.stdout, outcome.stderr);
    let order = outcome.step(0, 1);
    assert_eq!(order["response"]["status"], 200);
    assert_eq!(
        serde_json::from_str::<Value>(order["response"]["body"].as_str().unwrap()).unwrap(),
        json!({"id": "A-100", "status": "packed", "item_count": 2, "items": ["tea", "cups"]}),
    );
    assert_eq!(order["request"]["body"], r#"{"id":"A-100"}"#);
    assert_eq!(order["request"]["url"], format!("http://{}/shop.v1.Orders/GetOrder", servers().grpc));
    assert_eq!(order["assertions"][2]["name"], "gRPC status is OK", "{order}");
    let events = outcome.step(0, 2);
    assert_eq!(events["response"]["status"], 101);
    let sent = events["request"]["headers"].to_string().to_ascii_lowercase();
    assert!(sent.contains("authorization") && !sent.contains("accept-encoding"), "{sent}");
    let received: Value = serde_json::from_str(events["response"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(received[0], json!({"type": "subscribed", "order": "A-100"}));
    assert_eq!(received[3]["type"], "done");
    assert_eq!(outcome.step(0, 3)["assertions"][1]["name"], "the service is SERVING");
    let graphql = outcome.step(0, 4);
    let sent: Value = serde_json::from_str(graphql["request"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        sent,
        json!({"query": "query Order($id: ID!) { order(id: $id) { id status items } }",
               "variables": {"id": "A-100"}, "operationName": "Order"})
    );
    assert!(graphql["note"].is_null(), "{graphql}");
}

#[test]
fn each_broken_part_of_the_chain_says_what_broke() {
    let files = Files::new();
    files.write("flow.yaml", &order_flow(servers().grpc));

    // The login fails: the gRPC step cannot have its token.
    let outcome = files.run(&["flow.yaml"], &[("SHOP_PASSWORD", "wrong")]);
    assert_eq!(outcome.code, 1);
    assert_eq!(messages(&outcome, 0), ["expected 200, got 401"]);
    let unresolved = &messages(&outcome, 1)[0];
    assert!(unresolved.contains("step 2 'order'") && unresolved.contains("token"), "{unresolved}");

    // The gRPC server does not know the order: the status says so.
    let text = order_flow(servers().grpc).replace("\"@{{login.body.order}}\"", "B-7");
    files.write("missing.yaml", &text);
    let outcome = files.run(&["missing.yaml"], &[PASSWORD]);
    assert_eq!(outcome.code, 1);
    let failed = messages(&outcome, 1);
    assert!(failed.iter().any(|m| m == "expected 0, got 5 (NOT_FOUND: no order B-7)"), "{failed:?}");

    // The WebSocket server refuses a subscription without the token.
    let text = order_flow(servers().grpc).replacen(
        "      headers: { authorization: \"Bearer @{{login.body.token}}\" }\n      send:",
        "      send:",
        1,
    );
    files.write("anonymous.yaml", &text);
    let outcome = files.run(&["anonymous.yaml"], &[PASSWORD]);
    assert_eq!(outcome.code, 1);
    assert_eq!(outcome.step(0, 2)["error"]["kind"], "protocol");
    let refused = &messages(&outcome, 2)[0];
    assert!(refused.starts_with("the server refused the WebSocket upgrade with HTTP 401"), "{refused}");

    // The subscription never sends what `until` waits for: a timeout naming what came.
    let text = order_flow(servers().grpc).replace("value: done }", "value: cancelled }\n    timeout_ms: 800");
    files.write("never.yaml", &text);
    let outcome = files.run(&["never.yaml"], &[PASSWORD]);
    let waited = &messages(&outcome, 2)[0];
    assert!(
        waited.starts_with("waited 800 ms for a message matching `receive.until`, got 4 message(s); the last:"),
        "{waited}"
    );
    assert!(waited.contains("\"done\""), "{waited}");
}

#[test]
fn grpc_methods_come_from_proto_files_when_the_server_has_no_reflection() {
    let files = Files::new();
    std::fs::create_dir_all(files.path().join("protos")).unwrap();
    std::fs::copy(proto_dir().join("shop.proto"), files.path().join("protos/shop.proto")).unwrap();
    let bare = servers().grpc_bare;
    let call = |extra: &str, message: &str| {
        format!(
            "name: bare\nsteps:\n  - request:\n      url: http://{bare}\n      headers: {{ authorization: Bearer {token} }}\n      grpc:\n        method: shop.v1.Orders/GetOrder\n        message: {message}\n{extra}",
            token = servers::TOKEN
        )
    };
    files.write("reflect.yaml", &call("", "{ id: A-100 }"));
    let outcome = files.run(&["reflect.yaml"], &[]);
    assert_eq!(outcome.code, 1);
    assert_eq!(
        messages(&outcome, 0),
        ["the server offers no reflection service; give the method's `.proto` files in `grpc.proto`"]
    );
    files.write("proto.yaml", &call("        proto: [protos/shop.proto]\n", "{ id: A-100 }"));
    let outcome = files.run(&["proto.yaml"], &[]);
    assert_eq!(outcome.code, 0, "{}", outcome.stdout);

    // The file is read before anything is sent: a misspelt field or method is found by `validate`.
    files.write("typo.yaml", &call("        proto: [protos/shop.proto]\n", "{ idd: A-100 }"));
    let outcome = files.skopos(&["validate".into(), "typo.yaml".into()], &[]);
    assert_eq!(outcome.code, 2, "{}", outcome.stdout);
    assert!(
        outcome
            .stderr
            .contains("typo.yaml:8:9: steps[0].request.grpc.message: not a `shop.v1.GetOrderRequest` message"),
        "{}",
        outcome.stderr
    );
    let text = call("        proto: [protos/shop.proto]\n", "{ id: A-100 }").replace("GetOrder\n", "GetOrders\n");
    files.write("method.yaml", &text);
    let outcome = files.skopos(&["validate".into(), "method.yaml".into()], &[]);
    assert!(
        outcome.stderr.contains("method.yaml:7:17: steps[0].request.grpc.method: `shop.v1.Orders` has no method `GetOrders` (it has: GetOrder)"),
        "{}",
        outcome.stderr
    );

    // Health needs neither: `shop.v1.Legacy` is not serving.
    let health = format!(
        "name: health\nsteps:\n  - request:\n      url: http://{bare}\n      grpc: {{ health: shop.v1.Legacy }}\n"
    );
    files.write("health.yaml", &health);
    let outcome = files.run(&["health.yaml"], &[]);
    assert_eq!(outcome.code, 1);
    assert_eq!(messages(&outcome, 0), ["expected \"SERVING\", got \"NOT_SERVING\""]);
}

#[test]
fn a_graphql_response_with_errors_is_pointed_at() {
    let files = Files::new();
    let text = format!(
        "name: gql\nsteps:\n  - request:\n      method: POST\n      url: http://{}/graphql\n      body:\n        graphql:\n          query: \"{{ order(id: 1) {{ id bogus }} }}\"\n    assert:\n      - {{ source: status, op: eq, value: 200 }}\n",
        servers().http
    );
    files.write("gql.yaml", &text);
    let outcome = files.run(&["gql.yaml"], &[]);
    assert_eq!(outcome.code, 0, "a 200 with errors passes what it asserts");
    let note = outcome.step(0, 0)["note"].as_str().unwrap().to_string();
    assert!(note.starts_with("the GraphQL response carries 1 error(s) in `errors`"), "{note}");
    assert!(note.ends_with("Cannot query field \"bogus\" on type \"Order\". (at [\"order\",\"bogus\"])"), "{note}");
}

#[test]
fn grpcurl_commands_import_as_steps_that_call_the_server() {
    let files = Files::new();
    let grpc = servers().grpc;
    let commands = format!(
        "# as Postman writes a gRPC request's code snippet\ngrpcurl -plaintext -H 'authorization: Bearer {token}' -d '{{\"id\": \"A-100\"}}' {grpc} shop.v1.Orders/GetOrder\ngrpcurl -plaintext -d '{{\"service\": \"shop.v1.Orders\"}}' {grpc} grpc.health.v1.Health.Check\ngrpcurl -plaintext {grpc} list\n",
        token = servers::TOKEN
    );
    files.write("calls.txt", &commands);
    let outcome =
        files.skopos(&["import".into(), "grpcurl".into(), "calls.txt".into(), "-o".into(), "out".into()], &[]);
    assert_eq!(outcome.code, 0, "{}\n{}", outcome.stdout, outcome.stderr);
    assert!(outcome.stdout.contains("line 4: left out: `list` asks about the server"), "{}", outcome.stdout);
    let outcome = files.run(&["out"], &[]);
    assert_eq!(outcome.code, 0, "{}\n{}", outcome.stdout, outcome.stderr);
    let health: Value = serde_json::from_str(outcome.step(0, 1)["response"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(health, json!({"status": "SERVING"}));
}

#[test]
fn grpc_and_websocket_steps_speak_tls_as_https_does() {
    let s = servers();
    let files = Files::new();
    let text = format!(
        "name: secure\ndefaults:\n  tls: {{ ca_file: {ca} }}\n  headers: {{ authorization: Bearer {token} }}\nsteps:\n  - name: order\n    request:\n      url: https://127.0.0.1:{grpc}\n      grpc: {{ method: shop.v1.Orders/GetOrder, message: {{ id: A-100 }} }}\n    assert:\n      - {{ source: certificate, property: sans, op: contains, value: 127.0.0.1 }}\n  - name: events\n    websocket:\n      url: wss://127.0.0.1:{ws}/orders/@{{{{order.body.id}}}}/events\n      send: [ {{ subscribe: \"@{{{{order.body.id}}}}\" }} ]\n      receive: {{ count: 4 }}\n    assert:\n      - {{ source: body, property: \"$[3].type\", op: eq, value: done }}\n",
        ca = s.ca_file.display(),
        token = servers::TOKEN,
        grpc = s.grpc_tls.port(),
        ws = s.websocket_tls.port(),
    );
    files.write("secure.yaml", &text);
    let outcome = files.run(&["secure.yaml"], &[]);
    assert_eq!(outcome.code, 0, "{}\n{}", outcome.stdout, outcome.stderr);
    assert_eq!(outcome.step(0, 0)["response"]["version"], "HTTP/2.0");

    // Without the CA, both fail their TLS handshake, said as for HTTPS.
    files.write("untrusted.yaml", &text.replace(&format!("  tls: {{ ca_file: {} }}\n", s.ca_file.display()), ""));
    let outcome = files.run(&["untrusted.yaml"], &[]);
    assert_eq!(outcome.step(0, 0)["error"]["kind"], "tls", "{}", outcome.stdout);
    let message = outcome.step(0, 0)["error"]["message"].as_str().unwrap();
    assert!(message.contains("not signed by a trusted authority"), "{message}");
}
