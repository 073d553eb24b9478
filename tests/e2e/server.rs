//! The API the end-to-end tests run collections against: a real HTTP/1.1 and HTTP/2 server
//! on 127.0.0.1, plain and with a self-signed certificate made for the run.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// What the server remembers per test key: hits, webhook deliveries, chosen statuses.
#[derive(Default)]
struct State {
    /// Hits per key, for tests that count their own requests.
    counters: Mutex<HashMap<String, usize>>,
    /// Requests POSTed to `/hook/{key}`.
    received: Mutex<HashMap<String, Vec<Received>>>,
    /// The status `/switch/{key}` answers with (200 until set).
    statuses: Mutex<HashMap<String, u16>>,
}

type Shared = Arc<State>;

/// A request a webhook receiver got: its headers (lower-case names) and its JSON body.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// The path after `/hook/{key}` or `/provider/{key}`, with the query: `/bot7/sendMessage`.
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Value,
    /// The body's bytes as sent (to check a signature over them).
    pub raw: Bytes,
}

type Body = http_body_util::combinators::BoxBody<Bytes, Infallible>;

pub struct TestServer {
    pub http: SocketAddr,
    pub https: SocketAddr,
    /// A port where a connection is accepted and reset at once.
    pub reset: SocketAddr,
    /// PEM of the self-signed certificate the HTTPS servers present.
    pub ca_file: PathBuf,
    /// HTTPS that requires a client certificate signed by its own CA.
    pub mtls: SocketAddr,
    /// A client certificate and key (PEM) the mTLS server accepts.
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    state: Shared,
}

impl TestServer {
    /// How many times `key` was hit (paths with a per-test key count their calls).
    pub fn count(&self, key: &str) -> usize {
        self.state.counters.lock().unwrap().get(key).copied().unwrap_or(0)
    }

    /// What `/hook/{key}` received so far, oldest first.
    pub fn received(&self, key: &str) -> Vec<Received> {
        self.state.received.lock().unwrap().get(key).cloned().unwrap_or_default()
    }

    /// Makes `/switch/{key}` answer with `status` from now on.
    pub fn set_status(&self, key: &str, status: u16) {
        self.state.statuses.lock().unwrap().insert(key.to_string(), status);
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.http)
    }
}

/// The one server all tests share, started on first use.
pub fn server() -> &'static TestServer {
    static SERVER: OnceLock<TestServer> = OnceLock::new();
    SERVER.get_or_init(start)
}

fn start() -> TestServer {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async move {
            let state = Shared::default();
            let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let https = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let reset = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let mtls = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let certificates = Certificates::generate();
            let acceptor = certificates.acceptor(false);
            let mtls_acceptor = certificates.acceptor(true);
            let server = TestServer {
                http: http.local_addr().unwrap(),
                https: https.local_addr().unwrap(),
                reset: reset.local_addr().unwrap(),
                mtls: mtls.local_addr().unwrap(),
                ca_file: certificates.ca_file.clone(),
                client_cert: certificates.client_cert.clone(),
                client_key: certificates.client_key.clone(),
                state: state.clone(),
            };
            sender.send(server).unwrap();
            let plain = state.clone();
            tokio::spawn(async move {
                loop {
                    let (stream, _) = http.accept().await.unwrap();
                    serve(TokioIo::new(stream), plain.clone());
                }
            });
            tokio::spawn(async move {
                loop {
                    let (mut stream, _) = reset.accept().await.unwrap();
                    // Read the request, then reset instead of answering.
                    let mut buffer = [0u8; 1024];
                    let _ = tokio::io::AsyncReadExt::read(&mut stream, &mut buffer).await;
                    #[allow(deprecated)] // a zero linger drops at once; it is what sends the RST
                    let _ = stream.set_linger(Some(Duration::ZERO));
                    drop(stream);
                }
            });
            tokio::spawn(accept_tls(mtls, mtls_acceptor, state.clone()));
            accept_tls(https, acceptor, state).await;
        });
    });
    receiver.recv().unwrap()
}

