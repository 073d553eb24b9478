//! `matrix`: an `m.room.message` to a Matrix room through the client-server API
//! (`PUT /_matrix/client/v3/rooms/{room_id}/send/m.room.message/{txn_id}`, Bearer access
//! token), plain text with an HTML rendering. The transaction id is the alert's own, so a
//! retried delivery is not posted twice.
//!
//! ```yaml
//! notify:
//!   - plugin: matrix
//!     config: { url: "https://matrix.example.org", access_token: "@{{env.MATRIX_TOKEN}}",
//!               room_id: "!ops:example.org" }
//! ```

use serde_json::json;
use skopos_sdk::notifier::{Alert, DeliveryError, Guest, Info};

const SCHEMA: &str = r#"{"type":"object","required":["url","access_token","room_id"],"additionalProperties":false,
"properties":{"url":{"type":"string","format":"uri"},"access_token":{"type":"string"},"room_id":{"type":"string"}}}"#;

struct Matrix;

impl Guest for Matrix {
    fn describe() -> Info {
        skopos_sdk::info!("matrix", SCHEMA)
    }

    fn deliver(alert: Alert, config: String) -> Result<(), DeliveryError> {
        let config = skopos_sdk::config(&config)?;
        let room = skopos_sdk::http::path_segment(skopos_sdk::setting(&config, "room_id")?);
        let transaction = skopos_sdk::http::path_segment(&format!(
            "skopos-{}-{}-{}-{:?}",
            alert.run_id, alert.monitor_id, alert.collection_id, alert.transition
        ));
        let path = format!("_matrix/client/v3/rooms/{room}/send/m.room.message/{transaction}");
        let url = skopos_sdk::http::join(skopos_sdk::setting(&config, "url")?, &path);
        let bearer = format!("Bearer {}", skopos_sdk::setting(&config, "access_token")?);
        let mut lines = vec![skopos_sdk::alert_title(&alert), skopos_sdk::summary(&alert)];
        lines.extend(skopos_sdk::failure_lines(&alert));
        let mut html = format!("<b>{}</b><br>{}", escape(&lines[0]), escape(&lines[1]));
        if lines.len() > 2 {
            let items: String = lines[2..].iter().map(|line| format!("<li>{}</li>", escape(line))).collect();
            html.push_str(&format!("<ul>{items}</ul>"));
        }
        if let Some(link) = &alert.run_link {
            lines.push(link.clone());
            html.push_str(&format!("<a href=\"{}\">Open the run</a>", escape(link)));
        }
        let body = json!({"msgtype": "m.text", "body": lines.join("\n"),
                          "format": "org.matrix.custom.html", "formatted_body": html});
        let headers = [("content-type", "application/json"), ("authorization", bearer.as_str())];
        skopos_sdk::http::request("PUT", &url, &headers, body.to_string().as_bytes())?.ok()
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

skopos_sdk::export_notifier!(Matrix);
