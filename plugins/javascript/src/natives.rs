//! What the prelude asks of Rust: hashes and HMACs (for `CryptoJS`), Base64 and UTF-8
//! conversions, XML to JSON (`xml2Json`), and HTTP (`pm.sendRequest`). Bytes cross as hex text.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use boa_engine::{Context, JsError, JsNativeError, JsResult, JsValue, NativeFunction, js_string};
use hmac::{Hmac, Mac};
use sha2::Digest;

mod xml;

type Native = fn(&JsValue, &[JsValue], &mut Context) -> JsResult<JsValue>;

pub fn register(context: &mut Context) -> JsResult<()> {
    let natives: [(&str, usize, Native); 9] = [
        ("__digest", 2, digest),
        ("__hmac", 3, hmac),
        ("__utf8ToHex", 1, utf8_to_hex),
        ("__hexToUtf8", 1, hex_to_utf8),
        ("__hexToBase64", 1, hex_to_base64),
        ("__base64ToHex", 1, base64_to_hex),
        ("__xmlToJson", 1, xml_to_json),
        ("__send", 1, send),
        ("__now", 0, now),
    ];
    for (name, length, function) in natives {
        context.register_global_builtin_callable(js_string!(name), length, NativeFunction::from_fn_ptr(function))?;
    }
    Ok(())
}

fn text(args: &[JsValue], at: usize, context: &mut Context) -> JsResult<String> {
    Ok(args.get(at).cloned().unwrap_or_default().to_string(context)?.to_std_string_escaped())
}

fn string(text: String) -> JsValue {
    JsValue::from(js_string!(text))
}

fn type_error(message: impl Into<String>) -> JsError {
    JsNativeError::typ().with_message(message.into()).into()
}

fn unhex(text: &str) -> JsResult<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return Err(type_error("odd hex length"));
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).map_err(|_| type_error("not hex")))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn digest_of(algorithm: &str, bytes: &[u8]) -> JsResult<Vec<u8>> {
    Ok(match algorithm {
        "MD5" => md5::Md5::digest(bytes).to_vec(),
        "SHA1" => sha1::Sha1::digest(bytes).to_vec(),
        "SHA224" => sha2::Sha224::digest(bytes).to_vec(),
        "SHA256" => sha2::Sha256::digest(bytes).to_vec(),
        "SHA384" => sha2::Sha384::digest(bytes).to_vec(),
        "SHA512" => sha2::Sha512::digest(bytes).to_vec(),
        other => return Err(type_error(format!("no hash {other}"))),
    })
}

/// `__digest(algorithm, hex)`: the hash, as hex.
fn digest(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let algorithm = text(args, 0, context)?;
    let bytes = unhex(&text(args, 1, context)?)?;
    Ok(string(hex(&digest_of(&algorithm, &bytes)?)))
}

fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// `__hmac(algorithm, messageHex, keyHex)`: the HMAC, as hex.
fn hmac(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let algorithm = text(args, 0, context)?;
    let message = unhex(&text(args, 1, context)?)?;
    let key = unhex(&text(args, 2, context)?)?;
    let code = match algorithm.as_str() {
        "MD5" => mac::<Hmac<md5::Md5>>(&key, &message),
        "SHA1" => mac::<Hmac<sha1::Sha1>>(&key, &message),
        "SHA224" => mac::<Hmac<sha2::Sha224>>(&key, &message),
        "SHA256" => mac::<Hmac<sha2::Sha256>>(&key, &message),
        "SHA384" => mac::<Hmac<sha2::Sha384>>(&key, &message),
        "SHA512" => mac::<Hmac<sha2::Sha512>>(&key, &message),
        other => return Err(type_error(format!("no HMAC {other}"))),
    };
    Ok(string(hex(&code)))
}

fn utf8_to_hex(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    Ok(string(hex(text(args, 0, context)?.as_bytes())))
}

fn hex_to_utf8(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let bytes = unhex(&text(args, 0, context)?)?;
    Ok(string(String::from_utf8(bytes).map_err(|_| type_error("Malformed UTF-8 data"))?))
}

fn hex_to_base64(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    Ok(string(STANDARD.encode(unhex(&text(args, 0, context)?)?)))
}

fn base64_to_hex(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let text: String = text(args, 0, context)?.chars().filter(|c| !c.is_whitespace()).collect();
    let padded = format!("{text}{}", "=".repeat((4 - text.len() % 4) % 4));
    let bytes = STANDARD.decode(padded.trim_end_matches("====")).map_err(|e| type_error(e.to_string()))?;
    Ok(string(hex(&bytes)))
}

/// `__xmlToJson(text)`: JSON text of the document the way Postman's `xml2Json` shapes it.
fn xml_to_json(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let document = xml::to_json(&text(args, 0, context)?).map_err(type_error)?;
    Ok(string(document.to_string()))
}

/// `__send(requestJson)`: JSON text of `{ code, body }` or `{ error }`, through the host's
/// HTTP, which lets a request through only to the hosts of the call.
fn send(_: &JsValue, args: &[JsValue], context: &mut Context) -> JsResult<JsValue> {
    let request: serde_json::Value =
        serde_json::from_str(&text(args, 0, context)?).map_err(|e| type_error(e.to_string()))?;
    let method = request["method"].as_str().unwrap_or("GET");
    let url = request["url"].as_str().unwrap_or_default();
    let headers: Vec<(String, String)> = request["headers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|pair| Some((pair[0].as_str()?.to_string(), pair[1].as_str()?.to_string())))
        .collect();
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let body = request["body"].as_str().unwrap_or_default();
    let answer = match skopos_sdk::http::request(method, url, &headers, body.as_bytes()) {
        Ok(response) => serde_json::json!({
            "code": response.status,
            "body": String::from_utf8_lossy(&response.body),
        }),
        Err(error) => serde_json::json!({ "error": error.message }),
    };
    Ok(string(answer.to_string()))
}

/// Milliseconds since the Unix epoch (for `Date.now` in the sandbox's timers).
fn now(_: &JsValue, _: &[JsValue], _: &mut Context) -> JsResult<JsValue> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Ok(JsValue::from(now.as_millis() as f64))
}
