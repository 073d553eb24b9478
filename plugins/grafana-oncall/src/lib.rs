//! `grafana-oncall`: a Grafana OnCall "Formatted webhook" integration. Every alert about
//! one monitor's collection carries the same `alert_uid`, so OnCall groups them into one
//! alert group; `state: ok` on recovery resolves it.
//!
//! ```yaml
//! notify:
//!   - plugin: grafana-oncall
//!     config: { webhook_url: "@{{env.ONCALL_WEBHOOK}}" }
//! ```

use serde_json::json;
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info};

const SCHEMA: &str = r#"{"type":"object","required":["webhook_url"],"additionalProperties":false,
"properties":{"webhook_url":{"type":"string","format":"uri"}}}"#;

struct GrafanaOnCall;

impl Guest for GrafanaOnCall {
    fn describe() -> Info {
        skopos_sdk::info!("grafana-oncall", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let url = skopos_sdk::setting(&config, "webhook_url")?;
        let mut message = vec![skopos_sdk::summary(&alert)];
        message.extend(skopos_sdk::failure_lines(&alert));
        let body = json!({
            "alert_uid": skopos_sdk::alert_key(&alert),
            "title": skopos_sdk::alert_title(&alert),
            "state": if skopos_sdk::is_recovery(&alert) { "ok" } else { "alerting" },
            "message": message.join("\n"),
            "link_to_upstream_details": alert.run_link,
        });
        skopos_sdk::http::post_json(url, &[], &body)?.ok()
    }
}

skopos_sdk::export_notifier!(GrafanaOnCall);
