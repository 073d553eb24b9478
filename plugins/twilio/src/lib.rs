//! `twilio`: an SMS through Twilio's Messages API
//! (`POST /2010-04-01/Accounts/{account_sid}/Messages.json`, form-encoded `To`, `From`,
//! `Body`, HTTP Basic with the account SID and auth token), one message per number in `to`.
//! The text is the short one people read on a phone, cut to 320 characters.
//!
//! ```yaml
//! notify:
//!   - plugin: twilio
//!     config: { account_sid: "@{{env.TWILIO_SID}}", auth_token: "@{{env.TWILIO_TOKEN}}",
//!               from: "+15005550006", to: ["+15551234567"] }
//! ```

use serde_json::Value;
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info};

const SCHEMA: &str = r#"{"type":"object","required":["account_sid","auth_token","from","to"],"additionalProperties":false,
"properties":{"account_sid":{"type":"string"},"auth_token":{"type":"string"},"from":{"type":"string"},
"to":{"oneOf":[{"type":"string"},{"type":"array","items":{"type":"string"},"minItems":1}]},
"url":{"type":"string","format":"uri"}}}"#;

struct Twilio;

impl Guest for Twilio {
    fn describe() -> Info {
        skopos_sdk::info!("twilio", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let sid = skopos_sdk::setting(&config, "account_sid")?;
        let auth = skopos_sdk::http::basic_auth(sid, skopos_sdk::setting(&config, "auth_token")?);
        let base = skopos_sdk::setting_or(&config, "url", "https://api.twilio.com")?;
        let path = format!("2010-04-01/Accounts/{}/Messages.json", skopos_sdk::http::path_segment(sid));
        let url = skopos_sdk::http::join(base, &path);
        let from = skopos_sdk::setting(&config, "from")?;
        let to: Vec<&str> = match config.get("to") {
            Some(Value::String(number)) => vec![number.as_str()],
            Some(Value::Array(numbers)) => numbers.iter().filter_map(Value::as_str).collect(),
            _ => return Err(DeliveryError::fatal("config.to: a phone number or a list of them")),
        };
        let text = skopos_sdk::clip(&skopos_sdk::alert_text(&alert), 320);
        for number in to {
            let form = [("To", number), ("From", from), ("Body", text.as_str())];
            skopos_sdk::http::post_form(&url, &[("authorization", &auth)], &form)?.ok()?;
        }
        Ok(())
    }
}

skopos_sdk::export_notifier!(Twilio);
