//! Turning a planned step into the request to send, and both into what reports record.

use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Version, header};
use url::Url;

use super::decode::ACCEPT_ENCODING;
use super::http::Outgoing;
use skopos_core::interpolate::{ResolveError, Scope, Secrets};
use skopos_core::plan::{PlannedAuth, PlannedBody, PlannedPart, PlannedStep};
use skopos_core::report::{ErrorKind, ReceivedResponse, SentRequest, StepError};
use skopos_core::response::{Response, excerpt, prefix};

const USER_AGENT: &str = concat!("skopos/", env!("CARGO_PKG_VERSION"));
/// How much of a request body reports keep.
const RECORDED_BODY_CHARS: usize = 64 * 1024;
/// How much of a response body reports keep: all of it that matters on a failed step, a
/// glimpse on a passing one (a long run keeps every step's report in memory).
pub const FAILED_STEP_BODY_CHARS: usize = 64 * 1024;
pub const PASSED_STEP_BODY_CHARS: usize = 4 * 1024;

/// A rendered request, and the OAuth2 grant still to exchange for a token, if any.
pub struct Rendered {
    pub outgoing: Outgoing,
    pub oauth2: Option<Grant>,
    /// The `Authorization` header came from `auth` and is recorded masked.
    pub auth_header: bool,
    /// `request.cookies`, rendered: sent after the jar's.
    pub cookies: Vec<(String, String)>,
}

/// OAuth2 client-credentials parameters after interpolation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Grant {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub scope: Option<String>,
}

pub(crate) fn reference_error(error: ResolveError, step: &PlannedStep) -> StepError {
    StepError::new(ErrorKind::Reference, format!("{}: {error}", step.label))
}

/// The `user:password` of a URL, percent-decoded, taken out of it (it is not sent as written).
fn take_credentials(url: &mut Url) -> Option<String> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |text: &str| percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned();
    let credentials = format!("{}:{}", decode(url.username()), decode(url.password().unwrap_or("")));
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Some(credentials)
}

enum PartError {
    Reference(ResolveError),
    File(String),
}