/// Serves every connection on `listener` over TLS.
async fn accept_tls(listener: TcpListener, acceptor: tokio_rustls::TlsAcceptor, state: Shared) {
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        let (acceptor, state) = (acceptor.clone(), state.clone());
        tokio::spawn(async move {
            if let Ok(tls) = acceptor.accept(stream).await {
                serve(TokioIo::new(tls), state);
            }
        });
    }
}

fn serve<I>(io: TokioIo<I>, state: Shared)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let service = hyper::service::service_fn(move |request| route(request, state.clone()));
        let _ = auto::Builder::new(TokioExecutor::new()).serve_connection(io, service).await;
    });
}

/// Another HTTPS server with the test routes, presenting `certificate` (made by a test: expired,
/// for another host, ...).
pub fn https_presenting(certificate: &rcgen::CertifiedKey<rcgen::KeyPair>) -> SocketAddr {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certificate.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certificate.cert.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            sender.send(listener.local_addr().unwrap()).unwrap();
            accept_tls(listener, acceptor, Shared::default()).await;
        });
    });
    receiver.recv().unwrap()
}

/// A self-signed server certificate, and a client CA with one client certificate, all
/// made for this run and written as PEM files.
struct Certificates {
    server: rcgen::CertifiedKey<rcgen::KeyPair>,
    client_ca: rustls::pki_types::CertificateDer<'static>,
    ca_file: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
}

