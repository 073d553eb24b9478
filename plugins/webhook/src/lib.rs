//! `webhook`: POSTs the alert as JSON (the same document the API shows) to `url`, with
//! optional `headers`. With a `secret`, the body is signed: `X-Skopos-Signature:
//! sha256=<hex HMAC-SHA256 of the exact body bytes, keyed with the secret>`, so the receiver
//! can check the request came from its Skopos agent.
//!
//! ```yaml
//! notify:
//!   - plugin: webhook
//!     config: { url: "https://ops.example.com/hooks/skopos", secret: "@{{env.HOOK_SECRET}}" }
//! ```

use hmac::{Hmac, Mac};
use sha2::Sha256;
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info};

const SCHEMA: &str = r#"{"type":"object","required":["url"],"additionalProperties":false,
"properties":{"url":{"type":"string","format":"uri"},"secret":{"type":"string"},
"headers":{"type":"object","additionalProperties":{"type":"string"}}}}"#;

const SIGNATURE_HEADER: &str = "x-skopos-signature";

struct Webhook;

impl Guest for Webhook {
    fn describe() -> Info {
        skopos_sdk::info!("webhook", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        for key in config.keys() {
            if !["url", "secret", "headers"].contains(&key.as_str()) {
                return Err(DeliveryError::fatal(format!(
                    "config.{key}: unknown setting (known: url, secret, headers)"
                )));
            }
        }
        let url = skopos_sdk::setting(&config, "url")?;
        let mut headers: Vec<(String, String)> = vec![("content-type".into(), "application/json".into())];
        if let Some(extra) = config.get("headers") {
            let extra = extra.as_object().ok_or_else(|| DeliveryError::fatal("config.headers: expected an object"))?;
            for (name, value) in extra {
                let value = value
                    .as_str()
                    .ok_or_else(|| DeliveryError::fatal(format!("config.headers.{name}: expected a string")))?;
                headers.push((name.clone(), value.to_string()));
            }
        }
        let body = alert.json.into_bytes();
        if config.contains_key("secret") {
            let secret = skopos_sdk::setting(&config, "secret")?;
            headers.push((SIGNATURE_HEADER.into(), format!("sha256={}", sign(secret.as_bytes(), &body))));
        }
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        skopos_sdk::http::request("POST", url, &headers, &body)?.ok()
    }
}

fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect()
}

skopos_sdk::export_notifier!(Webhook);
