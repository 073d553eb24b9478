//! `webex`: a message to a Webex room (`POST /v1/messages`, Bearer bot token), in markdown
//! with a plain `text` fallback.
//!
//! ```yaml
//! notify:
//!   - plugin: webex
//!     config: { access_token: "@{{env.WEBEX_BOT_TOKEN}}", room_id: "Y2lzY29zcGFyazovL3..." }
//! ```

use serde_json::json;
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info};

const SCHEMA: &str = r#"{"type":"object","required":["access_token","room_id"],"additionalProperties":false,
"properties":{"access_token":{"type":"string"},"room_id":{"type":"string"},"url":{"type":"string","format":"uri"}}}"#;

struct Webex;

impl Guest for Webex {
    fn describe() -> Info {
        skopos_sdk::info!("webex", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let base = skopos_sdk::setting_or(&config, "url", "https://webexapis.com")?;
        let bearer = format!("Bearer {}", skopos_sdk::setting(&config, "access_token")?);
        let mut markdown = vec![format!("**{}**", skopos_sdk::alert_title(&alert)), skopos_sdk::summary(&alert)];
        markdown.extend(skopos_sdk::failure_lines(&alert).into_iter().map(|line| format!("- {line}")));
        if let Some(link) = &alert.run_link {
            markdown.push(format!("[Open the run]({link})"));
        }
        let body = json!({
            "roomId": skopos_sdk::setting(&config, "room_id")?,
            "text": skopos_sdk::alert_text(&alert),
            "markdown": skopos_sdk::clip(&markdown.join("\n"), 7000),
        });
        let url = skopos_sdk::http::join(base, "v1/messages");
        skopos_sdk::http::post_json(&url, &[("authorization", bearer.as_str())], &body)?.ok()
    }
}

skopos_sdk::export_notifier!(Webex);
