//! `pushover`: a Pushover message (`POST /1/messages.json`, form-encoded `token`, `user`,
//! `title`, `message`, `priority`, and the run as `url`). A failure is priority 1 (high)
//! unless set otherwise, a recovery 0.
//!
//! ```yaml
//! notify:
//!   - plugin: pushover
//!     config: { token: "@{{env.PUSHOVER_APP}}", user: "@{{env.PUSHOVER_USER}}" }
//! ```

use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info};

const SCHEMA: &str = r#"{"type":"object","required":["token","user"],"additionalProperties":false,
"properties":{"token":{"type":"string"},"user":{"type":"string"},"device":{"type":"string"},
"priority":{"type":"integer","minimum":-2,"maximum":1},"url":{"type":"string","format":"uri"}}}"#;

struct Pushover;

impl Guest for Pushover {
    fn describe() -> Info {
        skopos_sdk::info!("pushover", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let base = skopos_sdk::setting_or(&config, "url", "https://api.pushover.net")?;
        let priority = match config.get("priority").and_then(|p| p.as_i64()) {
            _ if skopos_sdk::is_recovery(&alert) => "0".to_string(),
            Some(priority) => priority.to_string(),
            None => "1".to_string(),
        };
        let title = skopos_sdk::clip(&skopos_sdk::alert_title(&alert), 250);
        let mut lines = vec![skopos_sdk::summary(&alert)];
        lines.extend(skopos_sdk::failure_lines(&alert));
        let message = skopos_sdk::clip(&lines.join("\n"), 1024);
        let mut form = vec![
            ("token", skopos_sdk::setting(&config, "token")?),
            ("user", skopos_sdk::setting(&config, "user")?),
            ("title", title.as_str()),
            ("message", message.as_str()),
            ("priority", priority.as_str()),
        ];
        if let Some(device) = config.get("device").and_then(|d| d.as_str()) {
            form.push(("device", device));
        }
        if let Some(link) = &alert.run_link {
            form.extend([("url", link.as_str()), ("url_title", "Open the run")]);
        }
        skopos_sdk::http::post_form(&skopos_sdk::http::join(base, "1/messages.json"), &[], &form)?.ok()
    }
}

skopos_sdk::export_notifier!(Pushover);
