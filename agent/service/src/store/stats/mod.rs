//! Hourly and daily tallies of each collection's runs (passed, degraded, failed, in
//! maintenance, total latency and a latency histogram), kept beside the runs so that uptime
//! over 24 h and 7 d, a latency sparkline, a status page's daily bars and a 90-day report cost
//! a few dozen small reads per collection, however many runs there are. Hourly tallies outlive
//! pruned runs until they are older than the retention cutoff; daily ones are kept 400 days.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use super::{RunRecord, Store, StoreError};

mod periods;
mod tally;

pub use periods::{Budget, DayBar, DayState, Period, PeriodLength, last_days, uptime_over};
pub(crate) use tally::Tally;

const HOUR_MICROS: i64 = 3_600_000_000;
const DAY_MICROS: i64 = 24 * HOUR_MICROS;
/// Set once every run already stored has been counted (stores made before the tallies).
const COUNTED_KEY: &str = "run_stats_counted";
/// Daily tallies are kept this long, whatever the runs' retention: reports and objectives
/// reach back a year.
const DAYS_KEPT: i64 = 400;

/// Runs of some collections over the last hours ([`Store::recent`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recent {
    /// Share of runs up (0–1); none without runs.
    pub uptime: Option<f64>,
    pub mean_ms: Option<f64>,
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
    days: sled::Tree,
    /// The cutoff hour of the last pruning: tallies are pruned at most once an hour.
    pruned_before: std::sync::atomic::AtomicI64,
}

fn hour_of(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros().div_euclid(HOUR_MICROS)
}

/// What daily tallies of a collection's runs in one region are kept under: pass it to
/// [`Store::day_bars`] and the others in place of a collection id.
pub fn in_region(collection_id: &str, region: &str) -> String {
    format!("{collection_id}\u{0}{region}")
}

/// The UTC day of `at`, counted from 1970-01-01.
pub fn day_of(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros().div_euclid(DAY_MICROS)
}

fn key(collection_id: &str, hour: i64) -> Vec<u8> {
    [collection_id.as_bytes(), b"/", &hour.to_be_bytes()].concat()
}

impl Stats {
    pub(super) fn open(db: &sled::Db) -> Result<Stats, StoreError> {
        let tree = db.open_tree("run_stats")?;
        tree.set_merge_operator(tally::merge_tally);
        let days = db.open_tree("run_stats_daily")?;
        days.set_merge_operator(tally::merge_tally);
        Ok(Stats { tree, days, pruned_before: Default::default() })
    }

    pub(super) fn count(&self, run: &RunRecord) -> Result<(), StoreError> {
        if let Some(tally) = Tally::of(run) {
            let bytes = tally.to_bytes();
            let day = day_of(run.started_at);
            self.tree.merge(key(&run.collection_id, hour_of(run.started_at)), &bytes)?;
            self.days.merge(key(&run.collection_id, day), &bytes)?;
            if let Some(region) = &run.region {
                self.days.merge(key(&in_region(&run.collection_id, region), day), bytes)?;
            }
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
        let hour_of_key = |key: &[u8]| {
            let hour_bytes = key.get(key.len() - 8..).and_then(|b| b.try_into().ok());
            hour_bytes.map(i64::from_be_bytes).ok_or_else(|| StoreError::Corrupt("stats key".into()))
        };
        let mut hourly = vec![None; 24];
        let range = key(collection_id, first_hour)..key(collection_id, this_hour + 1);
        for entry in self.stats.tree.range(range) {
            let (key, value) = entry?;
            let hours_ago = this_hour - hour_of_key(&key)?;
            let tally = Tally::from_bytes(&value);
            week.add(&tally);
            if (0..24).contains(&hours_ago) {
                day.add(&tally);
                hourly[(23 - hours_ago) as usize] = tally.mean_ms();
            }
        }
        Ok(CollectionStats {
            uptime_24h: day.uptime(),
            uptime_7d: week.uptime(),
            runs_24h: day.runs(),
            runs_7d: week.runs(),
            latency_24h_ms: hourly,
        })
    }

    /// Counts the runs of the last week once, for a store written before tallies were kept;
    /// and folds the hourly tallies into daily ones once, for a store written before those.
    pub(super) fn count_stored_runs(&self) -> Result<(), StoreError> {
        if self.stats.days.is_empty() && !self.stats.tree.is_empty() {
            for entry in self.stats.tree.iter() {
                let (key, value) = entry?;
                let Some((id, hour)) = key.split_last_chunk::<8>() else { continue };
                let Some(id) = id.strip_suffix(b"/") else { continue };
                let day = i64::from_be_bytes(*hour).div_euclid(24);
                self.stats.days.merge([id, b"/", &day.to_be_bytes()].concat(), value)?;
            }
        }
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

    /// The runs of the collections `collection_ids` over the last `hours` hours up to `now`,
    /// summed: their uptime and mean duration.
    pub fn recent(&self, collection_ids: &[&str], now: DateTime<Utc>, hours: i64) -> Result<Recent, StoreError> {
        let this_hour = hour_of(now);
        let mut sum = Tally::default();
        for id in collection_ids {
            for entry in self.stats.tree.range(key(id, this_hour - hours + 1)..key(id, this_hour + 1)) {
                sum.add(&Tally::from_bytes(&entry?.1));
            }
        }
        Ok(Recent { uptime: sum.uptime(), mean_ms: sum.mean_ms() })
    }

    /// The summed tally of each UTC day from `first_day` to `last_day` over the collections
    /// `collection_ids`, oldest first.
    pub(crate) fn day_tallies(
        &self,
        collection_ids: &[&str],
        first_day: i64,
        last_day: i64,
    ) -> Result<Vec<Tally>, StoreError> {
        let mut days = vec![Tally::default(); (last_day - first_day + 1).max(0) as usize];
        for id in collection_ids {
            for entry in self.stats.days.range(key(id, first_day)..key(id, last_day + 1)) {
                let (key, value) = entry?;
                let day = key.get(key.len() - 8..).and_then(|b| b.try_into().ok()).map(i64::from_be_bytes);
                let day = day.ok_or_else(|| StoreError::Corrupt("daily stats key".into()))?;
                if let Some(tally) = days.get_mut((day - first_day) as usize) {
                    tally.add(&Tally::from_bytes(&value));
                }
            }
        }
        Ok(days)
    }

    /// Drops hourly tallies of hours that ended before `cutoff`, and daily tallies older
    /// than 400 days.
    pub(super) fn prune_stats(&self, cutoff: DateTime<Utc>) -> Result<(), StoreError> {
        let oldest_kept = hour_of(cutoff);
        if self.stats.pruned_before.swap(oldest_kept, std::sync::atomic::Ordering::Relaxed) == oldest_kept {
            return Ok(());
        }
        let oldest_day = day_of(Utc::now()) - DAYS_KEPT;
        for (tree, oldest) in [(&self.stats.tree, oldest_kept), (&self.stats.days, oldest_day)] {
            let mut doomed = Vec::new();
            for entry in tree.iter() {
                let (key, _) = entry?;
                let at = key.get(key.len().saturating_sub(8)..).and_then(|b| b.try_into().ok()).map(i64::from_be_bytes);
                if at.is_some_and(|at| at < oldest) {
                    doomed.push(key);
                }
            }
            for key in doomed {
                tree.remove(key)?;
            }
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
    fn degraded_runs_are_up_and_maintenance_is_left_out() {
        let tally = Tally { passed: 2, degraded: 1, failed: 1, maintenance: 5, ..Tally::default() };
        assert_eq!((tally.up(), tally.runs()), (3, 4));
    }
}