/// A boundary no part is likely to hold: unique per request in this process.
fn boundary() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    format!("skopos-{nanos:016x}{:08x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A `multipart/form-data` body (RFC 7578): each text field, and each file's bytes, read now.
fn multipart(parts: &[(String, PlannedPart)], boundary: &str, scope: &mut Scope) -> Result<Bytes, PartError> {
    // Names in quotes, as browsers write them (WHATWG's multipart/form-data encoding).
    let quoted = |text: &str| text.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A");
    let mut body = Vec::new();
    for (name, part) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match part {
            PlannedPart::Text(template) => {
                let text = scope.render(template).map_err(PartError::Reference)?;
                let head = format!("Content-Disposition: form-data; name=\"{}\"\r\n\r\n", quoted(name));
                body.extend_from_slice(head.as_bytes());
                body.extend_from_slice(text.as_bytes());
            }
            PlannedPart::File { path, filename, content_type } => {
                let bytes = std::fs::read(path)
                    .map_err(|e| PartError::File(format!("the file `{}` cannot be read: {e}", path.display())))?;
                let head = format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {content_type}\r\n\r\n",
                    quoted(name),
                    quoted(filename)
                );
                body.extend_from_slice(head.as_bytes());
                body.extend_from_slice(&bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok(Bytes::from(body))
}

pub fn render(step: &PlannedStep, scope: &mut Scope) -> Result<Rendered, StepError> {
    let fail = |e| reference_error(e, step);
    let invalid = |message: String| StepError::new(ErrorKind::InvalidRequest, message);
    let text = scope.render(&step.url).map_err(fail)?;
    let mut url =
        Url::parse(&text).map_err(|e| invalid(format!("the URL `{}` is not valid: {e}", scope.secrets.mask(&text))))?;
    if !step.query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (name, value) in &step.query {
            pairs.append_pair(name, &scope.render(value).map_err(fail)?);
        }
    }
    let mut headers = HeaderMap::with_capacity(step.headers.len() + 4);
    let credentials = take_credentials(&mut url);
    for (name, value) in &step.headers {
        let text = scope.render(value).map_err(fail)?;
        // UTF-8 goes out as its bytes, as curl sends it (RFC 9110 allows bytes above 0x7F).
        let value = HeaderValue::from_bytes(text.as_bytes()).map_err(|_| {
            invalid(format!("header `{name}` has a value that cannot be sent: `{}`", scope.secrets.mask(&text)))
        })?;
        headers.insert(name.clone(), value);
    }
    let (body, content_type) = match &step.body {
        PlannedBody::None => (Bytes::new(), None),
        PlannedBody::Json(template) | PlannedBody::GraphQl(template) => {
            let value = scope.render_json(template).map_err(fail)?;
            (Bytes::from(serde_json::to_vec(&value).expect("JSON values serialize")), Some("application/json"))
        }
        PlannedBody::Text(template) => {
            (Bytes::from(scope.render(template).map_err(fail)?.into_owned()), Some("text/plain; charset=utf-8"))
        }
        PlannedBody::Form(fields) => {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            for (name, value) in fields {
                form.append_pair(name, &scope.render(value).map_err(fail)?);
            }
            (Bytes::from(form.finish()), Some("application/x-www-form-urlencoded"))
        }
        PlannedBody::Multipart(parts) => {
            let boundary = boundary();
            let body = multipart(parts, &boundary, scope).map_err(|error| match error {
                PartError::Reference(error) => fail(error),
                PartError::File(message) => invalid(message),
            })?;
            let content_type = format!("multipart/form-data; boundary={boundary}");
            headers.entry(header::CONTENT_TYPE).or_insert(header_value(&content_type)?);
            (body, None)
        }
    };
    if let Some(content_type) = content_type {
        headers.entry(header::CONTENT_TYPE).or_insert(HeaderValue::from_static(content_type));
    }
    headers.entry(header::USER_AGENT).or_insert(HeaderValue::from_static(USER_AGENT));
    headers.entry(header::ACCEPT).or_insert(HeaderValue::from_static("*/*"));
    headers.entry(header::ACCEPT_ENCODING).or_insert(HeaderValue::from_static(ACCEPT_ENCODING));

    let mut oauth2 = None;
    let mut auth_header = false;
    // `http://user:password@host/` is sent with Basic auth, as curl and browsers send it,
    // unless the step sets its own `Authorization`.
    if let Some(credentials) = credentials.filter(|_| !headers.contains_key(header::AUTHORIZATION)) {
        let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
        scope.secrets.add(&encoded);
        headers.insert(header::AUTHORIZATION, header_value(&format!("Basic {encoded}"))?);
        auth_header = true;
    }
    match &step.auth {
        None => {}
        Some(PlannedAuth::Basic { user, password }) => {
            let credentials =
                format!("{}:{}", scope.render(user).map_err(fail)?, scope.render(password).map_err(fail)?);
            let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
            // Encoded, the credentials no longer match the secrets they were made of.
            scope.secrets.add(&encoded);
            headers.insert(header::AUTHORIZATION, header_value(&format!("Basic {encoded}"))?);
            auth_header = true;
        }
        Some(PlannedAuth::Bearer(token)) => {
            let token = scope.render(token).map_err(fail)?;
            headers.insert(header::AUTHORIZATION, header_value(&format!("Bearer {token}"))?);
            auth_header = true;
        }
        Some(PlannedAuth::OAuth2 { token_url, client_id, client_secret, scope: wanted }) => {
            let client_secret = scope.render(client_secret).map_err(fail)?.into_owned();
            scope.secrets.add(&client_secret);
            oauth2 = Some(Grant {
                token_url: scope.render(token_url).map_err(fail)?.into_owned(),
                client_id: scope.render(client_id).map_err(fail)?.into_owned(),
                client_secret,
                scope: wanted.as_ref().map(|s| scope.render(s).map(|s| s.into_owned())).transpose().map_err(fail)?,
            });
            auth_header = true;
        }
    }
    let mut cookies = Vec::with_capacity(step.cookies.len());
    for (name, value) in &step.cookies {
        cookies.push((name.clone(), scope.render(value).map_err(fail)?.into_owned()));
    }
    let outgoing = Outgoing { method: step.method.clone(), url, headers, body };
    Ok(Rendered { outgoing, oauth2, auth_header, cookies })
}

fn header_value(text: &str) -> Result<HeaderValue, StepError> {
    HeaderValue::from_str(text)
        .map_err(|_| StepError::new(ErrorKind::InvalidRequest, "the credentials cannot be sent in an HTTP header"))
}

pub fn set_bearer(outgoing: &mut Outgoing, token: &str) {
    if let Ok(value) = HeaderValue::from_str(&format!("Bearer {token}")) {
        outgoing.headers.insert(header::AUTHORIZATION, value);
    }
}

/// The request as reports show it: secrets masked, credentials from `auth` hidden.
pub fn recorded(rendered: &Rendered, secrets: &Secrets) -> SentRequest {
    let outgoing = &rendered.outgoing;
    let headers = outgoing
        .headers
        .iter()
        .map(|(name, value)| {
            let text = String::from_utf8_lossy(value.as_bytes());
            let shown = if rendered.auth_header && name == header::AUTHORIZATION {
                let scheme = text.split_once(' ').map_or("", |(scheme, _)| scheme);
                format!("{scheme} ***")
            } else {
                secrets.mask(&text).into_owned()
            };
            (name.as_str().to_string(), shown)
        })
        .collect();
    let body = (!outgoing.body.is_empty())
        .then(|| secrets.mask(&excerpt(&String::from_utf8_lossy(&outgoing.body), RECORDED_BODY_CHARS)).into_owned());
    SentRequest {
        method: outgoing.method.to_string(),
        url: secrets.mask(outgoing.url.as_str()).into_owned(),
        headers,
        body,
    }
}

/// The response as reports show it, with the first `body_chars` characters of its body.
pub fn received(
    response: &Response,
    version: Version,
    url: &Url,
    secrets: &Secrets,
    body_chars: usize,
) -> ReceivedResponse {
    let text = response.text();
    let shown = prefix(&text, body_chars);
    ReceivedResponse {
        status: response.status,
        version: format!("{version:?}"),
        headers: response
            .headers
            .iter()
            .map(|(name, value)| {
                (name.as_str().to_string(), secrets.mask(&String::from_utf8_lossy(value.as_bytes())).into_owned())
            })
            .collect(),
        body: secrets.mask(shown).into_owned(),
        body_bytes: response.body.len(),
        body_truncated: shown.len() < text.len(),
        url: secrets.mask(url.as_str()).into_owned(),
    }
}
