//! Outgoing HTTP through `wasi:http/outgoing-handler`. The host lets a request through only to
//! the hosts the plugin's manifest grants (and the host of its own `url` / `webhook_url`
//! setting); any other is refused before a connection is made.

use wasip2::http::outgoing_handler;
use wasip2::http::types::{ErrorCode, Fields, IncomingBody, Method, OutgoingBody, OutgoingRequest, Scheme};
use wasip2::io::streams::StreamError;

use crate::notifier::DeliveryError;

/// At most this much of a response body is read.
const MAX_BODY: usize = 1 << 20;

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Response {
    /// `Ok` for a 2xx; otherwise an error naming the status and the start of the body, worth
    /// retrying for a 5xx, 408 or 429.
    pub fn ok(self) -> Result<(), DeliveryError> {
        if (200..300).contains(&self.status) {
            return Ok(());
        }
        let body = String::from_utf8_lossy(&self.body[..self.body.len().min(200)]).into_owned();
        let message = format!("the server answered {}: {}", self.status, body.trim());
        let retry = self.status >= 500 || self.status == 408 || self.status == 429;
        Err(DeliveryError { message, retry })
    }
}

/// POSTs `body` as JSON.
pub fn post_json(url: &str, headers: &[(&str, &str)], body: &serde_json::Value) -> Result<Response, DeliveryError> {
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    request("POST", url, &all, body.to_string().as_bytes())
}

/// POSTs `fields` as an `application/x-www-form-urlencoded` form.
pub fn post_form(url: &str, headers: &[(&str, &str)], fields: &[(&str, &str)]) -> Result<Response, DeliveryError> {
    let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
    let mut all = vec![("content-type", "application/x-www-form-urlencoded")];
    all.extend_from_slice(headers);
    request("POST", url, &all, body.as_bytes())
}

/// An `Authorization` value for HTTP Basic authentication.
pub fn basic_auth(user: &str, password: &str) -> String {
    use base64::Engine;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

/// What a path segment escapes: everything but RFC 3986's unreserved characters.
const SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// `text` escaped to sit in a URL path as one segment (`!room:example.org` →
/// `%21room%3Aexample.org`).
pub fn path_segment(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, SEGMENT).to_string()
}

/// `base` (a configured address, maybe with a trailing `/`) joined with `path`.
pub fn join(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
}

/// Sends one request and reads the response (up to 1 MiB of body).
pub fn request(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Result<Response, DeliveryError> {
    let (scheme, authority, path) = split(url)?;
    let fields = Fields::new();
    let length = body.len().to_string();
    // A length rather than a chunked body: what every provider's API expects.
    let sized = (!body.is_empty() || method != "GET").then_some(("content-length", length.as_str()));
    for (name, value) in headers.iter().copied().chain(sized) {
        fields.append(name, value.as_bytes()).map_err(|e| DeliveryError::fatal(format!("header `{name}`: {e:?}")))?;
    }
    let outgoing = OutgoingRequest::new(fields);
    let method = match method {
        "GET" => Method::Get,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "PATCH" => Method::Patch,
        "DELETE" => Method::Delete,
        other => Method::Other(other.to_string()),
    };
    let invalid = |what: &str| DeliveryError::fatal(format!("`{url}`: invalid {what}"));
    outgoing.set_method(&method).map_err(|_| invalid("method"))?;
    outgoing.set_scheme(Some(&scheme)).map_err(|_| invalid("scheme"))?;
    outgoing.set_authority(Some(authority)).map_err(|_| invalid("host"))?;
    outgoing.set_path_with_query(Some(path)).map_err(|_| invalid("path"))?;
    let outgoing_body = outgoing.body().map_err(|_| DeliveryError::fatal("the request body is unavailable"))?;
    let pending = outgoing_handler::handle(outgoing, None).map_err(|e| failure(url, e))?;
    {
        let stream = outgoing_body.write().map_err(|_| DeliveryError::fatal("the request body is unavailable"))?;
        for chunk in body.chunks(4096) {
            stream.blocking_write_and_flush(chunk).map_err(|e| DeliveryError::retry(format!("sending: {e:?}")))?;
        }
    }
    OutgoingBody::finish(outgoing_body, None).map_err(|e| failure(url, e))?;
    pending.subscribe().block();
    let incoming = match pending.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(error))) => return Err(failure(url, error)),
        Some(Err(())) | None => return Err(DeliveryError::retry(format!("{url}: no response"))),
    };
    let status = incoming.status();
    let body = incoming.consume().map_err(|_| DeliveryError::retry("the response body is unavailable"))?;
    Ok(Response { status, body: read(&body)? })
}

fn read(body: &IncomingBody) -> Result<Vec<u8>, DeliveryError> {
    let stream = body.stream().map_err(|_| DeliveryError::retry("the response body is unavailable"))?;
    let mut read = Vec::new();
    while read.len() < MAX_BODY {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => read.extend_from_slice(&chunk),
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(DeliveryError::retry(format!("reading the response: {}", e.to_debug_string())));
            }
        }
    }
    Ok(read)
}

fn failure(url: &str, error: ErrorCode) -> DeliveryError {
    match error {
        ErrorCode::HttpRequestDenied => {
            DeliveryError::fatal(format!("{url}: refused by the host (not a host this plugin may reach)"))
        }
        ErrorCode::HttpRequestUriInvalid => DeliveryError::fatal(format!("{url}: invalid URL")),
        ErrorCode::DnsError(_) | ErrorCode::DnsTimeout => {
            DeliveryError::retry(format!("{url}: the name did not resolve"))
        }
        ErrorCode::ConnectionRefused => DeliveryError::retry(format!("{url}: connection refused")),
        ErrorCode::ConnectionTimeout => DeliveryError::retry(format!("{url}: no connection (timed out)")),
        ErrorCode::ConnectionReadTimeout | ErrorCode::HttpResponseTimeout => {
            DeliveryError::retry(format!("{url}: no answer (timed out)"))
        }
        ErrorCode::TlsCertificateError => {
            DeliveryError::retry(format!("{url}: the server's certificate is not trusted"))
        }
        other => DeliveryError::retry(format!("{url}: {other}")),
    }
}

/// `https://host:port/path?query` as scheme, authority and path with query.
fn split(url: &str) -> Result<(Scheme, &str, &str), DeliveryError> {
    let bad = || DeliveryError::fatal(format!("`{url}` is not an http(s) URL"));
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        _ => return Err(bad()),
    };
    let cut = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(cut);
    if authority.is_empty() || authority.contains('@') {
        return Err(bad());
    }
    Ok((scheme, authority, if path.is_empty() { "/" } else { path }))
}
