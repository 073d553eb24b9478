//! The HTTP client of one collection run: its own connections (reused from step to step),
//! redirects, a capped body and a timing breakdown for every request.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, Version, header};
use http_body_util::{BodyExt, Full, Limited};
use url::Url;

use super::connect::{Connection, PoolKey, Sender, hung_up_after_handshake, ms, open, pool_key, protocol_error};
use super::cookies::CookieJar;
use super::decode::decode_body;
use super::tls::TlsConfigs;
use skopos_core::model::Tls;
use skopos_core::report::{ErrorKind, StepError, Timings};
use skopos_core::response::{CertificateInfo, GrpcStatus};

/// A request after interpolation, ready to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub method: Method,
    pub url: Url,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A complete response: headers and the decoded body.
#[derive(Debug)]
pub struct Incoming {
    pub status: StatusCode,
    pub version: Version,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub url: Url,
    pub certificate: Option<CertificateInfo>,
    pub timings: Timings,
    /// Trailers sent after the body (gRPC's status travels in them).
    pub trailers: HeaderMap,
    /// Set on a gRPC call's reply.
    pub grpc_status: Option<GrpcStatus>,
}

/// How a request is sent.
#[derive(Debug, Clone, Copy)]
pub struct SendOptions<'a> {
    pub tls: &'a Tls,
    pub follow_redirects: bool,
    /// The most redirects followed before the request is an error.
    pub max_redirects: u32,
    pub max_body_bytes: u64,
    /// Speak HTTP/2 only: with prior knowledge over plain TCP, and refusing HTTP/1.1 over TLS
    /// (gRPC).
    pub http2_only: bool,
}

/// Open connections of one collection run, by origin and TLS options.
pub struct Connections {
    pool: HashMap<PoolKey, Connection>,
    tls: Arc<TlsConfigs>,
    /// `None` when the collection turned cookies off.
    cookies: Option<CookieJar>,
    /// What the current request is doing, so a timeout can say where it stopped.
    phase: &'static str,
    in_flight: Option<PoolKey>,
    /// Services' descriptors found by gRPC server reflection, by origin and service.
    pub(crate) reflected: HashMap<String, prost_reflect::DescriptorPool>,
}

impl Connections {
    pub fn new(tls: Arc<TlsConfigs>, cookies: bool) -> Connections {
        let cookies = cookies.then(CookieJar::default);
        Connections {
            pool: HashMap::new(),
            tls,
            cookies,
            phase: "starting",
            in_flight: None,
            reflected: HashMap::new(),
        }
    }

    /// Adds the jar's cookies to a step's request, unless the step set `Cookie` itself, and
    /// then the step's own `cookies`.
    pub fn add_cookies(&self, request: &mut Outgoing, own: &[(String, String)]) {
        if let Some(jar) = &self.cookies {
            jar.apply(&request.url, &mut request.headers, true);
        }
        if own.is_empty() {
            return;
        }
        let mut pairs: Vec<String> = request
            .headers
            .get(http::header::COOKIE)
            .map(|jar| String::from_utf8_lossy(jar.as_bytes()).into_owned())
            .into_iter()
            .collect();
        pairs.extend(own.iter().map(|(name, value)| format!("{name}={value}")));
        if let Ok(value) = HeaderValue::from_bytes(pairs.join("; ").as_bytes()) {
            request.headers.insert(http::header::COOKIE, value);
        }
    }

    /// The run's TLS client settings.
    pub fn tls(&self) -> &TlsConfigs {
        &self.tls
    }

