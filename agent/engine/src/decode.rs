//! Decompressing response bodies (gzip, deflate, br) without letting them grow past the cap.

use std::io::Read;

use bytes::Bytes;
use http::{HeaderMap, header};

use skopos_core::report::{ErrorKind, StepError};

/// The `Accept-Encoding` Skopos sends unless a step sets its own.
pub const ACCEPT_ENCODING: &str = "gzip, deflate, br";

pub fn decode_body(headers: &HeaderMap, raw: Bytes, limit: u64) -> Result<Bytes, StepError> {
    let Some(encoding) = headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()) else {
        return Ok(raw);
    };
    let encoding = encoding.trim().to_ascii_lowercase();
    let decoded = match encoding.as_str() {
        "" | "identity" => return Ok(raw),
        "gzip" | "x-gzip" => read_capped(flate2::read::MultiGzDecoder::new(&raw[..]), limit),
        "deflate" => read_capped(flate2::read::ZlibDecoder::new(&raw[..]), limit)
            .or_else(|_| read_capped(flate2::read::DeflateDecoder::new(&raw[..]), limit)),
        "br" => read_capped(brotli_decompressor::Decompressor::new(&raw[..], 8192), limit),
        // An encoding we do not know: keep the bytes as they came.
        _ => return Ok(raw),
    };
    match decoded {
        Ok(Some(body)) => Ok(Bytes::from(body)),
        Ok(None) => Err(StepError::new(
            ErrorKind::BodyTooLarge,
            format!(
                "the {encoding} response body decompresses to more than the limit of {limit} bytes (`defaults.max_body_bytes`)"
            ),
        )),
        Err(err) => {
            Err(StepError::new(ErrorKind::Protocol, format!("the {encoding} response body cannot be decoded: {err}")))
        }
    }
}

/// Reads at most `limit` bytes; `None` when there is more.
fn read_capped(reader: impl Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    reader.take(limit + 1).read_to_end(&mut out)?;
    Ok((out.len() as u64 <= limit).then_some(out))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn headers(encoding: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_ENCODING, encoding.parse().unwrap());
        headers
    }

    fn gzip(data: &[u8]) -> Bytes {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        Bytes::from(encoder.finish().unwrap())
    }

    #[test]
    fn gzip_and_deflate_are_decoded() {
        assert_eq!(decode_body(&headers("gzip"), gzip(b"hello"), 100).unwrap(), "hello");
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        zlib.write_all(b"zlib body").unwrap();
        let raw = Bytes::from(zlib.finish().unwrap());
        assert_eq!(decode_body(&headers("deflate"), raw, 100).unwrap(), "zlib body");
        assert_eq!(decode_body(&HeaderMap::new(), Bytes::from("plain"), 100).unwrap(), "plain");
    }

    #[test]
    fn decompression_bombs_hit_the_cap() {
        let raw = gzip(&vec![b'a'; 1_000_000]);
        assert!(raw.len() < 10_000);
        let err = decode_body(&headers("gzip"), raw, 1000).unwrap_err();
        assert_eq!(err.kind, ErrorKind::BodyTooLarge);
    }

    #[test]
    fn corrupt_bodies_are_protocol_errors() {
        let err = decode_body(&headers("gzip"), Bytes::from("not gzip"), 100).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Protocol);
        assert!(err.message.starts_with("the gzip response body cannot be decoded"), "{}", err.message);
    }
}
