//! `ntfy`: a push notification through ntfy, published as JSON to the server's root
//! (`POST /` with `topic`, `title`, `message`, `priority`, `tags`, `click`). A failure is
//! priority 5 (urgent) unless set otherwise, a recovery 3.
//!
//! ```yaml
//! notify:
//!   - plugin: ntfy
//!     config: { topic: checkout-alerts, token: "@{{env.NTFY_TOKEN}}" }
//! ```
//! `url` is the server (`https://ntfy.sh` by default); `token` an access token.

use serde_json::json;
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info, Transition};

const SCHEMA: &str = r#"{"type":"object","required":["topic"],"additionalProperties":false,
"properties":{"topic":{"type":"string"},"token":{"type":"string"},"priority":{"type":"integer","minimum":1,"maximum":5},
"url":{"type":"string","format":"uri"}}}"#;

struct Ntfy;

impl Guest for Ntfy {
    fn describe() -> Info {
        skopos_sdk::info!("ntfy", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let url = skopos_sdk::setting_or(&config, "url", "https://ntfy.sh")?;
        let (priority, tag) = match alert.transition {
            Transition::Recovered => (json!(3), "white_check_mark"),
            Transition::Degraded => (config.get("priority").cloned().unwrap_or(json!(4)), "warning"),
            _ => (config.get("priority").cloned().unwrap_or(json!(5)), "rotating_light"),
        };
        let mut body = json!({
            "topic": skopos_sdk::setting(&config, "topic")?,
            "title": skopos_sdk::alert_title(&alert),
            "message": message(&alert),
            "priority": priority,
            "tags": [tag],
        });
        if let Some(link) = &alert.run_link {
            body["click"] = json!(link);
        }
        let bearer = config.get("token").and_then(|t| t.as_str()).map(|token| format!("Bearer {token}"));
        let headers: Vec<(&str, &str)> = bearer.iter().map(|b| ("authorization", b.as_str())).collect();
        skopos_sdk::http::post_json(url.trim_end_matches('/'), &headers, &body)?.ok()
    }
}

fn message(alert: &Alert) -> String {
    let mut lines = vec![skopos_sdk::summary(alert)];
    lines.extend(skopos_sdk::failure_lines(alert));
    lines.join("\n")
}

skopos_sdk::export_notifier!(Ntfy);
