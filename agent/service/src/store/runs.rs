//! Runs: stored under time-ordered keys, indexed by collection and by monitor, so that the
//! newest runs of anything, and runs in a time range, are range scans.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::ConflictableTransactionError;

use super::{Store, StoreError, from_json, to_json};
use skopos_core::report::{CollectionReport, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Passed,
    /// Passed, but a `warn` assertion failed: counts as up.
    Degraded,
    Failed,
    /// The monitor fired while its previous run was still going.
    Skipped,
}

impl From<Outcome> for RunStatus {
    fn from(outcome: Outcome) -> RunStatus {
        match outcome {
            Outcome::Passed => RunStatus::Passed,
            Outcome::Degraded => RunStatus::Degraded,
            Outcome::Failed => RunStatus::Failed,
        }
    }
}

impl RunStatus {
    /// What the run came to; none for a skipped run.
    pub fn outcome(self) -> Option<Outcome> {
        match self {
            RunStatus::Passed => Some(Outcome::Passed),
            RunStatus::Degraded => Some(Outcome::Degraded),
            RunStatus::Failed => Some(Outcome::Failed),
            RunStatus::Skipped => None,
        }
    }
}

/// One run of a collection, on demand or for a monitor.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    /// Assigned when stored: 32 hex digits, the first 16 the start time in microseconds.
    #[serde(default)]
    pub id: String,
    pub collection_id: String,
    pub collection: String,
    pub monitor_id: Option<String>,
    pub monitor: Option<String>,
    pub status: RunStatus,
    pub started_at: DateTime<Utc>,
    /// For a monitor's run, the slot it was due at: `started_at - due_at` is the scheduler's lag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    /// The region of the agent that ran it (`serve --region`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// On a primary, when the run arrived from the follower that ran it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<DateTime<Utc>>,
    pub duration_ms: f64,
    /// Ran while a maintenance window or a silence muted its monitor: no alert came of it,
    /// and uptime leaves it out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub in_maintenance: bool,
    /// For a heartbeat's run, what the job sent with its ping (up to 10 KiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
    /// Every step's result; absent for a skipped run.
    pub report: Option<CollectionReport>,
}

impl RunRecord {
    /// A run of collection `collection_id` (`collection` by name) that started at
    /// `started_at` in `region`, as it is stored: passed or failed as its report says, or
    /// skipped without one. The monitor and its slot are set by [`RunRecord::for_monitor`].
    pub fn new(
        (collection_id, collection): (&str, &str),
        started_at: DateTime<Utc>,
        region: Option<String>,
        report: Option<CollectionReport>,
    ) -> RunRecord {
        let status = match report.as_ref().map(CollectionReport::outcome) {
            Some(outcome) => RunStatus::from(outcome),
            None => RunStatus::Skipped,
        };
        RunRecord {
            id: String::new(),
            received_at: None,
            collection_id: collection_id.to_string(),
            collection: collection.to_string(),
            monitor_id: None,
            monitor: None,
            status,
            started_at,
            due_at: None,
            region,
            duration_ms: report.as_ref().map_or(0.0, |r| r.duration_ms),
            in_maintenance: false,
            log: None,
            report,
        }
    }

    /// The run as monitor `monitor_id` (`monitor` by name) made it for its slot `due_at`.
    pub fn for_monitor(self, (monitor_id, monitor): (&str, &str), due_at: DateTime<Utc>) -> RunRecord {
        RunRecord {
            monitor_id: Some(monitor_id.to_string()),
            monitor: Some(monitor.to_string()),
            due_at: Some(due_at),
            ..self
        }
    }
}

/// Which runs to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct RunQuery {
    pub collection_id: Option<String>,
    pub monitor_id: Option<String>,
    pub status: Option<RunStatus>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only runs from this region.
    pub region: Option<String>,
    pub limit: usize,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RunPage {
    pub runs: Vec<RunRecord>,
    /// Where the next (older) page starts, when there is one.
    pub next_cursor: Option<String>,
}

