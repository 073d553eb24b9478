//! Hourly tallies of each collection's runs (passed, degraded, failed, in maintenance, total latency), kept beside the
//! runs so that uptime over 24 h and 7 d and a latency sparkline cost a few dozen small reads
//! per collection, however many runs there are. Tallies outlive pruned runs until they are
//! older than the retention cutoff.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use super::{RunRecord, RunStatus, Store, StoreError};

const HOUR_MICROS: i64 = 3_600_000_000;
/// Set once every run already stored has been counted (stores made before the tallies).
const COUNTED_KEY: &str = "run_stats_counted";

/// One collection's hour: runs that passed, were degraded or failed, and their summed
/// duration; runs in maintenance are counted apart and left out of the rest.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Tally {
    passed: u32,
    failed: u32,
    duration_ms: f64,
    degraded: u32,
    maintenance: u32,
}

impl Tally {
    /// Stores written before degraded runs and maintenance held the first 16 bytes only.
    const SIZE: usize = 24;

    fn of(run: &RunRecord) -> Option<Tally> {
        if run.in_maintenance && run.status != RunStatus::Skipped {
            return Some(Tally { maintenance: 1, ..Tally::default() });
        }
        let mut tally = Tally { duration_ms: run.duration_ms, ..Tally::default() };
        match run.status {
            RunStatus::Passed => tally.passed = 1,
            RunStatus::Degraded => tally.degraded = 1,
            RunStatus::Failed => tally.failed = 1,
            RunStatus::Skipped => return None,
        }
        Some(tally)
    }

    fn to_bytes(self) -> [u8; Tally::SIZE] {
        let mut bytes = [0u8; Tally::SIZE];
        bytes[..4].copy_from_slice(&self.passed.to_be_bytes());
        bytes[4..8].copy_from_slice(&self.failed.to_be_bytes());
        bytes[8..16].copy_from_slice(&self.duration_ms.to_be_bytes());
        bytes[16..20].copy_from_slice(&self.degraded.to_be_bytes());
        bytes[20..24].copy_from_slice(&self.maintenance.to_be_bytes());
        bytes
    }

    fn from_bytes(bytes: &[u8]) -> Tally {
        let count = |at: usize| bytes.get(at..at + 4).and_then(|b| b.try_into().ok()).map_or(0, u32::from_be_bytes);
        let sum = bytes.get(8..16).and_then(|b| b.try_into().ok()).map_or(0.0, f64::from_be_bytes);
        Tally { passed: count(0), failed: count(4), duration_ms: sum, degraded: count(16), maintenance: count(20) }
    }

    fn add(self, other: Tally) -> Tally {
        Tally {
            passed: self.passed + other.passed,
            failed: self.failed + other.failed,
            duration_ms: self.duration_ms + other.duration_ms,
            degraded: self.degraded + other.degraded,
            maintenance: self.maintenance + other.maintenance,
        }
    }

    /// The runs uptime counts: maintenance left out.
    fn runs(self) -> u32 {
        self.passed + self.degraded + self.failed
    }

    /// Degraded is up.
    fn up(self) -> u32 {
        self.passed + self.degraded
    }
}

/// sled merge operator: adds a tally to the hour's.
fn merge_tally(_key: &[u8], old: Option<&[u8]>, new: &[u8]) -> Option<Vec<u8>> {
    let old = old.map(Tally::from_bytes).unwrap_or_default();
    Some(old.add(Tally::from_bytes(new)).to_bytes().to_vec())
}

/// A collection's recent health, for lists and dashboards.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CollectionStats {
    /// Share of passed runs (0–1) over the last 24 hours; absent with no runs.
    pub uptime_24h: Option<f64>,
    pub uptime_7d: Option<f64>,
    pub runs_24h: u32,
    pub runs_7d: u32,
    /// Mean run duration per hour over the last 24 hours, oldest first (`null`: no runs).
    pub latency_24h_ms: Vec<Option<f64>>,
}

pub(super) struct Stats {
    tree: sled::Tree,
    /// The cutoff hour of the last pruning: tallies are pruned at most once an hour.
    pruned_before: std::sync::atomic::AtomicI64,
}

fn hour_of(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros().div_euclid(HOUR_MICROS)
}

fn key(collection_id: &str, hour: i64) -> Vec<u8> {
    [collection_id.as_bytes(), b"/", &hour.to_be_bytes()].concat()
}

impl Stats {
    pub(super) fn open(db: &sled::Db) -> Result<Stats, StoreError> {
        let tree = db.open_tree("run_stats")?;
        tree.set_merge_operator(merge_tally);
        Ok(Stats { tree, pruned_before: Default::default() })
    }

