//! OAuth2 client-credentials tokens, fetched once per run and shared by every step and
//! collection that uses the same token URL, client and scope.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, header};
use tokio::sync::OnceCell;
use url::Url;

use super::http::{Connections, Outgoing, SendOptions};
use super::request::Grant;
use super::tls::TlsConfigs;
use skopos_core::model::{DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_REDIRECTS};
use skopos_core::plan::PlannedStep;
use skopos_core::report::{ErrorKind, StepError};

type Slot = Arc<OnceCell<Result<String, StepError>>>;

#[derive(Default)]
pub struct TokenCache {
    tokens: Mutex<HashMap<Grant, Slot>>,
}

impl TokenCache {
    /// The access token for `grant`, fetched on first use.
    pub async fn token(&self, grant: &Grant, step: &PlannedStep, tls: &Arc<TlsConfigs>) -> Result<String, StepError> {
        let slot = self.tokens.lock().unwrap_or_else(|e| e.into_inner()).entry(grant.clone()).or_default().clone();
        slot.get_or_init(|| fetch(grant, step, tls)).await.clone()
    }
}

async fn fetch(grant: &Grant, step: &PlannedStep, tls: &Arc<TlsConfigs>) -> Result<String, StepError> {
    let fail = |message: String| {
        StepError::new(ErrorKind::Auth, format!("OAuth2 token request to {}: {message}", grant.token_url))
    };
    let url = Url::parse(&grant.token_url).map_err(|e| fail(format!("invalid URL: {e}")))?;
    let form = {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        form.append_pair("client_id", &grant.client_id);
        form.append_pair("client_secret", &grant.client_secret);
        if let Some(scope) = &grant.scope {
            form.append_pair("scope", scope);
        }
        form.finish()
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
    headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    let request = Outgoing { method: Method::POST, url, headers, body: Bytes::from(form) };
    let options = SendOptions {
        tls: &step.tls,
        follow_redirects: true,
        max_redirects: DEFAULT_MAX_REDIRECTS,
        max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        http2_only: false,
    };
    let mut connections = Connections::new(tls.clone(), false);
    let response = tokio::time::timeout(step.timeout, connections.send(&request, options))
        .await
        .map_err(|_| fail(format!("no response within {} ms", step.timeout.as_millis())))?
        .map_err(|(error, _)| fail(error.message))?;
    if !response.status.is_success() {
        return Err(fail(format!("the server answered {}", response.status)));
    }
    let body: serde_json::Value =
        serde_json::from_slice(&response.body).map_err(|_| fail("the answer is not JSON".into()))?;
    body.get("access_token")
        .and_then(|t| t.as_str())
        .map(str::to_string)
        .ok_or_else(|| fail("the answer has no `access_token`".into()))
}
