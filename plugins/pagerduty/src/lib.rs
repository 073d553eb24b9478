//! `pagerduty`: PagerDuty Events API v2. A failing collection (and each reminder) is a
//! `trigger`, its recovery a `resolve`, both with the same `dedup_key` for the monitor and
//! collection, so PagerDuty keeps one incident per broken check and closes it on recovery.
//!
//! ```yaml
//! notify:
//!   - plugin: pagerduty
//!     config: { routing_key: "@{{env.PD_ROUTING_KEY}}", severity: critical }
//! ```
//! `url` changes the endpoint (`https://events.eu.pagerduty.com/v2/enqueue` for EU accounts).

use serde_json::{Value, json};
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info, Transition};

const SCHEMA: &str = r#"{"type":"object","required":["routing_key"],"additionalProperties":false,
"properties":{"routing_key":{"type":"string"},"severity":{"enum":["critical","error","warning","info"]},
"url":{"type":"string","format":"uri"}}}"#;

const EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";

struct PagerDuty;

impl Guest for PagerDuty {
    fn describe() -> Info {
        skopos_sdk::info!("pagerduty", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let routing_key = skopos_sdk::setting(&config, "routing_key")?;
        let url = match config.get("url") {
            Some(_) => skopos_sdk::setting(&config, "url")?,
            None => EVENTS_URL,
        };
        let severity = match config.get("severity") {
            Some(_) => skopos_sdk::setting(&config, "severity")?,
            None if alert.transition == Transition::Degraded => "warning",
            None => "critical",
        };
        if !["critical", "error", "warning", "info"].contains(&severity) {
            return Err(DeliveryError::fatal("config.severity: one of critical, error, warning, info"));
        }
        skopos_sdk::http::post_json(url, &[], &event(&alert, routing_key, severity))?.ok()
    }
}

fn event(alert: &Alert, routing_key: &str, severity: &str) -> Value {
    if alert.transition == Transition::Recovered {
        return json!({"routing_key": routing_key, "event_action": "resolve", "dedup_key": skopos_sdk::alert_key(alert)});
    }
    let summary: String = skopos_sdk::summary(alert).chars().take(1024).collect();
    let mut details =
        json!({"monitor": alert.monitor, "collection": alert.collection, "since": alert.since, "run_id": alert.run_id});
    if let Some(failure) = &alert.failure {
        details["step"] = json!(failure.step);
        if let Some(error) = &failure.error {
            details["error"] = json!(error);
        }
        details["assertions"] = failure
            .assertions
            .iter()
            .map(|a| json!({"subject": a.subject, "expected": a.expected, "actual": a.actual, "message": a.message}))
            .collect();
    }
    let mut event = json!({
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": skopos_sdk::alert_key(alert),
        "client": "Skopos",
        "payload": {
            "summary": summary,
            "source": alert.region.as_deref().unwrap_or("skopos"),
            "severity": severity,
            "timestamp": alert.run_started_at,
            "component": alert.collection,
            "group": alert.monitor,
            "class": "api-check",
            "custom_details": details,
        },
    });
    if let Some(link) = &alert.run_link {
        event["links"] = json!([{"href": link, "text": "Skopos run"}]);
        event["client_url"] = json!(link);
    }
    event
}

skopos_sdk::export_notifier!(PagerDuty);
