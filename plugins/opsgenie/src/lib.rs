//! `opsgenie`: Opsgenie's Alert API. A failing collection creates an alert
//! (`POST /v2/alerts`) whose `alias` is the same for every alert about one monitor's
//! collection, so Opsgenie deduplicates reminders into it; the recovery closes it by that
//! alias (`POST /v2/alerts/{alias}/close?identifierType=alias`).
//!
//! ```yaml
//! notify:
//!   - plugin: opsgenie
//!     config: { api_key: "@{{env.OPSGENIE_KEY}}", priority: P2 }
//! ```
//! `url` is `https://api.eu.opsgenie.com` for EU accounts. The monitor's tags become the
//! alert's tags.

use serde_json::json;
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info, Transition};

const SCHEMA: &str = r#"{"type":"object","required":["api_key"],"additionalProperties":false,
"properties":{"api_key":{"type":"string"},"priority":{"enum":["P1","P2","P3","P4","P5"]},
"responders":{"type":"array"},"url":{"type":"string","format":"uri"}}}"#;

struct Opsgenie;

impl Guest for Opsgenie {
    fn describe() -> Info {
        skopos_sdk::info!("opsgenie", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let authorization = format!("GenieKey {}", skopos_sdk::setting(&config, "api_key")?);
        let base = skopos_sdk::setting_or(&config, "url", "https://api.opsgenie.com")?;
        let headers = [("authorization", authorization.as_str())];
        let alias = skopos_sdk::alert_key(&alert);
        if skopos_sdk::is_recovery(&alert) {
            let path = format!("v2/alerts/{}/close?identifierType=alias", skopos_sdk::http::path_segment(&alias));
            let note = skopos_sdk::summary(&alert);
            let body = json!({"source": "Skopos", "user": "Skopos", "note": note});
            return skopos_sdk::http::post_json(&skopos_sdk::http::join(base, &path), &headers, &body)?.ok();
        }
        let default_priority = if alert.transition == Transition::Degraded { "P3" } else { "P1" };
        let priority = skopos_sdk::setting_or(&config, "priority", default_priority)?;
        let mut details = json!({"monitor": alert.monitor, "collection": alert.collection, "since": alert.since,
                                 "run_id": alert.run_id});
        if let Some(link) = &alert.run_link {
            details["run"] = json!(link);
        }
        let mut body = json!({
            "message": skopos_sdk::clip(&skopos_sdk::alert_title(&alert), 130),
            "alias": alias,
            "description": skopos_sdk::clip(&description(&alert), 15000),
            "tags": alert.tags,
            "details": details,
            "entity": alert.collection,
            "source": alert.region.as_deref().unwrap_or("Skopos"),
            "priority": priority,
        });
        if let Some(responders) = config.get("responders") {
            body["responders"] = responders.clone();
        }
        skopos_sdk::http::post_json(&skopos_sdk::http::join(base, "v2/alerts"), &headers, &body)?.ok()
    }
}

fn description(alert: &Alert) -> String {
    let mut lines = vec![skopos_sdk::summary(alert)];
    lines.extend(skopos_sdk::failure_lines(alert));
    lines.join("\n")
}

skopos_sdk::export_notifier!(Opsgenie);
