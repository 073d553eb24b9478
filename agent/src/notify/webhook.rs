//! The built-in `webhook` notifier: POSTs the alert event as JSON to `url`, with optional
//! `headers`, retrying server errors and network failures twice with a back-off.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use serde::Deserialize;
use serde_json::{Map, Value};
use url::Url;

use crate::alert::AlertEvent;
use crate::runner::{Connections, Outgoing, SendOptions, TlsConfigs};

const ATTEMPTS: u32 = 3;
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// `config` of a `webhook` notifier.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    pub url: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

impl WebhookSettings {
    pub fn from_config(config: Map<String, Value>) -> Result<WebhookSettings, String> {
        serde_json::from_value(Value::Object(config)).map_err(|e| format!("webhook config: {e}"))
    }
}

/// The JSON a webhook receives: the event, plus a one-line `summary` for people.
pub fn payload(event: &AlertEvent) -> Value {
    let mut value = serde_json::to_value(event).expect("alert events serialize");
    if let Value::Object(fields) = &mut value {
        fields.insert("summary".into(), Value::String(event.summary()));
    }
    value
}

/// Attempts made, and whether one of them got a 2xx.
pub async fn deliver(settings: &WebhookSettings, event: &AlertEvent) -> (u32, Result<(), String>) {
    let request = match build(settings, event) {
        Ok(request) => request,
        Err(problem) => return (0, Err(problem)),
    };
    let mut connections = Connections::new(Arc::new(TlsConfigs::default()), false);
    let options = SendOptions { tls: &Default::default(), follow_redirects: false, max_body_bytes: 64 * 1024 };
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome = match tokio::time::timeout(ATTEMPT_TIMEOUT, connections.send(&request, options)).await {
            Err(_) => Err((true, format!("no answer within {}s", ATTEMPT_TIMEOUT.as_secs()))),
            Ok(Err((error, _))) => Err((true, error.message)),
            Ok(Ok(response)) if response.status.is_success() => Ok(()),
            Ok(Ok(response)) => {
                let status = response.status.as_u16();
                let retry = status >= 500 || status == 408 || status == 429;
                Err((retry, format!("the webhook answered {status}")))
            }
        };
        match outcome {
            Ok(()) => return (attempt, Ok(())),
            Err((retry, message)) if !retry || attempt == ATTEMPTS => return (attempt, Err(message)),
            Err(_) => {
                tokio::time::sleep(backoff).await;
                backoff *= 2;
            }
        }
    }
}

fn build(settings: &WebhookSettings, event: &AlertEvent) -> Result<Outgoing, String> {
    let url = Url::parse(&settings.url).map_err(|e| format!("webhook config: url: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("webhook config: url: only http and https URLs".into());
    }
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::USER_AGENT, HeaderValue::from_static(concat!("skopos/", env!("CARGO_PKG_VERSION"))));
    for (name, value) in &settings.headers {
        let name = HeaderName::try_from(name.as_str()).map_err(|_| format!("webhook config: headers: `{name}`"))?;
        let value = HeaderValue::try_from(value.as_str()).map_err(|_| format!("webhook config: headers.{name}"))?;
        headers.insert(name, value);
    }
    Ok(Outgoing { method: Method::POST, url, headers, body: Bytes::from(payload(event).to_string()) })
}
