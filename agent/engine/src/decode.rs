//! Decompressing response bodies (gzip, deflate, br) without letting them grow past the cap.

use std::io::Read;

use bytes::Bytes;
use http::{HeaderMap, header};

use skopos_core::report::{ErrorKind, StepError};

/// The `Accept-Encoding` Skopos sends unless a step sets its own.
pub const ACCEPT_ENCODING: &str = "gzip, deflate, br";

pub fn decode_body(headers: &HeaderMap, raw: Bytes, limit: u64) -> Result<Bytes, StepError> {
    // `Content-Encoding: gzip, br` (or one header per coding) lists the codings in the order
    // they were applied: undone last first. `identity` changes nothing.
    let codings: Vec<String> = headers
        .get_all(header::CONTENT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|coding| coding.trim().to_ascii_lowercase())
        .filter(|coding| !coding.is_empty() && coding != "identity")
        .collect();
    let mut body = raw;
    for encoding in codings.iter().rev() {
        let decoded = match encoding.as_str() {
            "gzip" | "x-gzip" => read_capped(flate2::read::MultiGzDecoder::new(&body[..]), limit),
            "deflate" => read_capped(flate2::read::ZlibDecoder::new(&body[..]), limit)
                .or_else(|_| read_capped(flate2::read::DeflateDecoder::new(&body[..]), limit)),
            "br" => read_capped(brotli_decompressor::Decompressor::new(&body[..], 8192), limit),
            // An encoding we do not know: keep the bytes as they are from here.
            _ => return Ok(body),
        };
        body = match decoded {
            Ok(Some(decoded)) => Bytes::from(decoded),
            Ok(None) => {
                return Err(StepError::new(
                    ErrorKind::BodyTooLarge,
                    format!(
                        "the {encoding} response body decompresses to more than the limit of {limit} bytes (`defaults.max_body_bytes`)"
                    ),
                ));
            }
            Err(err) => {
                return Err(StepError::new(
                    ErrorKind::Protocol,
                    format!("the {encoding} response body cannot be decoded: {err}"),
                ));
            }
        };
    }
    Ok(body)
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

    /// A list of codings, found in Hurl's own suite (`br, identity`), is undone last first.
    #[test]
    fn a_list_of_codings_is_undone_in_reverse() {
        assert_eq!(decode_body(&headers("gzip, identity"), gzip(b"listed"), 100).unwrap(), "listed");
        assert_eq!(decode_body(&headers("identity, gzip"), gzip(b"listed"), 100).unwrap(), "listed");
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        zlib.write_all(&gzip(b"twice")).unwrap();
        let twice = Bytes::from(zlib.finish().unwrap());
        assert_eq!(decode_body(&headers("gzip, deflate"), twice.clone(), 100).unwrap(), "twice");
        let mut two_headers = headers("gzip");
        two_headers.append(header::CONTENT_ENCODING, "deflate".parse().unwrap());
        assert_eq!(decode_body(&two_headers, twice, 100).unwrap(), "twice");
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
