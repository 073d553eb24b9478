//! A monitor's status: its health (up, degraded, down) from its collections' alert states,
//! whether maintenance covers it now, and when it runs next.

use chrono::{DateTime, Utc};
use serde::Serialize;
use warp::http::StatusCode;

use super::error::ApiError;
use super::handlers::{Reply_, json};
use skopos_core::alert::{CollectionAlert, Health};
use skopos_core::model::Monitor;
use skopos_service::Agent;
use skopos_service::operations::Maintenance;
use skopos_service::store::{Budget, Stored};

#[derive(Serialize)]
pub(crate) struct MonitorStatus {
    id: String,
    monitor: String,
    /// The worst health of its collections, as announced.
    health: Health,
    paused: bool,
    /// Whether a window or silence mutes it, or a window pauses it, now.
    maintenance: MaintenanceNow,
    /// The earliest `failing_since` of its collections that are down or degraded.
    down_since: Option<DateTime<Utc>>,
    /// For a heartbeat monitor, its last ping (or missed deadline).
    last_run: Option<DateTime<Utc>>,
    next_run: Option<DateTime<Utc>>,
    /// `scheduled` or `heartbeat`.
    kind: &'static str,
    collections: Vec<CollectionStatus>,
    /// Its objective's error budget, when it has an `slo`.
    slo: Option<Budget>,
}

#[derive(Serialize)]
struct MaintenanceNow {
    muted: bool,
    paused: bool,
}

impl From<Maintenance> for MaintenanceNow {
    fn from(maintenance: Maintenance) -> Self {
        MaintenanceNow { muted: maintenance.muted, paused: maintenance.paused }
    }
}

#[derive(Serialize)]
struct CollectionStatus {
    collection: String,
    #[serde(flatten)]
    state: CollectionAlert,
}

/// Every monitor, each with its `status` (as `GET /monitors/{id}/status` gives it).
pub fn list_monitors(agent: &Agent) -> Reply_ {
    let mut listed = Vec::new();
    for stored in agent.store.monitors.list()? {
        let status = status_of(agent, &stored)?;
        let mut item = serde_json::to_value(&stored)
            .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        if let Some(fields) = item.as_object_mut() {
            fields.insert("status".into(), serde_json::json!(status));
        }
        listed.push(item);
    }
    json(StatusCode::OK, &listed)
}

pub fn monitor_status(agent: &Agent, key: &str) -> Reply_ {
    let stored = agent.store.monitors.get(key)?.ok_or_else(|| ApiError::not_found("monitor", key))?;
    json(StatusCode::OK, &status_of(agent, &stored)?)
}

pub(crate) fn status_of(agent: &Agent, stored: &Stored<Monitor>) -> Result<MonitorStatus, ApiError> {
    let mut collections = Vec::new();
    if stored.spec.is_heartbeat() {
        // A heartbeat monitor's runs are its own: their collection is the monitor.
        let state = agent.store.alert_state(&stored.id, &stored.id)?;
        collections.push(CollectionStatus { collection: stored.spec.name.clone(), state });
    }
    for name in &stored.spec.collections {
        let Some(collection) = agent.store.collections.get(name)? else { continue };
        let state = agent.store.alert_state(&stored.id, &collection.id)?;
        collections.push(CollectionStatus { collection: name.clone(), state });
    }
    let health = collections.iter().map(|c| c.state.overall.health).max().unwrap_or_default();
    let down_since = collections
        .iter()
        .filter(|c| c.state.overall.health != Health::Up)
        .filter_map(|c| c.state.overall.failing_since)
        .min();
    let spec = &stored.spec;
    let slo = match spec.slo.as_ref().map(skopos_core::plan::objective) {
        Some(Ok(objective)) => {
            let ids = skopos_service::status_page::collection_ids(&agent.store, stored)?;
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            Some(agent.store.error_budget(&ids, &objective, Utc::now())?)
        }
        _ => None,
    };
    Ok(MonitorStatus {
        slo,
        last_run: agent.store.last_run(&stored.id)?,
        next_run: agent.scheduler.next_run(&stored.id),
        id: stored.id.clone(),
        monitor: spec.name.clone(),
        health,
        paused: spec.paused,
        maintenance: agent.operations.at(&spec.name, &spec.tags, Utc::now()).into(),
        down_since,
        kind: if spec.is_heartbeat() { "heartbeat" } else { "scheduled" },
        collections,
    })
}

/// A monitor's state in a word, for badges: `down`, `degraded`, `maintenance`, `paused` or `up`.
pub(crate) fn health_now(agent: &Agent, stored: &Stored<Monitor>) -> Result<&'static str, ApiError> {
    let health = skopos_service::status_page::health_of(&agent.store, &stored.id)?;
    let maintenance = agent.operations.at(&stored.spec.name, &stored.spec.tags, Utc::now());
    Ok(match health {
        Health::Down => "down",
        Health::Degraded => "degraded",
        Health::Up if maintenance.muted || maintenance.paused => "maintenance",
        Health::Up if stored.spec.paused => "paused",
        Health::Up => "up",
    })
}
