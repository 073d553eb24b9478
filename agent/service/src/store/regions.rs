//! What regions need from the store: a follower's outbox (runs its primary has not
//! acknowledged), and on every agent the latest run of each collection in each region (the
//! cells of the region × collection matrix).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::runs::key_id;
use super::{RunRecord, RunStatus, Store, StoreError, from_json, to_json};

/// The latest run of a collection in one region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionCell {
    /// `""` for runs from an agent without `--region`.
    pub region: String,
    pub run_id: String,
    pub status: RunStatus,
    pub started_at: DateTime<Utc>,
    pub duration_ms: f64,
}

fn cell_key(collection_id: &str, region: &str) -> Vec<u8> {
    [collection_id.as_bytes(), &[0], region.as_bytes()].concat()
}

impl Store {
    /// From now on every stored run also waits in the outbox until [`Store::delivered`].
    pub fn keep_outbox(&self) {
        self.runs.keep_outbox.store(true, std::sync::atomic::Ordering::Release);
    }

    /// The oldest runs waiting in the outbox, at most `max_runs` of them and (beyond the first)
    /// at most `max_bytes` of JSON. Keys whose run was pruned meanwhile are dropped.
    pub fn outbox(&self, max_runs: usize, max_bytes: usize) -> Result<Vec<RunRecord>, StoreError> {
        let mut runs = Vec::new();
        let mut bytes = 0;
        for entry in self.runs.outbox.iter() {
            let (key, _) = entry?;
            let Some(value) = self.runs.runs.get(&key)? else {
                self.runs.outbox.remove(&key)?;
                continue;
            };
            if runs.len() == max_runs || (!runs.is_empty() && bytes + value.len() > max_bytes) {
                break;
            }
            bytes += value.len();
            let mut run: RunRecord = from_json(&value)?;
            run.id = key_id(&key);
            runs.push(run);
        }
        Ok(runs)
    }

    /// Resolves when a run has gone into the outbox (at once if one did since the last call).
    pub async fn outbox_filled(&self) {
        self.runs.outbox_filled.notified().await
    }

    /// The primary has these runs: they leave the outbox.
    pub fn delivered(&self, ids: &[String]) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for id in ids {
            if let Some(key) = super::runs::id_key(id) {
                batch.remove(&key);
            }
        }
        self.runs.outbox.apply_batch(batch)?;
        Ok(())
    }

    /// Keeps `run` as its collection's latest in its region, unless a later one is there
    /// (runs from a follower can arrive late). Skipped runs are no result.
    pub(super) fn note_latest(&self, run: &RunRecord) -> Result<(), StoreError> {
        if run.status == RunStatus::Skipped {
            return Ok(());
        }
        let region = run.region.clone().unwrap_or_default();
        let cell = RegionCell {
            region: region.clone(),
            run_id: run.id.clone(),
            status: run.status,
            started_at: run.started_at,
            duration_ms: run.duration_ms,
        };
        let value = to_json(&cell);
        self.latest.fetch_and_update(cell_key(&run.collection_id, &region), |old| {
            let newer = old
                .and_then(|old| from_json::<RegionCell>(old).ok())
                .is_some_and(|old| old.started_at > cell.started_at);
            if newer { old.map(|old| old.to_vec()) } else { Some(value.clone()) }
        })?;
        Ok(())
    }

    /// The latest run of a collection in each region that ran it, by region name.
    pub fn latest_by_region(&self, collection_id: &str) -> Result<Vec<RegionCell>, StoreError> {
        let prefix = [collection_id.as_bytes(), &[0]].concat();
        self.latest.scan_prefix(prefix).map(|entry| from_json(&entry?.1)).collect()
    }

    /// A follower in `region` was heard from at `at`.
    pub fn note_region_seen(&self, region: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.db.insert(format!("region_seen/{region}"), to_json(&at))?;
        Ok(())
    }

    /// Every region that sent runs, with when it last did.
    pub fn regions_seen(&self) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        self.db
            .scan_prefix("region_seen/")
            .map(|entry| {
                let (key, value) = entry?;
                let name = String::from_utf8_lossy(&key["region_seen/".len()..]).into_owned();
                Ok((name, from_json(&value)?))
            })
            .collect()
    }
}