impl Certificates {
    fn generate() -> Certificates {
        let dir = std::env::temp_dir().join(format!("skopos-e2e-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, text: String| {
            let path = dir.join(name);
            std::fs::File::create(&path).unwrap().write_all(text.as_bytes()).unwrap();
            path
        };
        let server =
            rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        let ca_file = write("ca.pem", server.cert.pem());

        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Skopos Test Client CA");
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let mut client_params = rcgen::CertificateParams::new(vec!["client.test".to_string()]).unwrap();
        client_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let client_key = rcgen::KeyPair::generate().unwrap();
        let client = client_params.signed_by(&client_key, &issuer).unwrap();
        Certificates {
            client_cert: write("client.pem", client.pem()),
            client_key: write("client.key", client_key.serialize_pem()),
            client_ca: ca_cert.der().clone(),
            server,
            ca_file,
        }
    }

    fn acceptor(&self, require_client_certificate: bool) -> tokio_rustls::TlsAcceptor {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = if require_client_certificate {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(self.client_ca.clone()).unwrap();
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build().unwrap();
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(self.server.signing_key.serialize_der().into());
        let mut config = builder.with_single_cert(vec![self.server.cert.der().clone()], key).unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    }
}

fn full(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(body.into()).boxed())
        .unwrap()
}

fn json_response(status: StatusCode, value: Value) -> Response<Body> {
    full(status, "application/json", value.to_string())
}

async fn route(request: Request<Incoming>, state: Shared) -> Result<Response<Body>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let bearer = parts.headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let hit = |key: String| {
        let mut counters = state.counters.lock().unwrap();
        let count = counters.entry(key).or_insert(0);
        *count += 1;
        *count
    };
    let response = match (parts.method.as_str(), segments.as_slice()) {
        ("POST", ["login", key]) => {
            hit(format!("login/{key}"));
            if json["password"] == "open-sesame" {
                json_response(StatusCode::OK, json!({"token": "tok-123", "user": json["user"]}))
            } else {
                json_response(StatusCode::UNAUTHORIZED, json!({"error": "bad credentials"}))
            }
        }
        ("POST", ["cart"]) if bearer == "Bearer tok-123" => {
            json_response(StatusCode::CREATED, json!({"id": 7, "items": [{"sku": json["sku"], "qty": json["qty"]}]}))
        }
        ("GET", ["cart", id]) if bearer == "Bearer tok-123" => {
            json_response(StatusCode::OK, json!({"id": id.parse::<u64>().unwrap_or(0), "items": [{"qty": 2}]}))
        }
        ("POST", ["cart", _, "pay"]) => {
            json_response(StatusCode::OK, json!({"payments": [{"state": "ok"}, {"state": "pending"}]}))
        }
        (_, ["cart", ..]) => json_response(StatusCode::UNAUTHORIZED, json!({"error": "no token"})),
        // `/hops/N` redirects N times before it answers.
        ("GET", ["hops", hops]) => match hops.parse::<u32>() {
            Ok(0) | Err(_) => full(StatusCode::OK, "text/plain", "you made it"),
            Ok(left) => Response::builder()
                .status(302)
                .header("location", format!("/hops/{}", left - 1))
                .body(Full::new(Bytes::new()).boxed())
                .unwrap(),
        },
        ("GET", ["redirect"]) => {
            Response::builder().status(302).header("location", "/final").body(Full::new(Bytes::new()).boxed()).unwrap()
        }
        ("POST", ["session", key]) => Response::builder()
            .status(302)
            .header("location", "/me")
            .header("set-cookie", format!("sid={key}; Path=/; HttpOnly"))
            .header("set-cookie", "theme=dark; Path=/settings")
            .body(Full::new(Bytes::new()).boxed())
            .unwrap(),
        ("GET", ["me"]) => match parts.headers.get("cookie").and_then(|c| c.to_str().ok()) {
            Some(cookies) if cookies.contains("sid=") => json_response(StatusCode::OK, json!({"cookies": cookies})),
            _ => json_response(StatusCode::UNAUTHORIZED, json!({"error": "no session"})),
        },
        ("GET", ["close"]) => {
            Response::builder().header("connection", "close").body(Full::new(Bytes::from("bye")).boxed()).unwrap()
        }
        ("GET", ["final"]) => full(StatusCode::OK, "text/plain", "you made it"),
        ("GET", ["gzip"]) => {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(br#"{"compressed": true, "n": 3}"#).unwrap();
            Response::builder()
                .header("content-type", "application/json")
                .header("content-encoding", "gzip")
                .body(Full::new(Bytes::from(encoder.finish().unwrap())).boxed())
                .unwrap()
        }
        ("GET", ["br"]) => {
            // `{"compressed": "br", "pad": "abab…"}` (200 characters of padding), made by Python's brotli.
            const BODY: [u8; 49] = [
                27, 230, 0, 248, 157, 7, 118, 203, 131, 33, 210, 163, 143, 249, 70, 9, 169, 69, 200, 202, 246, 118,
                152, 24, 156, 156, 100, 209, 233, 11, 144, 150, 4, 154, 133, 38, 147, 12, 52, 128, 145, 111, 208, 99,
                137, 35, 26, 128, 48,
            ];
            Response::builder()
                .header("content-type", "application/json")
                .header("content-encoding", "br")
                .body(Full::new(Bytes::from_static(&BODY)).boxed())
                .unwrap()
        }
        ("GET", ["slow", ms]) => {
            tokio::time::sleep(Duration::from_millis(ms.parse().unwrap_or(0))).await;
            json_response(StatusCode::OK, json!({"slept": ms}))
        }
        ("GET", ["huge"]) => full(StatusCode::OK, "application/octet-stream", vec![b'x'; 3 * 1024 * 1024]),
        ("GET", ["endless"]) => {
            let chunks = futures_stream(Bytes::from(vec![b'y'; 64 * 1024]));
            Response::builder().header("content-type", "text/plain").body(StreamBody::new(chunks).boxed()).unwrap()
        }
        ("GET", ["malformed"]) => full(StatusCode::OK, "application/json", "{\"token\": oops"),
        ("GET", ["echo"]) => {
            let headers: serde_json::Map<String, Value> = parts
                .headers
                .iter()
                .map(|(k, v)| (k.to_string(), Value::String(v.to_str().unwrap_or("").to_string())))
                .collect();
            json_response(
                StatusCode::OK,
                json!({"headers": headers, "query": query, "method": parts.method.as_str(), "version": format!("{:?}", parts.version)}),
            )
        }
        ("POST", ["echo"]) => full(StatusCode::OK, "text/plain", body),
        ("POST", ["token", key]) => {
            hit(format!("token/{key}"));
            let form = String::from_utf8_lossy(&body).to_string();
            if form.contains("client_secret=s3cr3t") && form.contains("grant_type=client_credentials") {
                json_response(StatusCode::OK, json!({"access_token": "tok-123", "token_type": "bearer"}))
            } else {
                json_response(StatusCode::UNAUTHORIZED, json!({"error": "invalid_client"}))
            }
        }
        ("GET", ["flaky", key, failures]) => {
            let count = hit(format!("flaky/{key}"));
            if count <= failures.parse().unwrap_or(0) {
                json_response(StatusCode::SERVICE_UNAVAILABLE, json!({"attempt": count}))
            } else {
                json_response(StatusCode::OK, json!({"attempt": count}))
            }
        }
        ("POST", ["hook", key]) | (_, ["provider", key, ..]) => {
            // `/provider/{key}/...`: a stand-in for a notification service's API, recording
            // whatever method and path the notifier used.
            let headers =
                parts.headers.iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string())).collect();
            let prefix = format!("/{}/{key}", segments[0]);
            let mut rest = path.strip_prefix(&prefix).unwrap_or("").to_string();
            if !query.is_empty() {
                rest = format!("{rest}?{query}");
            }
            let method = parts.method.to_string();
            let received = Received { method, path: rest, headers, body: json.clone(), raw: body.clone() };
            state.received.lock().unwrap().entry(key.to_string()).or_default().push(received);
            json_response(StatusCode::OK, json!({"ok": true}))
        }
        ("GET", ["switch", key]) => {
            let status = state.statuses.lock().unwrap().get(*key).copied().unwrap_or(200);
            json_response(StatusCode::from_u16(status).unwrap(), json!({"status": status}))
        }
        ("GET", ["jwt", seconds]) => {
            use base64::Engine;
            let exp = chrono::Utc::now().timestamp() + seconds.parse::<i64>().unwrap_or(0);
            let encode = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
            let token =
                format!("{}.{}.c2ln", encode(json!({"alg": "none"})), encode(json!({"exp": exp, "iss": "e2e"})));
            json_response(StatusCode::OK, json!({"access_token": token}))
        }
        ("GET", ["count", key]) => json_response(StatusCode::OK, json!({"n": hit(format!("count/{key}"))})),
        // Hostile answers (tests/e2e/hostile.rs).
        ("GET", ["loop"]) => {
            Response::builder().status(302).header("location", "/loop").body(Full::new(Bytes::new()).boxed()).unwrap()
        }
        ("GET", ["many-headers", count]) => {
            let mut response = Response::builder();
            for n in 0..count.parse::<usize>().unwrap_or(0) {
                response = response.header(format!("x-h{n}"), "v");
            }
            response.body(Full::new(Bytes::from_static(b"{}")).boxed()).unwrap()
        }
        ("GET", ["trickle"]) => {
            let bytes = futures_util::stream::unfold((), |()| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                Some((Ok::<_, Infallible>(Frame::data(Bytes::from_static(b"x"))), ()))
            });
            Response::builder().header("content-type", "text/plain").body(StreamBody::new(bytes).boxed()).unwrap()
        }
        ("GET", ["bomb"]) => Response::builder()
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(Full::new(bomb()).boxed())
            .unwrap(),
        _ => json_response(StatusCode::NOT_FOUND, json!({"error": "not found", "path": path})),
    };
    Ok(response)
}

/// 256 MiB of zeros, gzipped to a few hundred KiB (made once).
fn bomb() -> Bytes {
    static BOMB: OnceLock<Bytes> = OnceLock::new();
    BOMB.get_or_init(|| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..256 {
            encoder.write_all(&zeros).unwrap();
        }
        Bytes::from(encoder.finish().unwrap())
    })
    .clone()
}

/// An endless stream of the same chunk.
fn futures_stream(chunk: Bytes) -> impl futures_core::Stream<Item = Result<Frame<Bytes>, Infallible>> + Send + Sync {
    struct Endless(Bytes);
    impl futures_core::Stream for Endless {
        type Item = Result<Frame<Bytes>, Infallible>;
        fn poll_next(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(Some(Ok(Frame::data(self.0.clone()))))
        }
    }
    Endless(chunk)
}
