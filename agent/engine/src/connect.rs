//! Opening connections: DNS, TCP, TLS and the HTTP/1.1 or HTTP/2 handshake, each timed,
//! with failures put in words.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use url::{Host, Url};

use super::tls::{TlsConfigs, certificate_info};
use skopos_core::model::Tls;
use skopos_core::report::{ErrorKind, StepError, Timings};
use skopos_core::response::CertificateInfo;

/// What a connection is for: reused only for the same origin and TLS options.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PoolKey {
    https: bool,
    host: String,
    port: u16,
    tls: Tls,
    /// HTTP/2 only (gRPC): with prior knowledge on plain TCP.
    http2_only: bool,
}

pub enum Sender {
    Http1(http1::SendRequest<Full<Bytes>>),
    Http2(http2::SendRequest<Full<Bytes>>),
}

pub struct Connection {
    pub sender: Sender,
    pub certificate: Option<CertificateInfo>,
}

pub async fn open(
    key: &PoolKey,
    tls: &TlsConfigs,
    timings: &mut Timings,
    phase: &mut &'static str,
) -> Result<Connection, StepError> {
    let tcp = open_tcp(&key.host, key.port, timings, phase).await?;
    if !key.https && key.http2_only {
        let io = TokioIo::new(tcp);
        let (sender, connection) = http2::handshake(TokioExecutor::new(), io).await.map_err(|e| protocol_error(&e))?;
        tokio::spawn(connection);
        return Ok(Connection { sender: Sender::Http2(sender), certificate: None });
    }
    if !key.https {
        let (sender, connection) =
            http1_builder().handshake(TokioIo::new(tcp)).await.map_err(|e| protocol_error(&e))?;
        tokio::spawn(connection);
        return Ok(Connection { sender: Sender::Http1(sender), certificate: None });
    }

    let config = tls.get(&key.tls).map_err(|e| StepError::new(ErrorKind::Tls, e))?;
    let (stream, certificate) = tls_handshake(&key.host, tcp, config, timings, phase).await?;
    let is_h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
    if key.http2_only && !is_h2 {
        let message = format!("{} did not agree to HTTP/2 in the TLS handshake (ALPN), which gRPC needs", key.host);
        return Err(StepError::new(ErrorKind::Protocol, message));
    }
    let io = TokioIo::new(stream);
    let sender = if is_h2 {
        let (sender, connection) = http2::handshake(TokioExecutor::new(), io).await.map_err(|e| protocol_error(&e))?;
        tokio::spawn(connection);
        Sender::Http2(sender)
    } else {
        let (sender, connection) = http1_builder().handshake(io).await.map_err(|e| protocol_error(&e))?;
        tokio::spawn(connection);
        Sender::Http1(sender)
    };
    Ok(Connection { sender, certificate })
}

pub fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// DNS and TCP to `host:port`, each timed (`phase` says where it is, for a timeout).
pub async fn open_tcp(
    host: &str,
    port: u16,
    timings: &mut Timings,
    phase: &mut &'static str,
) -> Result<TcpStream, StepError> {
    *phase = "resolving the host name";
    let started = Instant::now();
    let addresses = resolve(host, port).await?;
    timings.dns_ms = ms(started);
    *phase = "connecting";
    let started = Instant::now();
    let tcp = connect_any(host, &addresses).await?;
    timings.connect_ms = ms(started);
    let _ = tcp.set_nodelay(true);
    Ok(tcp)
}

/// The TLS handshake over `tcp` with `config`, timed, and the server's leaf certificate.
pub async fn tls_handshake(
    host: &str,
    tcp: TcpStream,
    config: std::sync::Arc<rustls::ClientConfig>,
    timings: &mut Timings,
    phase: &mut &'static str,
) -> Result<(tokio_rustls::client::TlsStream<TcpStream>, Option<CertificateInfo>), StepError> {
    *phase = "in the TLS handshake";
    let started = Instant::now();
    let server_name = rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| StepError::new(ErrorKind::Tls, format!("`{host}` cannot be used as a TLS server name: {e}")))?;
    let stream =
        tokio_rustls::TlsConnector::from(config).connect(server_name, tcp).await.map_err(|e| tls_error(host, &e))?;
    timings.tls_ms = ms(started);
    let certificate =
        stream.get_ref().1.peer_certificates().and_then(|chain| chain.first()).and_then(|c| certificate_info(c));
    Ok((stream, certificate))
}

/// A URL's host as connections name it (an IPv6 address without brackets).
pub fn host_of(url: &Url) -> Result<String, StepError> {
    match url.host() {
        Some(Host::Domain(domain)) => Ok(domain.to_string()),
        Some(Host::Ipv4(ip)) => Ok(ip.to_string()),
        Some(Host::Ipv6(ip)) => Ok(ip.to_string()),
        None => Err(StepError::new(ErrorKind::InvalidRequest, format!("`{url}` has no host"))),
    }
}

