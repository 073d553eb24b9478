//! The API between regions: what a follower reads (`GET /api/v1/definitions`) and sends
//! (`POST /api/v1/regions/{region}/runs`), and the region × collection matrix people read
//! (`GET /api/v1/regions`).

use std::collections::BTreeMap;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;
use warp::Reply;
use warp::http::{HeaderValue, StatusCode, header};

use super::error::{ApiError, conflict};
use super::handlers::Reply_;
use skopos_service::Agent;
use skopos_service::access::Principal;
use skopos_service::region::{PluginFiles, Receipt, RunBatch, Snapshot, check_region_name};
use skopos_service::store::RegionCell;

/// Every collection and monitor with its id, for followers to mirror. The `ETag` is a hash
/// of the reply: a follower that sends it back in `If-None-Match` gets `304` while nothing changed.
pub fn definitions(agent: &Agent, if_none_match: Option<&str>) -> Reply_ {
    let snapshot = Snapshot {
        collections: agent.store.collections.list()?,
        monitors: agent.store.monitors.list()?,
        windows: agent.store.windows.list()?,
    };
    let body = serde_json::to_vec(&snapshot).expect("definitions serialize");
    let etag = super::etag::of(&body);
    let mut reply = super::etag::reply(body.into(), &etag, if_none_match);
    if reply.status() == StatusCode::OK {
        reply.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    Ok(reply)
}

/// Stores runs a follower sent, each once; a run already stored counts as a duplicate.
pub fn receive_runs(agent: &Agent, who: &Principal, region: &str, body: &Bytes) -> Reply_ {
    if agent.primary.is_some() {
        return Err(conflict("this agent follows a primary; followers send their runs there".into()));
    }
    // A follower token sends its own region's runs, and no other's.
    if let Some(bound) = who.region.as_deref().filter(|bound| *bound != region) {
        let message = format!("this follower token is bound to region `{bound}`, not `{region}`");
        return Err(ApiError::new(StatusCode::FORBIDDEN, message));
    }
    check_region_name(region).map_err(|message| ApiError::at_field(StatusCode::BAD_REQUEST, "region", message))?;
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let batch: RunBatch = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let field = error.path().to_string();
        ApiError::at_field(StatusCode::UNPROCESSABLE_ENTITY, &field, error.into_inner().to_string())
    })?;
    let mut receipt = Receipt { stored: 0, duplicates: 0 };
    for (index, mut run) in batch.runs.into_iter().enumerate() {
        run.region = Some(region.to_string());
        let id = run.id.clone();
        let stored = agent.scheduler.receive(run).map_err(|error| match error {
            skopos_service::store::StoreError::Corrupt(message) => ApiError::at_field(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("runs[{index}].id"),
                format!("`{id}`: {message}"),
            ),
            other => other.into(),
        })?;
        if stored { receipt.stored += 1 } else { receipt.duplicates += 1 }
    }
    agent.store.note_region_seen(region, Utc::now())?;
    agent.store.flush()?;
    Ok(warp::reply::json(&receipt).into_response())
}

#[derive(Serialize)]
struct Matrix {
    /// Every region heard from, by name (`""`: runs of an agent without `--region`).
    regions: Vec<RegionSummary>,
    collections: Vec<CollectionRow>,
}

#[derive(Serialize)]
struct RegionSummary {
    name: String,
    /// When its follower last sent runs (absent for this agent's own region).
    last_seen: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
struct CollectionRow {
    id: String,
    name: String,
    /// The latest run in each region, by region name.
    regions: BTreeMap<String, RegionCell>,
}

/// The latest result of every collection in every region.
pub fn matrix(agent: &Agent) -> Reply_ {
    let seen = agent.store.regions_seen()?.into_iter().map(|(name, at)| (name, Some(at)));
    let mut names: BTreeMap<String, Option<DateTime<Utc>>> = seen.collect();
    let mut collections = Vec::new();
    for collection in agent.store.collections.list()? {
        let mut regions = BTreeMap::new();
        for cell in agent.store.latest_by_region(&collection.id)? {
            names.entry(cell.region.clone()).or_default();
            regions.insert(cell.region.clone(), cell);
        }
        collections.push(CollectionRow { id: collection.id, name: collection.spec.name, regions });
    }
    let regions = names.into_iter().map(|(name, last_seen)| RegionSummary { name, last_seen }).collect();
    Ok(warp::reply::json(&Matrix { regions, collections }).into_response())
}

/// An added plugin's component and manifest, for followers to load the same plugin. Built-in
/// plugins are in every agent's binary and are not served.
pub fn plugin_files(agent: &Agent, name: &str) -> Reply_ {
    let info = agent.plugins.iter().flat_map(|host| host.plugins()).find(|plugin| plugin.name == name);
    let info = info.ok_or_else(|| ApiError::not_found("plugin", name))?;
    if info.source == "built-in" {
        return Err(ApiError::new(StatusCode::NOT_FOUND, format!("`{name}` is built in: every agent has it")));
    }
    let wasm_path = std::path::Path::new(&info.source);
    let unreadable = |path: &std::path::Path, error: std::io::Error| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("{}: {error}", path.display()))
    };
    let wasm = std::fs::read(wasm_path).map_err(|e| unreadable(wasm_path, e))?;
    let manifest_path = wasm_path.with_extension("yaml");
    let manifest = std::fs::read_to_string(&manifest_path).map_err(|e| unreadable(&manifest_path, e))?;
    let wasm = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, wasm);
    Ok(warp::reply::json(&PluginFiles { name: name.to_string(), manifest, wasm }).into_response())
}