    /// Where the last request was when it was cut off; forgets its half-used connection.
    pub fn abandon(&mut self) -> &'static str {
        if let Some(key) = self.in_flight.take() {
            self.pool.remove(&key);
        }
        self.phase
    }

    /// Sends `request`, following redirects when asked.
    pub async fn send(
        &mut self,
        request: &Outgoing,
        options: SendOptions<'_>,
    ) -> Result<Incoming, (StepError, Timings)> {
        let start = Instant::now();
        // Borrowed until a redirect needs a different request.
        let mut current = Cow::Borrowed(request);
        let mut redirects = 0;
        loop {
            let mut incoming = self.exchange(&current, options).await.map_err(|(error, mut timings)| {
                timings.total_ms = ms(start);
                timings.redirects = redirects;
                (error, timings)
            })?;
            incoming.timings.total_ms = ms(start);
            incoming.timings.redirects = redirects;
            if let Some(jar) = &mut self.cookies {
                jar.store(&incoming.headers, &current.url);
            }
            let location = incoming.headers.get(header::LOCATION).and_then(|l| l.to_str().ok());
            let next = match location {
                Some(location) if options.follow_redirects && incoming.status.is_redirection() => {
                    current.url.join(location).ok()
                }
                _ => None,
            };
            let Some(next) = next else {
                return Ok(incoming);
            };
            if redirects == options.max_redirects {
                let most = options.max_redirects;
                let error = StepError::new(
                    ErrorKind::Protocol,
                    format!("more than {most} redirect{}; the last went to {next}", if most == 1 { "" } else { "s" }),
                );
                return Err((error, incoming.timings));
            }
            redirects += 1;
            let mut next_request = redirected(current.into_owned(), incoming.status, next);
            if let Some(jar) = &self.cookies {
                jar.apply(&next_request.url, &mut next_request.headers, false);
            }
            current = Cow::Owned(next_request);
        }
    }

    /// One request and response on one connection.
    async fn exchange(
        &mut self,
        request: &Outgoing,
        options: SendOptions<'_>,
    ) -> Result<Incoming, (StepError, Timings)> {
        let mut timings = Timings::default();
        let key = pool_key(&request.url, options.tls, options.http2_only).map_err(|e| (e, timings))?;
        let start = Instant::now();
        let mut reused = self.pool.contains_key(&key);
        loop {
            if !reused {
                let connection =
                    open(&key, &self.tls, &mut timings, &mut self.phase).await.map_err(|e| (e, timings))?;
                self.pool.insert(key.clone(), connection);
            }
            timings.reused_connection = reused;
            self.in_flight = Some(key.clone());
            self.phase = "waiting for the response headers";
            let Some(connection) = self.pool.get_mut(&key) else { unreachable!("inserted above") };
            let sent = Instant::now();
            // `written` tells whether the request may have reached the server.
            let (result, written) = match &mut connection.sender {
                Sender::Http1(sender) => match sender.ready().await {
                    Ok(()) => (sender.send_request(build(request, false)).await, true),
                    Err(err) => (Err(err), false),
                },
                Sender::Http2(sender) => match sender.ready().await {
                    Ok(()) => (sender.send_request(build(request, true)).await, true),
                    Err(err) => (Err(err), false),
                },
            };
            let response = match result {
                Ok(response) => response,
                // A kept-alive connection the server has since closed: open a fresh one, once,
                // unless a request that must not be repeated may already have gone out.
                Err(_) if reused && (!written || request.method.is_idempotent()) => {
                    self.pool.remove(&key);
                    reused = false;
                    continue;
                }
                Err(err) => {
                    self.pool.remove(&key);
                    let error = hung_up_after_handshake(&err, &key).unwrap_or_else(|| protocol_error(&err));
                    return Err((error, timings));
                }
            };
            timings.first_byte_ms = ms(sent);
            self.phase = "reading the response body";
            let certificate = connection.certificate.clone();
            let (parts, body) = response.into_parts();
            let (raw, trailers) = read_body(body, &parts.headers, options.max_body_bytes).await.map_err(|e| {
                self.pool.remove(&key);
                (e, timings)
            })?;
            self.in_flight = None;
            let body = decode_body(&parts.headers, raw, options.max_body_bytes).map_err(|e| (e, timings))?;
            timings.total_ms = ms(start);
            return Ok(Incoming {
                status: parts.status,
                version: parts.version,
                headers: unpinned(&parts.headers),
                body,
                url: request.url.clone(),
                certificate,
                timings,
                trailers,
                grpc_status: None,
            });
        }
    }
}

