//! `splunk-oncall`: Splunk On-Call's (VictorOps) REST endpoint integration,
//! `POST /integrations/generic/20131114/alert/{api_key}/{routing_key}`. A failing collection
//! is a `CRITICAL` (a degraded one a `WARNING`), its recovery a `RECOVERY`, all with the same
//! `entity_id`, so Splunk On-Call keeps one incident per broken check and resolves it.
//!
//! ```yaml
//! notify:
//!   - plugin: splunk-oncall
//!     config: { api_key: "@{{env.VO_KEY}}", routing_key: checkout }
//! ```

use serde_json::json;
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info, Transition};

const SCHEMA: &str = r#"{"type":"object","required":["api_key","routing_key"],"additionalProperties":false,
"properties":{"api_key":{"type":"string"},"routing_key":{"type":"string"},"url":{"type":"string","format":"uri"}}}"#;

struct SplunkOnCall;

impl Guest for SplunkOnCall {
    fn describe() -> Info {
        skopos_sdk::info!("splunk-oncall", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let api_key = skopos_sdk::http::path_segment(skopos_sdk::setting(&config, "api_key")?);
        let routing_key = skopos_sdk::http::path_segment(skopos_sdk::setting(&config, "routing_key")?);
        let base = skopos_sdk::setting_or(&config, "url", "https://alert.victorops.com")?;
        let path = format!("integrations/generic/20131114/alert/{api_key}/{routing_key}");
        let message_type = match alert.transition {
            Transition::Recovered => "RECOVERY",
            Transition::Degraded => "WARNING",
            Transition::Failing | Transition::Reminder => "CRITICAL",
        };
        let mut body = json!({
            "message_type": message_type,
            "entity_id": skopos_sdk::alert_key(&alert),
            "entity_display_name": skopos_sdk::alert_title(&alert),
            "state_message": skopos_sdk::summary(&alert),
            "monitoring_tool": "Skopos",
            "monitor": alert.monitor,
            "collection": alert.collection,
        });
        if let Some(failure) = &alert.failure {
            body["step"] = json!(failure.step);
        }
        if let Some(link) = &alert.run_link {
            body["alert_url"] = json!(link);
        }
        skopos_sdk::http::post_json(&skopos_sdk::http::join(base, &path), &[], &body)?.ok()
    }
}

skopos_sdk::export_notifier!(SplunkOnCall);