pub fn pool_key(url: &Url, tls: &Tls, http2_only: bool) -> Result<PoolKey, StepError> {
    let https = match url.scheme() {
        "https" => true,
        "http" => false,
        other => {
            return Err(StepError::new(ErrorKind::InvalidRequest, format!("`{other}` URLs are not supported: {url}")));
        }
    };
    let host = host_of(url)?;
    let port = url.port_or_known_default().unwrap_or(if https { 443 } else { 80 });
    Ok(PoolKey { https, host, port, tls: if https { tls.clone() } else { Tls::default() }, http2_only })
}

async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, StepError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let dns = |detail: String| StepError::new(ErrorKind::Dns, format!("cannot resolve host `{host}`: {detail}"));
    let addresses: Vec<SocketAddr> =
        tokio::net::lookup_host((host, port)).await.map_err(|e| dns(e.to_string()))?.collect();
    if addresses.is_empty() {
        return Err(dns("no addresses".into()));
    }
    Ok(addresses)
}

async fn connect_any(host: &str, addresses: &[SocketAddr]) -> Result<TcpStream, StepError> {
    let mut last = None;
    for address in addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => return Ok(stream),
            Err(err) => last = Some((address, err)),
        }
    }
    let (address, err) = last.expect("resolve returns at least one address");
    let message = match err.kind() {
        io::ErrorKind::ConnectionRefused => {
            format!("connection refused by {host} ({address}): nothing is listening there")
        }
        _ => format!("cannot connect to {host} ({address}): {err}"),
    };
    Err(StepError::new(ErrorKind::Connect, message))
}

fn tls_error(host: &str, err: &io::Error) -> StepError {
    let detail = match err.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        Some(tls) => tls_detail(tls, host),
        None => err.to_string(),
    };
    StepError::new(ErrorKind::Tls, format!("TLS handshake with {host} failed: {detail}"))
}

/// A TLS failure in words, with what to change when it is a matter of configuration.
fn tls_detail(err: &rustls::Error, host: &str) -> String {
    use rustls::{AlertDescription, CertificateError, Error};
    match err {
        Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "the server's certificate is not signed by a trusted authority (set `tls.ca_file` to trust its CA)".into()
        }
        Error::InvalidCertificate(CertificateError::Expired | CertificateError::ExpiredContext { .. }) => {
            "the server's certificate has expired".into()
        }
        Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => {
            format!("the server's certificate is not valid for `{host}`")
        }
        Error::AlertReceived(AlertDescription::CertificateRequired) => {
            "the server requires a client certificate (CertificateRequired; set `tls.client_cert` and `tls.client_key`)"
                .into()
        }
        Error::AlertReceived(alert @ (AlertDescription::BadCertificate | AlertDescription::UnknownCA)) => {
            format!("the server rejected the client certificate ({alert:?})")
        }
        other => other.to_string(),
    }
}

/// HTTP/1.1 with header names in Title-Case (`Content-Type`), as curl, browsers and Postman
/// write them: names are case-insensitive, but some servers and every raw echo see the case.
fn http1_builder() -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder.title_case_headers(true);
    builder
}

/// The first request on a new TLS connection failed because the server hung up: with TLS
/// 1.3 a server that wants a client certificate says so only after the handshake, and the
/// request usually learns no more than that the connection is gone.
pub fn hung_up_after_handshake(err: &hyper::Error, key: &PoolKey) -> Option<StepError> {
    let causes = std::iter::successors(std::error::Error::source(err), |cause| cause.source());
    let io_failed = causes.filter_map(|cause| cause.downcast_ref::<io::Error>()).next().is_some();
    let hung_up = io_failed || err.is_canceled() || err.is_incomplete_message();
    (key.https && hung_up && key.tls.client_cert.is_none()).then(|| {
        StepError::new(
            ErrorKind::Tls,
            format!(
                "{} closed the connection right after the TLS handshake; it may require a client certificate (set `tls.client_cert` and `tls.client_key`)",
                key.host
            ),
        )
    })
}

/// An HTTP-level failure in words; a TLS error underneath (an alert after the handshake)
/// is reported as TLS.
pub fn protocol_error(err: &hyper::Error) -> StepError {
    let causes = std::iter::successors(std::error::Error::source(err), |cause| cause.source());
    let io_error = causes.filter_map(|cause| cause.downcast_ref::<io::Error>()).next();
    if let Some(tls) = io_error.and_then(|e| e.get_ref()).and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        return StepError::new(ErrorKind::Tls, format!("TLS error: {}", tls_detail(tls, "the server")));
    }
    let io_kind = io_error.map(io::Error::kind);
    let message = if io_kind == Some(io::ErrorKind::ConnectionReset) {
        "the server reset the connection".to_string()
    } else if err.is_incomplete_message() {
        "the server closed the connection before the response was complete".to_string()
    } else if err.is_parse() {
        format!("the response is not valid HTTP: {err}")
    } else {
        format!("HTTP error: {err}")
    };
    StepError::new(ErrorKind::Protocol, message)
}
