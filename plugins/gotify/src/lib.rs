//! `gotify`: a message to a Gotify server (`POST /message` with the application token in
//! `X-Gotify-Key`), with a click-through to the run. A failure is priority 8 unless set
//! otherwise, a recovery 4.
//!
//! ```yaml
//! notify:
//!   - plugin: gotify
//!     config: { url: "https://gotify.example.org", token: "@{{env.GOTIFY_TOKEN}}" }
//! ```

use serde_json::json;
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info};

const SCHEMA: &str = r#"{"type":"object","required":["url","token"],"additionalProperties":false,
"properties":{"url":{"type":"string","format":"uri"},"token":{"type":"string"},"priority":{"type":"integer","minimum":0,"maximum":10}}}"#;

struct Gotify;

impl Guest for Gotify {
    fn describe() -> Info {
        skopos_sdk::info!("gotify", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let url = skopos_sdk::http::join(skopos_sdk::setting(&config, "url")?, "message");
        let token = skopos_sdk::setting(&config, "token")?;
        let priority = if skopos_sdk::is_recovery(&alert) {
            json!(4)
        } else {
            config.get("priority").cloned().unwrap_or(json!(8))
        };
        let mut lines = vec![skopos_sdk::summary(&alert)];
        lines.extend(skopos_sdk::failure_lines(&alert));
        let mut body =
            json!({"title": skopos_sdk::alert_title(&alert), "message": lines.join("\n"), "priority": priority});
        if let Some(link) = &alert.run_link {
            body["extras"] = json!({"client::notification": {"click": {"url": link}}});
        }
        skopos_sdk::http::post_json(&url, &[("x-gotify-key", token)], &body)?.ok()
    }
}

skopos_sdk::export_notifier!(Gotify);
