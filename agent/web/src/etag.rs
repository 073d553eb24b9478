//! Conditional GETs, for every reply that carries an `ETag` (followers' definitions, status
//! pages, badges): the tag is a hash of the body (SHA-256, so it stays the same across
//! restarts and builds), and a request whose `If-None-Match` already holds it gets a bodiless
//! `304 Not Modified`.

use bytes::Bytes;
use sha2::{Digest, Sha256};
use warp::http::{HeaderValue, StatusCode, header};
use warp::reply::Response;

/// The strong validator of `body`: its SHA-256, the first 16 bytes in hex, quoted.
pub fn of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", digest[..16].iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// `body` with its `etag`, or `304` without it when `if_none_match` is that tag.
pub fn reply(body: Bytes, etag: &str, if_none_match: Option<&str>) -> Response {
    let mut reply = if if_none_match == Some(etag) {
        let mut reply = Response::new(Default::default());
        *reply.status_mut() = StatusCode::NOT_MODIFIED;
        reply
    } else {
        Response::new(body.into())
    };
    if let Ok(etag) = HeaderValue::from_str(etag) {
        reply.headers_mut().insert(header::ETAG, etag);
    }
    reply
}
