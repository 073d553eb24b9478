//! Response body decoding: the first byte picks the `Content-Encoding`, the rest is the body.
//! Nothing may come out larger than the cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skopos_engine::decode_body;

const LIMIT: u64 = 64 * 1024;

fuzz_target!(|input: &[u8]| {
    let Some((selector, body)) = input.split_first() else { return };
    let encoding = ["gzip", "x-gzip", "deflate", "br", "identity", "zstd"][*selector as usize % 6];
    let mut headers = http::HeaderMap::new();
    headers.insert(http::header::CONTENT_ENCODING, http::HeaderValue::from_static(encoding));
    if let Ok(decoded) = decode_body(&headers, bytes::Bytes::copy_from_slice(body), LIMIT) {
        let passed_through = matches!(encoding, "identity" | "zstd");
        assert!(passed_through || decoded.len() as u64 <= LIMIT, "{encoding}: {} bytes", decoded.len());
    }
});
