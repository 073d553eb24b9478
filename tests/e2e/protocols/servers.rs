//! The servers the protocol tests talk to, on 127.0.0.1: a tonic gRPC server (an `Orders`
//! service, the standard health service, and server reflection), an HTTP API with a login
//! and a GraphQL endpoint, and a WebSocket server with order events. The token the login
//! hands out is what the gRPC and WebSocket servers demand.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use skopos_test_support::{reply, serve};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tonic::codegen::http;

/// What `POST /login` hands out, and the gRPC and WebSocket servers expect.
pub use skopos_test_support::grpc::TOKEN;
use skopos_test_support::grpc::{grpc_server, grpc_tls_server, on_a_thread};
use skopos_test_support::tls_acceptor;

pub struct Servers {
    pub http: SocketAddr,
    pub grpc: SocketAddr,
    /// The same service without reflection: a call must bring its `.proto` files.
    pub grpc_bare: SocketAddr,
    pub websocket: SocketAddr,
    /// The gRPC service (with reflection) and the WebSocket server over TLS, presenting a
    /// certificate for 127.0.0.1 signed by itself, its PEM in `ca_file`.
    pub grpc_tls: SocketAddr,
    pub websocket_tls: SocketAddr,
    pub ca_file: PathBuf,
}

/// The `.proto` of the `Orders` service, as a user keeps it beside a collection.
pub fn proto_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/e2e/collections/protos")
}

pub fn servers() -> &'static Servers {
    static SERVERS: OnceLock<Servers> = OnceLock::new();
    SERVERS.get_or_init(|| {
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
        let (cert, key) = (certified.cert.pem(), certified.signing_key.serialize_pem());
        let ca_file = std::env::temp_dir().join(format!("skopos-protocols-{}.pem", std::process::id()));
        std::fs::write(&ca_file, &cert).unwrap();
        Servers {
            http: serve(http_api),
            grpc: grpc_server(&proto_dir(), true),
            grpc_bare: grpc_server(&proto_dir(), false),
            websocket: websocket_server(None),
            grpc_tls: grpc_tls_server(&proto_dir(), &cert, &key),
            websocket_tls: websocket_server(Some(tls_acceptor(&cert, &key, &[b"http/1.1"]))),
            ca_file,
        }
    })
}

/// `POST /login` (JSON `{user, password}`) and `POST /graphql`, checked as GraphQL over HTTP
/// sends them.
async fn http_api(request: http::Request<bytes::Bytes>) -> skopos_test_support::Reply {
    let body: Value = serde_json::from_slice(request.body()).unwrap_or(Value::Null);
    let json_sent = request.headers().get("content-type").is_some_and(|v| v == "application/json");
    match (request.method().as_str(), request.uri().path()) {
        ("POST", "/login") if body["password"] == "secret" => {
            reply(200, "application/json", json!({"token": TOKEN, "order": "A-100"}).to_string())
        }
        ("POST", "/login") => reply(401, "application/json", r#"{"error":"bad credentials"}"#),
        ("POST", "/graphql") if !json_sent => reply(415, "text/plain", "GraphQL over HTTP is JSON"),
        ("POST", "/graphql") => reply(200, "application/json", graphql(&body).to_string()),
        _ => reply(404, "text/plain", "no such route"),
    }
}

/// A GraphQL endpoint with one query, `order(id: ID!) { id status items }`: what it needs to
/// answer the requests the tests send, and an `errors` array for a field it does not know.
fn graphql(request: &Value) -> Value {
    let query = request["query"].as_str().unwrap_or_default();
    let Some(fields) = request.as_object() else { return json!({"errors": [{"message": "not an object"}]}) };
    if let Some(unknown) = fields.keys().find(|key| !["query", "variables", "operationName"].contains(&key.as_str())) {
        return json!({"errors": [{"message": format!("unknown request field {unknown}")}]});
    }
    if query.contains("bogus") {
        return json!({
            "errors": [{"message": "Cannot query field \"bogus\" on type \"Order\".", "path": ["order", "bogus"],
                        "locations": [{"line": 1, "column": 30}]}],
            "data": null
        });
    }
    let id = request["variables"]["id"].as_str().unwrap_or("unknown");
    json!({"data": {"order": {"id": id, "status": "packed", "items": ["tea", "cups"]},
                    "operation": request["operationName"]}})
}

/// `GET /orders/{id}/events` with `Authorization: Bearer TOKEN`: after the client sends
/// `{"subscribe": ID}`, it sends the order's events, ending with `{"type": "done"}`, and an
/// echo of anything else it is sent.
fn websocket_server(tls: Option<tokio_rustls::TlsAcceptor>) -> SocketAddr {
    on_a_thread(|listener| async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let tls = tls.clone();
            tokio::spawn(async move {
                match tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            order_events(stream).await;
                        }
                    }
                    None => order_events(stream).await,
                }
            });
        }
    })
}

/// One WebSocket connection of `websocket_server`.
async fn order_events<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(stream: S) {
    let mut path = String::new();
    // tungstenite's callback type, refusal included, is not ours to shrink.
    #[allow(clippy::result_large_err)]
    let check = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
        path = request.uri().path().to_string();
        let authorized =
            request.headers().get("authorization").is_some_and(|v| v == format!("Bearer {TOKEN}").as_str());
        if authorized {
            Ok(response)
        } else {
            let mut refused = ErrorResponse::new(Some("a bearer token is required".into()));
            *refused.status_mut() = http::StatusCode::UNAUTHORIZED;
            Err(refused)
        }
    };
    let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(stream, check).await else { return };
    let order = path.trim_start_matches("/orders/").trim_end_matches("/events").to_string();
    while let Some(Ok(message)) = socket.next().await {
        let Message::Text(text) = message else { continue };
        let sent: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if sent["subscribe"] != order.as_str() {
            let _ = socket.send(Message::text(format!("echo: {text}"))).await;
            continue;
        }
        for event in [
            json!({"type": "subscribed", "order": order}),
            json!({"type": "status", "order": order, "status": "packed"}),
            json!({"type": "status", "order": order, "status": "shipped"}),
            json!({"type": "done", "order": order}),
        ] {
            let _ = socket.send(Message::text(event.to_string())).await;
        }
    }
}
