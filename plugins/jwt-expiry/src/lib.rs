//! `jwt-expiry`: checks a JWT found in the response (a body field or a header). It does not
//! verify the signature (the agent has no key); it checks what a monitor cares about: the
//! token is well-formed, does not expire within `min_valid_seconds`, and has the `claims`.
//!
//! ```yaml
//! - source: body
//!   op: plugin
//!   plugin: jwt-expiry
//!   value: { from: "body.access_token", min_valid_seconds: 300, claims: { iss: "https://id.example.com" } }
//! ```
//! `from` is `body.FIELD` (a top-level or dotted field of a JSON body) or `header.NAME`
//! (`Bearer ` is stripped).

use base64::Engine;
use serde_json::{Value, json};
use skopos_sdk::assertion::{Guest, Info, Response, Verdict};

const SCHEMA: &str = r#"{"type":"object","required":["from"],"additionalProperties":false,
"properties":{"from":{"type":"string","pattern":"^(body|header)\\."},
"min_valid_seconds":{"type":"integer","minimum":0},"claims":{"type":"object"}}}"#;

struct JwtExpiry;

impl Guest for JwtExpiry {
    fn describe() -> Info {
        skopos_sdk::info!("jwt-expiry", SCHEMA)
    }

    fn check(response: Response, expected: String) -> Result<Verdict, String> {
        let settings: Value = serde_json::from_str(&expected).map_err(|e| format!("value: {e}"))?;
        let from = settings["from"].as_str().ok_or("value.from: where the token is, like `body.token`")?;
        let min_valid = settings["min_valid_seconds"].as_i64().unwrap_or(0);
        let Some(token) = find_token(&response, from)? else {
            return Ok(skopos_sdk::verdict(false, &format!("no token at `{from}`"), None));
        };
        let claims = match decode_claims(&token) {
            Ok(claims) => claims,
            Err(why) => return Ok(skopos_sdk::verdict(false, &why, None)),
        };
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?.as_secs()
                as i64;
        let remaining = claims["exp"].as_i64().map(|exp| exp - now);
        let actual = json!({ "expires_in_seconds": remaining, "claims": claims });
        if let Some(remaining) = remaining.filter(|r| *r < min_valid) {
            let why = format!("the token expires in {remaining} s, wanted at least {min_valid} s");
            return Ok(skopos_sdk::verdict(false, &why, Some(actual)));
        }
        for (name, wanted) in settings["claims"].as_object().into_iter().flatten() {
            if claims.get(name) != Some(wanted) {
                let why = format!("claim `{name}` is {}, wanted {wanted}", claims.get(name).unwrap_or(&Value::Null));
                return Ok(skopos_sdk::verdict(false, &why, Some(actual)));
            }
        }
        Ok(skopos_sdk::verdict(true, "", Some(actual)))
    }
}

fn find_token(response: &Response, from: &str) -> Result<Option<String>, String> {
    if let Some(name) = from.strip_prefix("header.") {
        let value = skopos_sdk::header(response, name);
        return Ok(value.map(|v| v.strip_prefix("Bearer ").unwrap_or(v).trim().to_string()));
    }
    let path = from.strip_prefix("body.").ok_or("value.from starts with `body.` or `header.`")?;
    let body: Value = match serde_json::from_slice(&response.body) {
        Ok(body) => body,
        Err(_) => return Ok(None),
    };
    let found = path.split('.').try_fold(&body, |value, key| value.get(key));
    Ok(found.and_then(Value::as_str).map(str::to_string))
}

fn decode_claims(token: &str) -> Result<Value, String> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(format!("not a JWT: {} part(s), not 3", parts.len()));
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[1].trim_end_matches('='))
        .map_err(|e| format!("the JWT payload is not base64url: {e}"))?;
    let claims: Value = serde_json::from_slice(&bytes).map_err(|e| format!("the JWT payload is not JSON: {e}"))?;
    if claims.is_object() { Ok(claims) } else { Err("the JWT payload is not a JSON object".into()) }
}

skopos_sdk::export_assertion!(JwtExpiry);
