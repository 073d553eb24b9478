//! `access`: what authentication and the permission check cost the API. One agent, one small
//! collection; `GET /api/v1/collections/c` (a cheap route, so the check's share shows) over one
//! keep-alive connection, in rounds that alternate the credential: the bootstrap token, a
//! named runner token, and a console session signed in with a password. Then password sign-in
//! itself (argon2id). `SKOPOS_BENCH_BINARY` runs the same against another build (one from
//! before accounts knows only the bootstrap token and token sessions).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};

use crate::common::{Agent, TOKEN, percentiles};

const ROUNDS: usize = 10;
const PER_ROUND: usize = 1_000;

pub(crate) struct Connection {
    sender: hyper::client::conn::http1::SendRequest<Full<bytes::Bytes>>,
}

impl Connection {
    pub(crate) async fn open(address: SocketAddr) -> Connection {
        let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let (sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp)).await.unwrap();
        tokio::spawn(connection);
        Connection { sender }
    }

    /// The status, the `Set-Cookie` value and the JSON reply.
    pub(crate) async fn call(
        &mut self,
        method: &str,
        path: &str,
        auth: &[(&str, String)],
        body: Option<Value>,
    ) -> (u16, Option<String>, Value) {
        let mut request = hyper::Request::builder().method(method).uri(path).header("host", "127.0.0.1");
        for (name, value) in auth {
            request = request.header(*name, value);
        }
        let body = body.map_or_else(bytes::Bytes::new, |b| bytes::Bytes::from(b.to_string()));
        self.sender.ready().await.unwrap();
        let response = self.sender.send_request(request.body(Full::new(body)).unwrap()).await.unwrap();
        let status = response.status().as_u16();
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").to_string());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, cookie, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }
}

/// The check alone, in process: a request's bearer token to a principal and its permission,
/// 100,000 times for each kind of token.
fn check_alone() {
    use skopos_service::access::{Access, NewToken, Permission, Role};
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(skopos_service::store::Store::open(dir.path()).unwrap());
    let (token, _) = skopos_service::Token::load(&store, Some(TOKEN.into())).unwrap();
    let access = Access::load(store, token).unwrap();
    let admin = access.bearer(TOKEN).unwrap();
    let new = NewToken { name: "ci".into(), role: Role::Runner, region: None, expires_in: None };
    let (_, runner) = access.create_token(&admin, new).unwrap();
    for (name, offered) in
        [("bootstrap token", format!("Bearer {TOKEN}")), ("runner token", format!("Bearer {runner}"))]
    {
        let start = Instant::now();
        for _ in 0..100_000 {
            let principal =
                access.authenticate(Some(&offered), None, &http::Method::GET, None, Some("127.0.0.1")).unwrap();
            assert!(principal.allows(Permission::ReadDefinitions));
        }
        println!(
            "access: authenticate + permission check, {name}, in process: {:.2} µs per request",
            start.elapsed().as_secs_f64() * 10.0
        );
    }
}

pub fn access(server: SocketAddr) {
    check_alone();
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(dir.path());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let mut api = Connection::open(agent.address).await;
        let bootstrap = vec![("authorization", format!("Bearer {TOKEN}"))];
        let collection = json!({"name": "c", "steps": [{"request": {"url": format!("http://{server}/item/1")}}]});
        assert_eq!(api.call("POST", "/api/v1/collections", &bootstrap, Some(collection)).await.0, 201);

        let mut credentials: Vec<(&str, Vec<(&str, String)>)> = vec![("bootstrap token", bootstrap.clone())];
        let made = json!({"name": "ci", "role": "runner"});
        let (status, _, token) = api.call("POST", "/api/v1/tokens", &bootstrap, Some(made)).await;
        let password = "a bench password, long enough";
        let mut sign_in = json!({"token": TOKEN});
        if status == 201 {
            credentials.push((
                "runner token",
                vec![("authorization", format!("Bearer {}", token["token"].as_str().unwrap()))],
            ));
            let user = json!({"name": "vera", "role": "viewer"});
            let (_, _, added) = api.call("POST", "/api/v1/users", &bootstrap, Some(user)).await;
            let path = format!("/api/v1/invites/{}", added["code"].as_str().unwrap());
            assert_eq!(api.call("POST", &path, &[], Some(json!({"password": password}))).await.0, 200);
            sign_in = json!({"user": "vera", "password": password});
        } else {
            println!(
                "access: this build has no named tokens (status {status}); bootstrap token and token session only"
            );
        }
        let (status, cookie, _) = api.call("POST", "/api/v1/session", &[], Some(sign_in.clone())).await;
        assert_eq!(status, 200);
        credentials.push(("console session", vec![("cookie", cookie.unwrap())]));

        let mut latencies: Vec<Vec<Duration>> = vec![Vec::new(); credentials.len()];
        for _ in 0..ROUNDS {
            for (index, (_, auth)) in credentials.iter().enumerate() {
                for _ in 0..PER_ROUND {
                    let start = Instant::now();
                    let (status, _, _) = api.call("GET", "/api/v1/collections/c", auth, None).await;
                    latencies[index].push(start.elapsed());
                    assert_eq!(status, 200);
                }
            }
        }
        for ((name, _), samples) in credentials.iter().zip(&mut latencies) {
            println!("access: GET /api/v1/collections/c with a {name}: {}", percentiles(samples));
        }
        let mut signing_in = Vec::new();
        for _ in 0..50 {
            let start = Instant::now();
            assert_eq!(api.call("POST", "/api/v1/session", &[], Some(sign_in.clone())).await.0, 200);
            signing_in.push(start.elapsed());
        }
        let how = if sign_in.get("user").is_some() { "password (argon2id)" } else { "bootstrap token" };
        println!("access: POST /api/v1/session with a {how}: {}", percentiles(&mut signing_in));
    });
    agent.stop();
}