pub(super) struct Runs {
    pub(super) runs: sled::Tree,
    by_collection: sled::Tree,
    by_monitor: sled::Tree,
    /// On a follower: keys of runs its primary has not acknowledged yet.
    pub(super) outbox: sled::Tree,
    /// Whether new runs go into the outbox (`serve --primary`).
    pub(super) keep_outbox: std::sync::atomic::AtomicBool,
    /// Told when a run goes into the outbox.
    pub(super) outbox_filled: tokio::sync::Notify,
}

type RunKey = [u8; 16];

/// A key that sorts by time: the time in microseconds, then `unique` (the runs and the
/// notification log both use it).
pub(super) fn time_ordered_key(at: DateTime<Utc>, unique: u64) -> RunKey {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&at.timestamp_micros().max(0).to_be_bytes());
    key[8..].copy_from_slice(&unique.to_be_bytes());
    key
}

pub(super) fn key_id(key: &[u8]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn id_key(id: &str) -> Option<RunKey> {
    if id.len() != 32 {
        return None;
    }
    let mut key = [0u8; 16];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(id.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(key)
}

/// The smallest key at or after `time`.
pub(super) fn time_key(time: DateTime<Utc>) -> RunKey {
    time_ordered_key(time, 0)
}

fn indexed(prefix: &str, key: &[u8]) -> Vec<u8> {
    [prefix.as_bytes(), key].concat()
}

impl Runs {
    pub(super) fn open(db: &sled::Db) -> Result<Runs, StoreError> {
        Ok(Runs {
            runs: db.open_tree("runs")?,
            by_collection: db.open_tree("runs_by_collection")?,
            by_monitor: db.open_tree("runs_by_monitor")?,
            outbox: db.open_tree("runs_outbox")?,
            keep_outbox: Default::default(),
            outbox_filled: Default::default(),
        })
    }
}

impl Store {
    /// Stores a run; returns it with its id. A follower also puts it in its outbox, in the
    /// same transaction, so a run is never stored without being sent.
    pub fn insert_run(&self, mut run: RunRecord) -> Result<RunRecord, StoreError> {
        let key = time_ordered_key(run.started_at, rand_u64());
        run.id = key_id(&key);
        let outbox = self.runs.keep_outbox.load(std::sync::atomic::Ordering::Acquire);
        self.write_run(&key, &run, outbox)?;
        Ok(run)
    }

    /// Stores a run that a follower sent, under the id it was given there; `None` when a run
    /// with that id is already stored (a follower resends what it was not sure arrived).
    pub fn receive_run(&self, run: RunRecord) -> Result<Option<RunRecord>, StoreError> {
        let key = id_key(&run.id).ok_or_else(|| StoreError::Corrupt(format!("`{}` is not a run id", run.id)))?;
        Ok(self.write_run(&key, &run, false)?.then_some(run))
    }

    /// Writes a run and its indexes unless its key is taken; `false` when it was.
    fn write_run(&self, key: &RunKey, run: &RunRecord, outbox: bool) -> Result<bool, StoreError> {
        let Runs { runs, by_collection, by_monitor, outbox: pending, .. } = &self.runs;
        let written =
            (runs, by_collection, by_monitor, pending).transaction(|(runs, by_collection, by_monitor, pending)| {
                if runs.get(key)?.is_some() {
                    return Ok(false);
                }
                runs.insert(key, to_json(run))?;
                by_collection.insert(indexed(&run.collection_id, key), &[])?;
                if let Some(monitor) = &run.monitor_id {
                    by_monitor.insert(indexed(monitor, key), &[])?;
                }
                if outbox {
                    pending.insert(key, &[])?;
                }
                Ok::<_, ConflictableTransactionError<StoreError>>(true)
            })?;
        if written {
            self.stats.count(run)?;
            self.note_latest(run)?;
            if outbox {
                self.runs.outbox_filled.notify_one();
            }
        }
        Ok(written)
    }

    pub fn run(&self, id: &str) -> Result<Option<RunRecord>, StoreError> {
        let Some(key) = id_key(id) else { return Ok(None) };
        self.runs.runs.get(key)?.map(|bytes| from_json(&bytes)).transpose()
    }

    /// Runs matching `query`, newest first, a page at a time.
    pub fn runs(&self, query: &RunQuery) -> Result<RunPage, StoreError> {
        let (tree, prefix) = match (&query.collection_id, &query.monitor_id) {
            (Some(collection), _) => (&self.runs.by_collection, collection.as_str()),
            (None, Some(monitor)) => (&self.runs.by_monitor, monitor.as_str()),
            (None, None) => (&self.runs.runs, ""),
        };
        let lower = indexed(prefix, &query.since.map_or([0; 16], time_key));
        let mut upper = match &query.until {
            Some(until) => indexed(prefix, &time_key(*until + chrono::TimeDelta::microseconds(1))),
            None => indexed(prefix, &[0xff; 17]),
        };
        if let Some(cursor) = query.cursor.as_deref().and_then(id_key) {
            upper = upper.min(indexed(prefix, &cursor));
        }
        let limit = query.limit.max(1);
        let mut runs = Vec::with_capacity(limit.min(1000));
        let mut next_cursor = None;
        for entry in tree.range(lower..upper).rev() {
            let (key, value) = entry?;
            let run_key = &key[prefix.len()..];
            let run: RunRecord = if prefix.is_empty() {
                from_json(&value)?
            } else {
                match self.runs.runs.get(run_key)? {
                    Some(bytes) => from_json(&bytes)?,
                    None => continue,
                }
            };
            let wanted = query.status.is_none_or(|status| run.status == status)
                && query.region.as_ref().is_none_or(|region| run.region.as_ref() == Some(region))
                && query.monitor_id.as_ref().is_none_or(|monitor| run.monitor_id.as_ref() == Some(monitor));
            if !wanted {
                continue;
            }
            if runs.len() == limit {
                next_cursor = runs.last().map(|last: &RunRecord| last.id.clone());
                break;
            }
            runs.push(run);
        }
        Ok(RunPage { runs, next_cursor })
    }

    /// Deletes runs that started before `cutoff`, and each collection's runs beyond the newest
    /// `keep_per_collection`, at most `max` of them per call (call again while it returns
    /// `max`, so a large backlog never holds the store for long). Returns how many went.
    pub fn prune(&self, cutoff: DateTime<Utc>, keep_per_collection: usize, max: usize) -> Result<usize, StoreError> {
        let mut doomed: Vec<RunKey> = Vec::new();
        for entry in self.runs.runs.range(..time_key(cutoff)) {
            if doomed.len() == max {
                break;
            }
            let (key, _) = entry?;
            doomed.push(key.as_ref().try_into().map_err(|_| StoreError::Corrupt("run key".into()))?);
        }
        let mut start: Vec<u8> = Vec::new();
        while doomed.len() < max {
            let Some(entry) = self.runs.by_collection.range(start.clone()..).next() else { break };
            let (key, _) = entry?;
            let prefix = key[..key.len() - 16].to_vec();
            for old in self.runs.by_collection.scan_prefix(&prefix).rev().skip(keep_per_collection) {
                if doomed.len() == max {
                    break;
                }
                let (key, _) = old?;
                let run_key: RunKey =
                    key[prefix.len()..].try_into().map_err(|_| StoreError::Corrupt("run index key".into()))?;
                if !doomed.contains(&run_key) {
                    doomed.push(run_key);
                }
            }
            start = [prefix.as_slice(), &[0xff; 17]].concat();
        }
        for key in &doomed {
            self.delete_run(key)?;
        }
        self.prune_stats(cutoff)?;
        Ok(doomed.len())
    }

    fn delete_run(&self, key: &RunKey) -> Result<(), StoreError> {
        let Some(bytes) = self.runs.runs.get(key)? else { return Ok(()) };
        let run: RunRecord = from_json(&bytes)?;
        let Runs { runs, by_collection, by_monitor, .. } = &self.runs;
        (runs, by_collection, by_monitor).transaction(|(runs, by_collection, by_monitor)| {
            runs.remove(key)?;
            by_collection.remove(indexed(&run.collection_id, key))?;
            if let Some(monitor) = &run.monitor_id {
                by_monitor.remove(indexed(monitor, key))?;
            }
            Ok::<_, ConflictableTransactionError<StoreError>>(())
        })?;
        Ok(())
    }
}

pub(super) fn rand_u64() -> u64 {
    uuid::Uuid::new_v4().as_u64_pair().0
}
