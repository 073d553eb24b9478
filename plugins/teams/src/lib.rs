//! `teams`: a Microsoft Teams message through an incoming webhook or a Workflows ("When a
//! Teams webhook request is received") URL: one Adaptive Card with the state as a heading,
//! the summary, a fact set (monitor, collection, step, since, run) and a button to the run.
//!
//! ```yaml
//! notify:
//!   - plugin: teams
//!     config: { webhook_url: "@{{env.TEAMS_WEBHOOK}}" }
//! ```

use serde_json::{Value, json};
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info, Transition};

const SCHEMA: &str = r#"{"type":"object","required":["webhook_url"],"additionalProperties":false,
"properties":{"webhook_url":{"type":"string","format":"uri"}}}"#;

struct Teams;

impl Guest for Teams {
    fn describe() -> Info {
        skopos_sdk::info!("teams", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let url = skopos_sdk::setting(&config, "webhook_url")?;
        skopos_sdk::http::post_json(url, &[], &message(&alert))?.ok()
    }
}

fn message(alert: &Alert) -> Value {
    let color = match alert.transition {
        Transition::Failing => "Attention",
        Transition::Degraded => "Warning",
        Transition::Reminder => "Warning",
        Transition::Recovered => "Good",
    };
    let mut facts = vec![
        json!({"title": "Monitor", "value": alert.monitor}),
        json!({"title": "Collection", "value": alert.collection}),
    ];
    if let Some(failure) = &alert.failure {
        facts.push(json!({"title": "Step", "value": failure.step}));
    }
    facts.push(json!({"title": "Since", "value": alert.since}));
    facts.push(json!({"title": "Run", "value": alert.run_id}));
    let mut card = json!({
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": skopos_sdk::alert_title(alert),
             "weight": "Bolder", "size": "Medium", "color": color, "wrap": true},
            {"type": "TextBlock", "text": skopos_sdk::summary(alert), "wrap": true},
            {"type": "FactSet", "facts": facts},
        ],
    });
    if let Some(link) = &alert.run_link {
        card["actions"] = json!([{"type": "Action.OpenUrl", "title": "Open the run", "url": link}]);
    }
    json!({
        "type": "message",
        "summary": skopos_sdk::alert_text(alert),
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null, "content": card}],
    })
}

skopos_sdk::export_notifier!(Teams);
