//! `rocketchat`: a message to a Rocket.Chat incoming webhook integration: a `text` line and an
//! attachment coloured by state with the failing step.
//!
//! ```yaml
//! notify:
//!   - plugin: rocketchat
//!     config: { webhook_url: "@{{env.ROCKETCHAT_WEBHOOK}}" }
//! ```

use serde_json::json;
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info};

const SCHEMA: &str = r#"{"type":"object","required":["webhook_url"],"additionalProperties":false,
"properties":{"webhook_url":{"type":"string","format":"uri"},"channel":{"type":"string"},
"alias":{"type":"string"},"emoji":{"type":"string"}}}"#;

struct RocketChat;

impl Guest for RocketChat {
    fn describe() -> Info {
        skopos_sdk::info!("rocketchat", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let url = skopos_sdk::setting(&config, "webhook_url")?;
        let mut text = vec![skopos_sdk::summary(&alert)];
        text.extend(skopos_sdk::failure_lines(&alert));
        let mut attachment = json!({"title": skopos_sdk::alert_title(&alert), "text": text.join("\n"),
                                    "color": skopos_sdk::colour(&alert)});
        if let Some(link) = &alert.run_link {
            attachment["title_link"] = json!(link);
        }
        let mut body = json!({"text": skopos_sdk::alert_text(&alert), "attachments": [attachment]});
        for optional in ["channel", "alias", "emoji"] {
            if let Some(value) = config.get(optional) {
                body[optional] = value.clone();
            }
        }
        skopos_sdk::http::post_json(url, &[], &body)?.ok()
    }
}

skopos_sdk::export_notifier!(RocketChat);