fn build(request: &Outgoing, http2: bool) -> hyper::Request<Full<Bytes>> {
    let url = &request.url;
    let uri = if http2 {
        url.as_str().to_string()
    } else {
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    };
    let mut builder = hyper::Request::builder().method(request.method.clone()).uri(uri);
    if let Some(headers) = builder.headers_mut() {
        *headers = request.headers.clone();
        if !http2 && !headers.contains_key(header::HOST) {
            let host = match (url.host_str(), url.port()) {
                (Some(host), Some(port)) => format!("{host}:{port}"),
                (Some(host), None) => host.to_string(),
                _ => String::new(),
            };
            if let Ok(value) = HeaderValue::from_str(&host) {
                headers.insert(header::HOST, value);
            }
        }
        // An empty body is announced for every method that may carry one (POST, PUT, PATCH and
        // methods of the API's own), as Node's and Postman's clients do; not for the methods
        // whose requests have no content (RFC 9110 §8.6).
        let bodiless = [Method::GET, Method::HEAD, Method::DELETE, Method::OPTIONS, Method::TRACE, Method::CONNECT];
        if !request.body.is_empty() || !bodiless.contains(&request.method) {
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(request.body.len()));
        }
    }
    builder.body(Full::new(request.body.clone())).expect("method, URI and headers were validated")
}

async fn read_body(
    body: hyper::body::Incoming,
    headers: &HeaderMap,
    limit: u64,
) -> Result<(Bytes, HeaderMap), StepError> {
    let too_large = |what: String| {
        StepError::new(
            ErrorKind::BodyTooLarge,
            format!("{what}, over the limit of {limit} bytes (`defaults.max_body_bytes`)"),
        )
    };
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if let Some(length) = declared.filter(|length| *length > limit) {
        return Err(too_large(format!("the response body is {length} bytes")));
    }
    match Limited::new(body, limit as usize).collect().await {
        // A copy, so the body does not pin hyper's whole read buffer: a run keeps every
        // response for later references, and pinned buffers cost a fresh allocation each.
        Ok(collected) => {
            let trailers = collected.trailers().map(unpinned).unwrap_or_default();
            Ok((Bytes::copy_from_slice(&collected.to_bytes()), trailers))
        }
        Err(err) if err.is::<http_body_util::LengthLimitError>() => Err(too_large("the response body went on".into())),
        Err(err) => match err.downcast::<hyper::Error>() {
            Ok(err) => Err(protocol_error(&err)),
            Err(err) => Err(StepError::new(ErrorKind::Protocol, format!("reading the body failed: {err}"))),
        },
    }
}

/// A copy of `headers` that owns its bytes. hyper's header values are slices of its read
/// buffer; a run keeps every response for later references, so holding those slices would
/// pin a whole buffer per step (and make hyper allocate, and the kernel zero, a new one).
fn unpinned(headers: &HeaderMap) -> HeaderMap {
    let mut copy = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let mut owned = HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        owned.set_sensitive(value.is_sensitive());
        copy.append(name.clone(), owned);
    }
    copy
}

/// The request for the next hop of a redirect, as browsers and curl do it.
fn redirected(mut request: Outgoing, status: StatusCode, next: Url) -> Outgoing {
    let keeps_method = matches!(status, StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT);
    if !keeps_method && request.method != Method::HEAD {
        request.method = Method::GET;
        request.body = Bytes::new();
        request.headers.remove(header::CONTENT_TYPE);
        request.headers.remove(header::CONTENT_LENGTH);
    }
    if next.origin() != request.url.origin() {
        request.headers.remove(header::AUTHORIZATION);
        request.headers.remove(header::COOKIE);
    }
    request.headers.remove(header::HOST);
    request.url = next;
    request
}
