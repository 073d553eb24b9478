//! `telegram`: a message from a Telegram bot to a chat, through the Bot API's
//! `POST /bot{token}/sendMessage`. The text is plain (no parse mode), so nothing in an alert
//! needs escaping.
//!
//! ```yaml
//! notify:
//!   - plugin: telegram
//!     config: { bot_token: "@{{env.TELEGRAM_TOKEN}}", chat_id: "-1001234567890" }
//! ```
//! `message_thread_id` posts into a forum topic; `url` points at a local Bot API server.

use serde_json::json;
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info};

const SCHEMA: &str = r#"{"type":"object","required":["bot_token","chat_id"],"additionalProperties":false,
"properties":{"bot_token":{"type":"string"},"chat_id":{"type":["string","integer"]},
"message_thread_id":{"type":"integer"},"url":{"type":"string","format":"uri"}}}"#;

struct Telegram;

impl Guest for Telegram {
    fn describe() -> Info {
        skopos_sdk::info!("telegram", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let token = skopos_sdk::setting(&config, "bot_token")?;
        let chat_id = config.get("chat_id").ok_or_else(|| DeliveryError::fatal("config.chat_id: required"))?;
        let base = skopos_sdk::setting_or(&config, "url", "https://api.telegram.org")?;
        let mut lines = vec![skopos_sdk::alert_title(&alert), skopos_sdk::summary(&alert)];
        lines.extend(skopos_sdk::failure_lines(&alert));
        if let Some(link) = &alert.run_link {
            lines.push(link.clone());
        }
        let mut body = json!({
            "chat_id": chat_id,
            "text": skopos_sdk::clip(&lines.join("\n"), 4096),
            "link_preview_options": {"is_disabled": true},
        });
        if let Some(thread) = config.get("message_thread_id") {
            body["message_thread_id"] = thread.clone();
        }
        let url = skopos_sdk::http::join(base, &format!("bot{token}/sendMessage"));
        skopos_sdk::http::post_json(&url, &[], &body)?.ok()
    }
}

skopos_sdk::export_notifier!(Telegram);
