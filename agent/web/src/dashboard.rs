//! `GET /api/v1/dashboard`: everything the console's first page shows, in one reply: each
//! monitor's state, its last runs (outcome, time, duration), uptime and latency over 24 hours,
//! the open incidents, and the maintenance windows and silences in force.

use chrono::{DateTime, Utc};
use serde::Serialize;
use warp::http::StatusCode;

use super::handlers::{Reply_, json};
use super::status::{MonitorStatus, status_of};
use skopos_service::Agent;
use skopos_service::status_page::collection_ids;
use skopos_service::store::{Incident, RunQuery, RunStatus, Silence};

/// How many of each monitor's runs the bar shows.
const LAST_RUNS: usize = 30;

#[derive(Serialize)]
struct RecentRun {
    id: String,
    status: RunStatus,
    started_at: DateTime<Utc>,
    duration_ms: f64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    in_maintenance: bool,
}

#[derive(Serialize)]
struct MonitorLine {
    name: String,
    tags: Vec<String>,
    status: MonitorStatus,
    /// Newest last.
    runs: Vec<RecentRun>,
    uptime_24h: Option<f64>,
    latency_24h_ms: Option<f64>,
}

#[derive(Serialize)]
struct ActiveWindow {
    name: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

#[derive(Serialize)]
struct Dashboard {
    monitors: Vec<MonitorLine>,
    incidents: Vec<Incident>,
    windows: Vec<ActiveWindow>,
    silences: Vec<Silence>,
}

pub fn dashboard(agent: &Agent) -> Reply_ {
    let now = Utc::now();
    let mut monitors = Vec::new();
    for stored in agent.store.monitors.list()? {
        let query = RunQuery { monitor_id: Some(stored.id.clone()), limit: LAST_RUNS, ..RunQuery::default() };
        let mut runs: Vec<RecentRun> = agent
            .store
            .runs(&query)?
            .runs
            .into_iter()
            .map(|run| RecentRun {
                id: run.id,
                status: run.status,
                started_at: run.started_at,
                duration_ms: run.duration_ms,
                in_maintenance: run.in_maintenance,
            })
            .collect();
        runs.reverse();
        let ids = collection_ids(&agent.store, &stored)?;
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let day = agent.store.recent(&ids, now, 24)?;
        monitors.push(MonitorLine {
            name: stored.spec.name.clone(),
            tags: stored.spec.tags.clone(),
            status: status_of(agent, &stored)?,
            runs,
            uptime_24h: day.uptime,
            latency_24h_ms: day.mean_ms,
        });
    }
    let windows = agent
        .operations
        .windows()
        .iter()
        .filter_map(|window| {
            window.active_at(now).map(|(start, end)| ActiveWindow { name: window.name.clone(), start, end })
        })
        .collect();
    let dashboard = Dashboard {
        monitors,
        incidents: agent.store.incidents(50, Incident::is_open)?,
        windows,
        silences: agent.store.silences(now)?,
    };
    json(StatusCode::OK, &dashboard)
}
