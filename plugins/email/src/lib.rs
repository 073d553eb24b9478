//! `email`: the alert by email, through the agent's SMTP server (the `email` capability; the
//! plugin never sees the server or its credentials). Subject `[Skopos] FAILING: monitor /
//! collection`; a plain-text body with the failing step, each failed assertion's expected and
//! actual, since when, and the run.
//!
//! ```yaml
//! notify:
//!   - plugin: email
//!     config: { to: [oncall@example.com], subject_prefix: "[Skopos]" }
//! ```

use skopos_sdk::notifier::email::{self, Message};
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info};

const SCHEMA: &str = r#"{"type":"object","required":["to"],"additionalProperties":false,
"properties":{"to":{"oneOf":[{"type":"string"},{"type":"array","items":{"type":"string"},"minItems":1}]},
"subject_prefix":{"type":"string"}}}"#;

struct Email;

impl Guest for Email {
    fn describe() -> Info {
        skopos_sdk::info!("email", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let to: Vec<String> = match config.get("to") {
            Some(serde_json::Value::String(one)) => vec![one.clone()],
            Some(serde_json::Value::Array(many)) => many
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<_>>()
                .ok_or_else(|| DeliveryError::fatal("config.to: addresses are strings"))?,
            _ => return Err(DeliveryError::fatal("config.to: required (an address or a list)")),
        };
        let prefix = config.get("subject_prefix").and_then(|v| v.as_str()).unwrap_or("[Skopos]");
        let subject = format!("{prefix} {}", skopos_sdk::alert_title(&alert));
        email::send(&Message { to, subject, text: body(&alert), html: None }).map_err(DeliveryError::retry)
    }
}

fn body(alert: &Alert) -> String {
    let mut lines = vec![skopos_sdk::summary(alert), String::new()];
    let failure = skopos_sdk::failure_lines(alert);
    if let Some((step, details)) = failure.split_first() {
        lines.push(step.clone());
        lines.extend(details.iter().map(|line| format!("  {line}")));
        lines.push(String::new());
    }
    lines.push(format!("Monitor:    {}", alert.monitor));
    lines.push(format!("Collection: {}", alert.collection));
    lines.push(format!("Since:      {}", alert.since));
    if let Some(at) = &alert.recovered_at {
        lines.push(format!("Recovered:  {at}"));
    }
    lines.push(format!("Run:        {}", alert.run_link.as_deref().unwrap_or(&alert.run_id)));
    lines.join("\n") + "\n"
}

skopos_sdk::export_notifier!(Email);
