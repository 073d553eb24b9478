//! What Skopos' unit tests, end-to-end tests and benches share: a local HTTP server on
//! 127.0.0.1 (port 0), HTTP/1.1 and HTTP/2 (cleartext, by prior knowledge), on a thread of its
//! own, answering every request with a handler the test writes. Tests differ in their routes,
//! not in how they accept connections.

pub mod grpc;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;

/// What a handler answers: any body (with trailers, for gRPC), boxed.
pub type Reply = http::Response<BoxBody<Bytes, Infallible>>;

/// Starts a server answering each request (its whole body read first) with `handler`, and
/// returns its address once it listens. It runs until the process ends.
pub fn serve<H, F>(handler: H) -> SocketAddr
where
    H: Fn(http::Request<Bytes>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Reply> + Send + 'static,
{
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("test-server".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build();
            runtime.expect("a tokio runtime").block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port on 127.0.0.1");
                sender.send(listener.local_addr().expect("its address")).expect("the test is waiting");
                loop {
                    let Ok((stream, _)) = listener.accept().await else { continue };
                    let _ = stream.set_nodelay(true);
                    let handler = handler.clone();
                    tokio::spawn(async move {
                        let service =
                            hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
                                let handler = handler.clone();
                                async move {
                                    let (head, body) = request.into_parts();
                                    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                                    Ok::<_, Infallible>(handler(http::Request::from_parts(head, body)).await)
                                }
                            });
                        let _ = auto::Builder::new(TokioExecutor::new())
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            })
        })
        .expect("a thread for the test server");
    receiver.recv().expect("the test server started")
}

/// A reply with `status`, `content_type` and `body`.
pub fn reply(status: u16, content_type: &str, body: impl Into<Bytes>) -> Reply {
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(Full::new(body.into()).boxed())
        .expect("a valid reply")
}

/// A TLS acceptor presenting `cert_pem` (a chain) with `key_pem`, offering `alpn`.
pub fn tls_acceptor(cert_pem: &str, key_pem: &str, alpn: &[&[u8]]) -> tokio_rustls::TlsAcceptor {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(cert_pem.as_bytes()).collect::<Result<_, _>>().expect("a PEM certificate chain");
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).expect("a PEM private key");
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("a certificate and its key");
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config))
}
