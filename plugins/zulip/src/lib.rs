//! `zulip`: a stream message from a Zulip bot (`POST /api/v1/messages`, form-encoded, HTTP
//! Basic with the bot's email and API key). The topic is the monitor and collection by
//! default, so a check's failure and recovery share one topic.
//!
//! ```yaml
//! notify:
//!   - plugin: zulip
//!     config: { url: "https://example.zulipchat.com", email: "skopos-bot@example.zulipchat.com",
//!               api_key: "@{{env.ZULIP_KEY}}", stream: alerts }
//! ```

use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info};

const SCHEMA: &str = r#"{"type":"object","required":["url","email","api_key","stream"],"additionalProperties":false,
"properties":{"url":{"type":"string","format":"uri"},"email":{"type":"string"},"api_key":{"type":"string"},
"stream":{"type":"string"},"topic":{"type":"string"}}}"#;

struct Zulip;

impl Guest for Zulip {
    fn describe() -> Info {
        skopos_sdk::info!("zulip", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let url = skopos_sdk::http::join(skopos_sdk::setting(&config, "url")?, "api/v1/messages");
        let auth = skopos_sdk::http::basic_auth(
            skopos_sdk::setting(&config, "email")?,
            skopos_sdk::setting(&config, "api_key")?,
        );
        let default_topic = format!("{} / {}", alert.monitor, alert.collection);
        let topic = skopos_sdk::clip(skopos_sdk::setting_or(&config, "topic", &default_topic)?, 60);
        let mut lines = vec![format!("**{}**", skopos_sdk::alert_title(&alert)), skopos_sdk::summary(&alert)];
        lines.extend(skopos_sdk::failure_lines(&alert).into_iter().map(|line| format!("* {line}")));
        if let Some(link) = &alert.run_link {
            lines.push(format!("[Open the run]({link})"));
        }
        let content = lines.join("\n");
        let stream = skopos_sdk::setting(&config, "stream")?;
        let form = [("type", "stream"), ("to", stream), ("topic", topic.as_str()), ("content", content.as_str())];
        skopos_sdk::http::post_form(&url, &[("authorization", &auth)], &form)?.ok()
    }
}

skopos_sdk::export_notifier!(Zulip);
