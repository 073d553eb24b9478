//! A received HTTP response, as interpolation and assertions see it.

use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use serde::Serialize;
use serde_json::Value;

/// The server certificate of the connection a response came over.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertificateInfo {
    pub subject: String,
    pub issuer: String,
    pub sans: Vec<String>,
    /// Seconds since the Unix epoch.
    pub not_after_unix: i64,
}

impl CertificateInfo {
    /// Whole days until the certificate expires (negative once expired).
    pub fn expires_in_days(&self, now_unix: i64) -> i64 {
        (self.not_after_unix - now_unix).div_euclid(86_400)
    }
}

/// The status a gRPC call ended with (`grpc-status` and `grpc-message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrpcStatus {
    pub code: u32,
    pub message: String,
}

impl GrpcStatus {
    /// The codes of `google.rpc.Code`, by number.
    pub const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];

    /// The code's name (`NOT_FOUND`), or its number when it has none.
    pub fn name(&self) -> String {
        Self::NAMES.get(self.code as usize).map_or_else(|| self.code.to_string(), |name| name.to_string())
    }

    /// The number of a code's name, in any case.
    pub fn code_of(name: &str) -> Option<u32> {
        Self::NAMES.iter().position(|known| known.eq_ignore_ascii_case(name)).map(|code| code as u32)
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    /// The decoded body (after gzip/br/deflate).
    pub body: Bytes,
    /// From the first byte of the request to the last byte of the body.
    pub latency: Duration,
    pub certificate: Option<CertificateInfo>,
    /// The step's `captures`, by name: the value, or why there is none.
    pub captures: Vec<(String, Result<Value, String>)>,
    /// A gRPC step's status; `None` for every other step.
    pub grpc_status: Option<GrpcStatus>,
    json: OnceLock<Option<Value>>,
}

impl Response {
    pub fn new(
        status: u16,
        headers: HeaderMap,
        body: Bytes,
        latency: Duration,
        certificate: Option<CertificateInfo>,
    ) -> Response {
        Response {
            status,
            headers,
            body,
            latency,
            certificate,
            captures: Vec::new(),
            grpc_status: None,
            json: OnceLock::new(),
        }
    }

    /// The body parsed as JSON, or `None` when it is not JSON. Parsed once, on first use.
    pub fn json(&self) -> Option<&Value> {
        self.json.get_or_init(|| serde_json::from_slice(&self.body).ok()).as_ref()
    }

    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// Every value of a header (case-insensitive), joined by ", " as HTTP allows.
    pub fn header(&self, name: &str) -> Option<String> {
        let mut values = self.header_values(name);
        let first = values.next()?;
        Some(values.fold(first.into_owned(), |joined, next| joined + ", " + &next))
    }

    /// A header as filters read it: its value, or the list of its values when it was sent
    /// several times (so `nth`, `first`, `last` and `count` pick among them, as in Hurl).
    pub fn header_for_filters(&self, name: &str) -> Option<Value> {
        let mut values: Vec<Value> = self.header_values(name).map(|v| Value::String(v.into_owned())).collect();
        match values.len() {
            0 => None,
            1 => values.pop(),
            _ => Some(Value::Array(values)),
        }
    }

    /// Each value of a header sent several times, in order.
    pub fn header_values<'a>(&'a self, name: &str) -> impl Iterator<Item = Cow<'a, str>> {
        self.headers.get_all(name).iter().map(|value| String::from_utf8_lossy(value.as_bytes()))
    }

    pub fn latency_ms(&self) -> f64 {
        self.latency.as_secs_f64() * 1000.0
    }
}

/// The first `max` characters of `text`.
pub fn prefix(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

/// The first `max` characters of `text`, marked when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}… ({} bytes in all)", &text[..cut], text.len()),
        None => text.to_string(),
    }
}

/// A short one-line excerpt for messages: whitespace runs become one space.
pub fn snippet(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    excerpt(&flat, max)
}