    pub(super) fn count(&self, run: &RunRecord) -> Result<(), StoreError> {
        if let Some(tally) = Tally::of(run) {
            self.tree.merge(key(&run.collection_id, hour_of(run.started_at)), tally.to_bytes())?;
        }
        Ok(())
    }
}

impl Store {
    /// Uptime and hourly latency of a collection's runs up to `now`.
    pub fn collection_stats(&self, collection_id: &str, now: DateTime<Utc>) -> Result<CollectionStats, StoreError> {
        let this_hour = hour_of(now);
        let first_hour = this_hour - 24 * 7 + 1;
        let (mut day, mut week) = (Tally::default(), Tally::default());
        let mut hourly = vec![None; 24];
        let range = key(collection_id, first_hour)..key(collection_id, this_hour + 1);
        for entry in self.stats.tree.range(range) {
            let (key, value) = entry?;
            let hour_bytes = key.get(key.len() - 8..).and_then(|b| b.try_into().ok());
            let hour = hour_bytes.map(i64::from_be_bytes).ok_or_else(|| StoreError::Corrupt("stats key".into()))?;
            let tally = Tally::from_bytes(&value);
            week = week.add(tally);
            let hours_ago = this_hour - hour;
            if (0..24).contains(&hours_ago) {
                day = day.add(tally);
                if tally.runs() > 0 {
                    hourly[(23 - hours_ago) as usize] = Some(tally.duration_ms / f64::from(tally.runs()));
                }
            }
        }
        let uptime = |t: Tally| (t.runs() > 0).then(|| f64::from(t.up()) / f64::from(t.runs()));
        Ok(CollectionStats {
            uptime_24h: uptime(day),
            uptime_7d: uptime(week),
            runs_24h: day.runs(),
            runs_7d: week.runs(),
            latency_24h_ms: hourly,
        })
    }

    /// Counts the runs of the last week once, for a store written before tallies were kept.
    pub(super) fn count_stored_runs(&self) -> Result<(), StoreError> {
        if self.setting(COUNTED_KEY)?.is_some() {
            return Ok(());
        }
        let week_ago = Utc::now() - TimeDelta::days(8);
        let query = super::RunQuery { since: Some(week_ago), limit: usize::MAX, ..Default::default() };
        for run in self.runs(&query)?.runs {
            self.stats.count(&run)?;
        }
        self.set_setting(COUNTED_KEY, b"1")
    }

    /// Drops tallies of hours that ended before `cutoff`.
    pub(super) fn prune_stats(&self, cutoff: DateTime<Utc>) -> Result<(), StoreError> {
        let oldest_kept = hour_of(cutoff);
        if self.stats.pruned_before.swap(oldest_kept, std::sync::atomic::Ordering::Relaxed) == oldest_kept {
            return Ok(());
        }
        let mut doomed = Vec::new();
        for entry in self.stats.tree.iter() {
            let (key, _) = entry?;
            let hour = key.get(key.len().saturating_sub(8)..).and_then(|b| b.try_into().ok()).map(i64::from_be_bytes);
            if hour.is_some_and(|hour| hour < oldest_kept) {
                doomed.push(key);
            }
        }
        for key in doomed {
            self.stats.tree.remove(key)?;
        }
        Ok(())
    }
}

#[cfg(test)]
impl Store {
    pub(super) fn stats_tree_for_tests(&self) -> &sled::Tree {
        &self.stats.tree
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_round_trip_and_add() {
        let a = Tally { passed: 3, failed: 1, duration_ms: 12.5, degraded: 2, maintenance: 1 };
        assert_eq!(Tally::from_bytes(&a.to_bytes()), a);
        let merged = merge_tally(b"k", Some(&a.to_bytes()), &a.to_bytes()).unwrap();
        let doubled = Tally { passed: 6, failed: 2, duration_ms: 25.0, degraded: 4, maintenance: 2 };
        assert_eq!(Tally::from_bytes(&merged), doubled);
        // An hour written by an older agent (16 bytes) merges with a new one.
        let old = merge_tally(b"k", Some(&a.to_bytes()[..16]), &a.to_bytes()).unwrap();
        assert_eq!(Tally::from_bytes(&old), Tally { degraded: 2, maintenance: 1, ..doubled });
    }

    #[test]
    fn degraded_runs_are_up_and_maintenance_is_left_out() {
        let tally = Tally { passed: 2, degraded: 1, failed: 1, maintenance: 5, duration_ms: 0.0 };
        assert_eq!((tally.up(), tally.runs()), (3, 4));
    }
}
