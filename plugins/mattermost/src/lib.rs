//! `mattermost`: a message to a Mattermost incoming webhook, as a message attachment
//! coloured by state (the failing step and its failed assertions as the attachment's text),
//! with a plain `text` line for notifications.
//!
//! ```yaml
//! notify:
//!   - plugin: mattermost
//!     config: { webhook_url: "@{{env.MATTERMOST_WEBHOOK}}", channel: ops-alerts }
//! ```

use serde_json::json;
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info};

const SCHEMA: &str = r#"{"type":"object","required":["webhook_url"],"additionalProperties":false,
"properties":{"webhook_url":{"type":"string","format":"uri"},"channel":{"type":"string"},
"username":{"type":"string"},"icon_url":{"type":"string","format":"uri"}}}"#;

struct Mattermost;

impl Guest for Mattermost {
    fn describe() -> Info {
        skopos_sdk::info!("mattermost", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let url = skopos_sdk::setting(&config, "webhook_url")?;
        let mut text = vec![skopos_sdk::summary(&alert)];
        text.extend(skopos_sdk::failure_lines(&alert));
        let mut attachment = json!({
            "fallback": skopos_sdk::alert_text(&alert),
            "color": skopos_sdk::colour(&alert),
            "title": skopos_sdk::alert_title(&alert),
            "text": text.join("\n"),
            "fields": [
                {"short": true, "title": "Monitor", "value": alert.monitor},
                {"short": true, "title": "Since", "value": alert.since},
            ],
        });
        if let Some(link) = &alert.run_link {
            attachment["title_link"] = json!(link);
        }
        let mut body = json!({"text": skopos_sdk::alert_text(&alert), "attachments": [attachment]});
        for optional in ["channel", "username", "icon_url"] {
            if let Some(value) = config.get(optional) {
                body[optional] = value.clone();
            }
        }
        skopos_sdk::http::post_json(url, &[], &body)?.ok()
    }
}

skopos_sdk::export_notifier!(Mattermost);
