//! `google-chat`: a message to a Google Chat space's incoming webhook. Every alert about
//! one monitor's collection goes to one thread (`thread.threadKey`, with
//! `messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD`), so its recovery is a reply
//! under the failure.
//!
//! ```yaml
//! notify:
//!   - plugin: google-chat
//!     config: { webhook_url: "@{{env.GCHAT_WEBHOOK}}" }
//! ```

use serde_json::json;
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info};

const SCHEMA: &str = r#"{"type":"object","required":["webhook_url"],"additionalProperties":false,
"properties":{"webhook_url":{"type":"string","format":"uri"}}}"#;

struct GoogleChat;

impl Guest for GoogleChat {
    fn describe() -> Info {
        skopos_sdk::info!("google-chat", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let webhook = skopos_sdk::setting(&config, "webhook_url")?;
        let separator = if webhook.contains('?') { '&' } else { '?' };
        let url = format!("{webhook}{separator}messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD");
        // Google Chat's own formatting: *bold*.
        let mut lines = vec![format!("*{}*", skopos_sdk::alert_title(&alert)), skopos_sdk::summary(&alert)];
        lines.extend(skopos_sdk::failure_lines(&alert));
        if let Some(link) = &alert.run_link {
            lines.push(format!("<{link}|Open the run>"));
        }
        let body = json!({"text": skopos_sdk::clip(&lines.join("\n"), 4000),
                          "thread": {"threadKey": skopos_sdk::alert_key(&alert)}});
        let headers = [("content-type", "application/json; charset=UTF-8")];
        skopos_sdk::http::request("POST", &url, &headers, body.to_string().as_bytes())?.ok()
    }
}

skopos_sdk::export_notifier!(GoogleChat);
