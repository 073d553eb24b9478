//! `alertmanager`: posts the alert to a Prometheus Alertmanager's v2 API
//! (`POST {url}/api/v2/alerts`), which then deduplicates, groups, silences and routes it.
//! The labels name the check and nothing about the agent that ran it (`alertname`,
//! `monitor`, `collection`, `region` when the agent has one, `severity`, one `tag_NAME="true"`
//! per monitor tag, and the entry's own `labels`), so two agents running the same monitors
//! send the same alert and Alertmanager pages once. A recovery sends the same labels with
//! `endsAt`, which resolves it.
//!
//! ```yaml
//! notify:
//!   - plugin: alertmanager
//!     config: { url: "http://alertmanager:9093", labels: { team: payments } }
//! ```
//! Alertmanager resolves an alert nobody re-sent after its `resolve_timeout` (5m by
//! default): give the monitor a `remind_every` shorter than that.

use serde_json::{Map, Value, json};
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info, Transition};

const SCHEMA: &str = r#"{"type":"object","required":["url"],"additionalProperties":false,
"properties":{"url":{"type":"string","format":"uri"},
"labels":{"type":"object","additionalProperties":{"type":"string"}}}}"#;

struct Alertmanager;

impl Guest for Alertmanager {
    fn describe() -> Info {
        skopos_sdk::info!("alertmanager", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let url = skopos_sdk::http::join(skopos_sdk::setting(&config, "url")?, "api/v2/alerts");
        let extra = match config.get("labels") {
            None => Map::new(),
            Some(Value::Object(labels)) if labels.values().all(Value::is_string) => labels.clone(),
            Some(_) => return Err(DeliveryError::fatal("config.labels: an object of strings")),
        };
        skopos_sdk::http::post_json(&url, &[], &json!([posted(&alert, extra)]))?.ok()
    }
}

/// One alert of Alertmanager's `postableAlerts`.
fn posted(alert: &Alert, extra: Map<String, Value>) -> Value {
    let severity = match alert.transition {
        Transition::Degraded => "warning",
        _ => "critical",
    };
    let mut labels = json!({
        "alertname": "SkoposCheckFailing",
        "monitor": alert.monitor,
        "collection": alert.collection,
        "severity": severity,
    });
    if let Some(region) = &alert.region {
        labels["region"] = json!(region);
    }
    for tag in &alert.tags {
        labels[format!("tag_{}", label_name(tag))] = json!("true");
    }
    for (name, value) in extra {
        labels[label_name(&name)] = value;
    }
    let mut annotations = json!({
        "summary": skopos_sdk::alert_title(alert),
        "description": skopos_sdk::summary(alert),
    });
    if let Some(failure) = &alert.failure {
        annotations["step"] = json!(failure.step);
    }
    let mut posted = json!({"labels": labels, "annotations": annotations, "startsAt": alert.since});
    if let Some(at) = &alert.recovered_at {
        posted["endsAt"] = json!(at);
    }
    if let Some(link) = &alert.run_link {
        posted["generatorURL"] = json!(link);
    }
    posted
}

/// A Prometheus label name: letters, digits and `_`, not starting with a digit.
fn label_name(text: &str) -> String {
    let name: String = text.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    if name.starts_with(|c: char| c.is_ascii_digit()) { format!("_{name}") } else { name }
}

skopos_sdk::export_notifier!(Alertmanager);
