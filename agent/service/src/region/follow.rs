//! The follower's two loops: mirror the primary's definitions every `--sync-every`, and send
//! each stored run to the primary as soon as it is stored (runs wait in the store's outbox
//! until the primary acknowledges them, so an outage delays them and loses none).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, header};
use url::Url;

use super::{Receipt, RunBatch, Snapshot};
use crate::Agent;
use crate::client::Client;

/// How a follower reaches its primary.
#[derive(Debug, Clone)]
pub struct FollowOptions {
    pub primary: Url,
    pub token: String,
    /// This follower's region (runs are filed under it at the primary).
    pub region: String,
    pub sync_every: Duration,
}

impl FollowOptions {
    /// A new client of the primary (made afresh after a failure, so no dead connection is kept).
    pub fn client(&self) -> Client {
        Client::new(self.primary.clone(), self.token.clone())
    }
}

/// Runs per request, and JSON bytes per request beyond the first run.
const BATCH_RUNS: usize = 500;
const BATCH_BYTES: usize = 4 << 20;
/// A request to the primary that takes longer than this has failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Starts following: every run stored from now on is sent to the primary.
pub fn follow(agent: Arc<Agent>, options: FollowOptions) {
    agent.store.keep_outbox();
    tokio::spawn(sync_definitions(agent.clone(), options.clone()));
    tokio::spawn(send_runs(agent, options));
}

/// Reports the first failure of an outage and the recovery, not every attempt.
struct Outage {
    what: &'static str,
    since: Option<std::time::Instant>,
}

impl Outage {
    fn failed(&mut self, error: &str) {
        if self.since.is_none() {
            skopos_core::log_line!("skopos: {}: {error}; retrying", self.what);
            self.since = Some(std::time::Instant::now());
        }
    }

    fn ok(&mut self) {
        if let Some(since) = self.since.take() {
            skopos_core::log_line!("skopos: {}: working again after {:.0?}", self.what, since.elapsed());
        }
    }
}

async fn sync_definitions(agent: Arc<Agent>, options: FollowOptions) {
    let mut client = options.client();
    let mut etag: Option<String> = None;
    let mut outage = Outage { what: "reading definitions from the primary", since: None };
    loop {
        match fetch(&mut client, etag.as_deref()).await.and_then(|fetched| {
            let Some((snapshot, tag)) = fetched else { return Ok(()) };
            mirror(&agent, &snapshot)?;
            etag = tag;
            Ok(())
        }) {
            Ok(()) => outage.ok(),
            Err(error) => {
                outage.failed(&error);
                client = options.client();
            }
        }
        tokio::time::sleep(options.sync_every).await;
    }
}

/// The primary's definitions and their `ETag`; `None` when they are unchanged since `etag`.
async fn fetch(client: &mut Client, etag: Option<&str>) -> Result<Option<(Snapshot, Option<String>)>, String> {
    let mut headers = HeaderMap::new();
    if let Some(value) = etag.and_then(|tag| HeaderValue::from_str(tag).ok()) {
        headers.insert(header::IF_NONE_MATCH, value);
    }
    let response = request(client, Method::GET, "api/v1/definitions", headers, Bytes::new()).await?;
    match response.status.as_u16() {
        304 => Ok(None),
        200 => {
            let snapshot = serde_json::from_slice(&response.body).map_err(|e| format!("unreadable reply: {e}"))?;
            let tag = response.headers.get(header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_string);
            Ok(Some((snapshot, tag)))
        }
        status => Err(refusal(status, &response.body)),
    }
}

/// Makes the local store hold the primary's definitions and reschedules what changed.
fn mirror(agent: &Agent, snapshot: &Snapshot) -> Result<(), String> {
    let store = &agent.store;
    let collections = store.collections.mirror(&snapshot.collections).map_err(|e| e.to_string())?;
    let monitors = store.monitors.mirror(&snapshot.monitors).map_err(|e| e.to_string())?;
    let windows = store.windows.mirror(&snapshot.windows).map_err(|e| e.to_string())?;
    if !windows.is_empty() {
        store.flush().map_err(|e| e.to_string())?;
        agent.load_windows().map_err(|e| e.to_string())?;
    }
    if collections.is_empty() && monitors.is_empty() {
        return Ok(());
    }
    for id in &monitors {
        if !snapshot.monitors.iter().any(|m| &m.id == id) {
            agent.scheduler.remove(id);
            store.clear_status(id).map_err(|e| e.to_string())?;
        }
    }
    store.flush().map_err(|e| e.to_string())?;
    agent.schedule_all().map_err(|e| e.to_string())
}

async fn send_runs(agent: Arc<Agent>, options: FollowOptions) {
    let mut client = options.client();
    let path = format!("api/v1/regions/{}/runs", crate::client::encode(&options.region));
    let mut outage = Outage { what: "sending runs to the primary", since: None };
    let mut backoff = Duration::from_millis(250);
    loop {
        let store = agent.store.clone();
        let waiting = tokio::task::spawn_blocking(move || store.outbox(BATCH_RUNS, BATCH_BYTES)).await;
        let runs = match waiting {
            Ok(Ok(runs)) => runs,
            Ok(Err(error)) => {
                outage.failed(&error.to_string());
                tokio::time::sleep(MAX_BACKOFF).await;
                continue;
            }
            Err(_) => return,
        };
        if runs.is_empty() {
            // Woken by the next stored run; the timeout only guards against a missed wake-up.
            let _ = tokio::time::timeout(Duration::from_secs(5), agent.store.outbox_filled()).await;
            continue;
        }
        let ids: Vec<String> = runs.iter().map(|run| run.id.clone()).collect();
        match send(&mut client, &path, RunBatch { runs }).await {
            Ok(_) => {
                outage.ok();
                backoff = Duration::from_millis(250);
                if let Err(error) = agent.store.delivered(&ids) {
                    skopos_core::log_line!("skopos: cannot mark runs as delivered (they will be sent again): {error}");
                }
            }
            Err(error) => {
                outage.failed(&error);
                client = options.client();
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

async fn send(client: &mut Client, path: &str, batch: RunBatch) -> Result<Receipt, String> {
    let body = Bytes::from(serde_json::to_vec(&batch).map_err(|e| e.to_string())?);
    let response = request(client, Method::POST, path, HeaderMap::new(), body).await?;
    if response.status.as_u16() != 200 {
        return Err(refusal(response.status.as_u16(), &response.body));
    }
    serde_json::from_slice(&response.body).map_err(|e| format!("unreadable reply: {e}"))
}

/// One request to the primary, failed after [`REQUEST_TIMEOUT`].
async fn request(
    client: &mut Client,
    method: Method,
    path: &str,
    headers: HeaderMap,
    body: Bytes,
) -> Result<skopos_engine::Incoming, String> {
    let sent = client.send(method, path, headers, body);
    tokio::time::timeout(REQUEST_TIMEOUT, sent).await.map_err(|_| "timed out".to_string())?
}

fn refusal(status: u16, body: &[u8]) -> String {
    let reply = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
    format!("the primary answered {}", crate::client::refusal(status, &reply))
}
