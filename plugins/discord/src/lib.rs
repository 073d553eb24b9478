//! `discord`: a Discord webhook message: `content` (the alert in one line) and an embed
//! coloured by state, with the failing step and its failed assertions as fields. Mentions
//! are switched off, so an alert can never ping `@everyone`.
//!
//! ```yaml
//! notify:
//!   - plugin: discord
//!     config: { webhook_url: "@{{env.DISCORD_WEBHOOK}}" }
//! ```

use serde_json::{Value, json};
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info, Transition};

const SCHEMA: &str = r#"{"type":"object","required":["webhook_url"],"additionalProperties":false,
"properties":{"webhook_url":{"type":"string","format":"uri"},"username":{"type":"string"}}}"#;

const RED: u32 = 0xE0_1E_5A;
const ORANGE: u32 = 0xEC_B2_2E;
const GREEN: u32 = 0x2E_B6_7D;

struct Discord;

impl Guest for Discord {
    fn describe() -> Info {
        skopos_sdk::info!("discord", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let url = skopos_sdk::setting(&config, "webhook_url")?;
        let mut message = message(&alert);
        if let Some(username) = config.get("username") {
            message["username"] = username.clone();
        }
        skopos_sdk::http::post_json(url, &[], &message)?.ok()
    }
}

fn message(alert: &Alert) -> Value {
    let color = match alert.transition {
        Transition::Failing => RED,
        Transition::Degraded => ORANGE,
        Transition::Reminder => ORANGE,
        Transition::Recovered => GREEN,
    };
    let mut fields = Vec::new();
    if let Some(failure) = &alert.failure {
        let mut lines: Vec<String> = failure.error.iter().cloned().collect();
        for a in &failure.assertions {
            let expected = a.expected.as_deref().unwrap_or("—");
            let actual = a.actual.as_deref().unwrap_or("nothing");
            lines.push(format!("`{}`: expected `{expected}`, got `{actual}`", a.subject));
        }
        fields.push(json!({"name": format!("Step {}", failure.step), "value": clip(&lines.join("\n"), 1024)}));
    }
    fields.push(json!({"name": "Since", "value": alert.since, "inline": true}));
    fields.push(json!({"name": "Run", "value": alert.run_id, "inline": true}));
    let mut embed = json!({
        "title": clip(&skopos_sdk::alert_title(alert), 256),
        "color": color,
        "timestamp": alert.run_started_at,
        "fields": fields,
    });
    if let Some(link) = &alert.run_link {
        embed["url"] = json!(link);
    }
    json!({
        "content": clip(&skopos_sdk::alert_text(alert), 2000),
        "embeds": [embed],
        "allowed_mentions": {"parse": []},
    })
}

fn clip(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

skopos_sdk::export_notifier!(Discord);
