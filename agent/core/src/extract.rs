//! Reading a part of a response: the one place where assertions (`source` and `property`)
//! and references (`@{{login.body.token}}`) take values out of a response. Each caller says
//! in its own words what was missing.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::cookie::CookieQuery;
use crate::path::{Found, PropertyPath};
use crate::response::Response;
use crate::xpath::{Found as XPathFound, XPathQuery};

/// A part of a response.
#[derive(Debug, Clone)]
pub enum Part {
    Status,
    /// Whole milliseconds from sending the request to the last body byte.
    Latency,
    /// Body bytes after decoding.
    Size,
    /// The body as text.
    Text,
    /// The JSON body (the text when it is not JSON), or what a path selects in it.
    Body(Option<PropertyPath>),
    /// A header, by lower-case name.
    Header(String),
    /// A field of the server's leaf certificate.
    Certificate(CertificateField),
    /// A cookie the response sets, or one of its attributes.
    Cookie(CookieQuery),
    /// A value the step captured (`captures`), by name.
    Capture(String),
    /// An XPath expression on an XML body.
    XPath(XPathQuery),
    /// A gRPC step's status code, or (`true`) its message.
    GrpcStatus {
        message: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateField {
    ExpiresInDays,
    Issuer,
    Subject,
    Sans,
}

impl CertificateField {
    pub const NAMES: [&str; 4] = ["expires_in_days", "issuer", "subject", "sans"];

    pub fn parse(name: &str) -> Option<CertificateField> {
        Some(match name {
            "expires_in_days" => CertificateField::ExpiresInDays,
            "issuer" => CertificateField::Issuer,
            "subject" => CertificateField::Subject,
            "sans" => CertificateField::Sans,
            _ => return None,
        })
    }
}

/// What a part of a response holds.
#[derive(Debug)]
pub enum Extracted<'a> {
    /// A part that is always there: status, latency, size, the body, a certificate field.
    Value(Value),
    /// A header's value (its first, when sent several times) and how many times it was sent.
    Header { value: Option<String>, count: usize },
    /// What a path found in the JSON body `document`.
    Path { found: Found<'a>, document: &'a Value },
    /// A path into a body that is not JSON.
    NotJson,
    /// A certificate field, on a connection without TLS.
    NoCertificate,
    /// A cookie, attribute or capture that is not there, and what is missing.
    Missing(String),
    /// The string values of the nodes an XPath expression matched.
    Nodes(Vec<String>),
}

impl Part {
    pub fn extract<'a>(&self, response: &'a Response) -> Extracted<'a> {
        match self {
            Part::Status => Extracted::Value(Value::from(response.status)),
            Part::Latency => Extracted::Value(Value::from(response.latency.as_millis() as u64)),
            Part::Size => Extracted::Value(Value::from(response.body.len())),
            Part::Text => Extracted::Value(Value::String(response.text().into_owned())),
            Part::Body(None) => Extracted::Value(match response.json() {
                Some(json) => json.clone(),
                None => Value::String(response.text().into_owned()),
            }),
            Part::Body(Some(path)) => match response.json() {
                Some(document) => Extracted::Path { found: path.find(document), document },
                None => Extracted::NotJson,
            },
            Part::Header(name) => Extracted::Header {
                value: response.header(name),
                count: response.headers.get_all(name.as_str()).iter().count(),
            },
            Part::Capture(name) => match response.captures.iter().find(|(captured, _)| captured == name) {
                Some((_, Ok(value))) => Extracted::Value(value.clone()),
                Some((_, Err(why))) => Extracted::Missing(format!("capture `{name}`: {why}")),
                None => Extracted::Missing(format!("the step captures no `{name}`")),
            },
            Part::XPath(query) => match query.evaluate(&response.text()) {
                Ok(XPathFound::Nodes(nodes)) => Extracted::Nodes(nodes),
                Ok(XPathFound::Value(value)) => Extracted::Value(value),
                Err(why) => Extracted::Missing(why),
            },
            Part::Cookie(query) => match query.read(&response.headers) {
                Ok(value) => Extracted::Value(value),
                Err(missing) => Extracted::Missing(missing),
            },
            Part::GrpcStatus { message } => match &response.grpc_status {
                None => Extracted::Missing("no gRPC status (the step is not a gRPC call)".into()),
                Some(status) if *message => Extracted::Value(Value::String(status.message.clone())),
                Some(status) => Extracted::Value(Value::from(status.code)),
            },
            Part::Certificate(field) => {
                let Some(certificate) = &response.certificate else { return Extracted::NoCertificate };
                Extracted::Value(match field {
                    CertificateField::ExpiresInDays => {
                        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
                        Value::from(certificate.expires_in_days(now as i64))
                    }
                    CertificateField::Issuer => Value::String(certificate.issuer.clone()),
                    CertificateField::Subject => Value::String(certificate.subject.clone()),
                    CertificateField::Sans => Value::from(certificate.sans.clone()),
                })
            }
        }
    }
}
