//! A client of a running agent's JSON API: what `skopos apply`, `export` and `token` use, and
//! what a follower uses to reach its primary. The token comes from `SKOPOS_TOKEN` (or, for a
//! follower, `--primary-token`).

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, header};
use serde_json::Value;
use url::Url;

use skopos_engine::{Connections, Incoming, Outgoing, SendOptions, TlsConfigs};

/// The agent's address when `--server` is not given.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:7070";

pub struct Client {
    server: Url,
    token: String,
    connections: Connections,
}

impl Client {
    /// A client of `server` with the token from `SKOPOS_TOKEN`; `None` when it is unset.
    pub fn from_env(server: Url) -> Option<Client> {
        let token = std::env::var("SKOPOS_TOKEN").ok().filter(|t| !t.is_empty())?;
        Some(Client::new(server, token))
    }

    pub fn new(server: Url, token: String) -> Client {
        Client { server, token, connections: Connections::new(Arc::new(TlsConfigs::default()), false) }
    }

    /// One request to `path` (relative to the server, as `api/v1/...`): the status and the JSON reply.
    pub async fn call(&mut self, method: Method, path: &str, body: Option<&Value>) -> Result<(u16, Value), String> {
        let body = body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string()));
        let response = self.send(method, path, HeaderMap::new(), body).await?;
        let json = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        Ok((response.status.as_u16(), json))
    }

    /// One request with a JSON body (already encoded) and more headers; the whole response.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        mut headers: HeaderMap,
        body: Bytes,
    ) -> Result<Incoming, String> {
        let url = self.server.join(path).map_err(|e| format!("bad server URL: {e}"))?;
        let bearer =
            HeaderValue::from_str(&format!("Bearer {}", self.token)).map_err(|_| "the token is not a valid header")?;
        headers.insert(header::AUTHORIZATION, bearer);
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let request = Outgoing { method, url, headers, body };
        let options = SendOptions {
            tls: &Default::default(),
            follow_redirects: false,
            max_redirects: 0,
            max_body_bytes: 256 * 1024 * 1024,
            http2_only: false,
        };
        self.connections.send(&request, options).await.map_err(|(e, _)| e.message)
    }

    /// Every stored collection or monitor (`plural` is `collections` or `monitors`).
    pub async fn list(&mut self, plural: &str) -> Result<Vec<Value>, String> {
        let (status, list) = self.call(Method::GET, &format!("api/v1/{plural}"), None).await?;
        if status != 200 {
            return Err(format!("listing {plural}: {}", refusal(status, &list)));
        }
        Ok(list.as_array().cloned().unwrap_or_default())
    }
}

/// `message (status)` from an API error reply.
pub fn refusal(status: u16, reply: &Value) -> String {
    format!("{} ({status})", reply["error"].as_str().unwrap_or("failed"))
}

/// A path segment for a name (`checkout flow` → `checkout%20flow`).
pub fn encode(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, percent_encoding::NON_ALPHANUMERIC).to_string()
}
