//! `slack`: a message to a Slack incoming webhook: Block Kit blocks (a header with the state,
//! the failing step with each failed assertion's expected and actual, a context line with
//! since-when and the run) and a plain `text` fallback for notifications and old clients.
//!
//! ```yaml
//! notify:
//!   - plugin: slack
//!     config: { webhook_url: "@{{env.SLACK_WEBHOOK}}" }
//! ```

use serde_json::{Value, json};
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info, Transition};

const SCHEMA: &str = r#"{"type":"object","required":["webhook_url"],"additionalProperties":false,
"properties":{"webhook_url":{"type":"string","format":"uri"},"channel":{"type":"string"},"username":{"type":"string"}}}"#;

struct Slack;

impl Guest for Slack {
    fn describe() -> Info {
        skopos_sdk::info!("slack", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let url = skopos_sdk::setting(&config, "webhook_url")?;
        let mut message = message(&alert);
        for optional in ["channel", "username"] {
            if let Some(value) = config.get(optional) {
                message[optional] = value.clone();
            }
        }
        skopos_sdk::http::post_json(url, &[], &message)?.ok()
    }
}

pub fn message(alert: &Alert) -> Value {
    let icon = match alert.transition {
        Transition::Failing => ":red_circle:",
        Transition::Degraded => ":large_yellow_circle:",
        Transition::Reminder => ":large_orange_circle:",
        Transition::Recovered => ":large_green_circle:",
    };
    let title = format!("{icon} {}", skopos_sdk::alert_title(alert));
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": skopos_sdk::clip(&title, 150), "emoji": true}}),
    ];
    if let Some(failure) = &alert.failure {
        let mut lines = vec![format!("*Step {}*", failure.step)];
        if let Some(error) = &failure.error {
            lines.push(format!("• {error}"));
        }
        for assertion in &failure.assertions {
            let expected = assertion.expected.as_deref().unwrap_or("—");
            let actual = assertion.actual.as_deref().unwrap_or("nothing");
            lines.push(format!("• `{}`: expected `{expected}`, got `{actual}`", assertion.subject));
        }
        blocks.push(
            json!({"type": "section", "text": {"type": "mrkdwn", "text": skopos_sdk::clip(&lines.join("\n"), 3000)}}),
        );
    }
    let mut context = format!("since {}", alert.since);
    if let Some(at) = &alert.recovered_at {
        context.push_str(&format!(" · recovered {at}"));
    }
    match &alert.run_link {
        Some(link) => context.push_str(&format!(" · <{link}|run {}>", alert.run_id)),
        None => context.push_str(&format!(" · run {}", alert.run_id)),
    }
    blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]}));
    json!({"text": skopos_sdk::alert_text(alert), "blocks": blocks})
}

skopos_sdk::export_notifier!(Slack);
