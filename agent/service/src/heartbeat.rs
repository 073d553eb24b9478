//! Heartbeat monitors: a job that cannot be called pings its secret URL instead. Each watched
//! monitor has a deadline: its last ping plus `every` (or the next `cron` slot after it) plus
//! `grace`, or, after `/start`, the start plus `grace`. The scheduler sleeps until the earliest
//! deadline and records a failed run for each one missed, then watches for the next period.
//! Keys are kept as SHA-256 digests; each key's pings are rate limited, and a ping to an
//! unknown key stores nothing.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::access::Limit;
use crate::deadlines::Deadlines;
use crate::secret::digest;
use skopos_core::plan::MonitorPlan;
use skopos_core::report::Outcome;
use skopos_core::schedule::Schedule;

/// What a ping says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ping {
    /// `/ping/{key}`: the job ran fine.
    Success,
    /// `/ping/{key}/start`: the job started; it has `grace` to finish.
    Start,
    /// `/ping/{key}/fail`: the job failed.
    Fail,
}

/// A run to record for a heartbeat monitor.
#[derive(Debug, Clone, PartialEq)]
pub struct Beat {
    pub monitor_id: String,
    pub outcome: Outcome,
    /// When the job started (its `/start`, or the ping itself).
    pub started_at: DateTime<Utc>,
    pub duration_ms: f64,
    /// Why it failed, in words.
    pub message: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PingError {
    #[error("no heartbeat monitor has this key")]
    UnknownKey,
    #[error("too many pings; try again in {} s", .0.as_secs().max(1))]
    Limited(Duration),
}

struct Watch {
    schedule: Schedule,
    grace: TimeDelta,
    last_ping: DateTime<Utc>,
    started: Option<DateTime<Utc>>,
}

impl Watch {
    /// The deadline after a finished run at `at`: the next expected ping, plus grace.
    fn deadline_after(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        self.schedule.next_after(at).unwrap_or(at + TimeDelta::days(365)) + self.grace
    }
}

#[derive(Default)]
struct State {
    by_digest: HashMap<Vec<u8>, String>,
    watches: HashMap<String, Watch>,
    /// Each watched monitor's deadline, by monitor id.
    deadlines: Deadlines<String>,
}

pub struct Heartbeats {
    state: Mutex<State>,
    /// Pings per key: a burst of 20, then one every 3 s.
    per_key: Limit,
    /// Pings to unknown keys per address: a burst of 20, then one every 3 s.
    misses: Limit,
}

impl Default for Heartbeats {
    fn default() -> Self {
        let limit = || Limit::new(20, Duration::from_secs(3));
        Heartbeats { state: Mutex::default(), per_key: limit(), misses: limit() }
    }
}

impl Heartbeats {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Watches a heartbeat monitor whose last ping (or, never pinged, the moment it began to
    /// be watched) was `since`, reachable by the key with this digest.
    pub fn watch(&self, monitor_id: &str, plan: &MonitorPlan, since: DateTime<Utc>, key_digest: Option<Vec<u8>>) {
        let Some(heartbeat) = plan.heartbeat else { return };
        let mut state = self.state();
        // Set again (its definition changed, or a collection did): a job that started keeps
        // its own deadline.
        let started = state.watches.get(monitor_id).and_then(|watch| watch.started);
        self.forget(&mut state, monitor_id);
        let watch = Watch { schedule: plan.schedule.clone(), grace: heartbeat.grace, last_ping: since, started };
        let deadline = match started {
            Some(started) => started + watch.grace,
            None => watch.deadline_after(since),
        };
        state.deadlines.set(monitor_id.to_string(), Some(deadline));
        state.watches.insert(monitor_id.to_string(), watch);
        if let Some(digest) = key_digest {
            state.by_digest.insert(digest, monitor_id.to_string());
        }
    }

    pub fn unwatch(&self, monitor_id: &str) {
        let mut state = self.state();
        self.forget(&mut state, monitor_id);
    }

    fn forget(&self, state: &mut State, monitor_id: &str) {
        state.watches.remove(monitor_id);
        state.deadlines.set(monitor_id.to_string(), None);
        state.by_digest.retain(|_, id| id != monitor_id);
    }

    /// Gives a watched monitor a new key (by its digest); the old one stops working.
    pub fn set_key(&self, monitor_id: &str, key_digest: Vec<u8>) {
        let mut state = self.state();
        state.by_digest.retain(|_, id| id != monitor_id);
        state.by_digest.insert(key_digest, monitor_id.to_string());
    }

    /// Takes a ping with `key` at `at` from `address`: the run to record, if the ping ends
    /// one (`/start` only moves the deadline).
    pub fn ping(&self, key: &str, ping: Ping, at: DateTime<Utc>, address: &str) -> Result<Option<Beat>, PingError> {
        self.misses.check(address).map_err(PingError::Limited)?;
        let key_digest = digest(key);
        let mut state = self.state();
        let Some(monitor_id) = state.by_digest.get(&key_digest).cloned() else {
            self.misses.fail(address);
            return Err(PingError::UnknownKey);
        };
        let limited = crate::secret::hex(&key_digest);
        self.per_key.check(&limited).map_err(PingError::Limited)?;
        self.per_key.fail(&limited);
        let watch = state.watches.get_mut(&monitor_id).ok_or(PingError::UnknownKey)?;
        if ping == Ping::Start {
            watch.started = Some(at);
            let deadline = at + watch.grace;
            state.deadlines.set(monitor_id, Some(deadline));
            return Ok(None);
        }
        let started_at = watch.started.take().unwrap_or(at);
        watch.last_ping = at;
        let deadline = watch.deadline_after(at);
        state.deadlines.set(monitor_id.clone(), Some(deadline));
        let (outcome, message) = match ping {
            Ping::Fail => (Outcome::Failed, Some("the job reported a failure (/fail)".to_string())),
            _ => (Outcome::Passed, None),
        };
        let duration_ms = (at - started_at).num_microseconds().unwrap_or(0) as f64 / 1000.0;
        Ok(Some(Beat { monitor_id, outcome, started_at, duration_ms, message }))
    }

    /// The missed deadlines by `now`, as failed runs; each monitor is then watched for its
    /// next period.
    pub fn missed(&self, now: DateTime<Utc>) -> Vec<Beat> {
        let mut state = self.state();
        let mut beats = Vec::new();
        let State { watches, deadlines, .. } = &mut *state;
        for (deadline, monitor_id) in deadlines.take_due(now) {
            let Some(watch) = watches.get_mut(&monitor_id) else { continue };
            let message = match watch.started.take() {
                Some(started) => format!(
                    "started at {} and did not finish within {}",
                    started.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    words(watch.grace)
                ),
                None => format!("no ping since {}", watch.last_ping.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            };
            deadlines.set(monitor_id.clone(), Some(watch.deadline_after(deadline)));
            beats.push(Beat {
                monitor_id,
                outcome: Outcome::Failed,
                started_at: deadline,
                duration_ms: 0.0,
                message: Some(message),
            });
        }
        beats
    }

    /// The earliest deadline.
    pub fn next_deadline(&self) -> Option<DateTime<Utc>> {
        self.state().deadlines.earliest()
    }
}

fn words(delta: TimeDelta) -> String {
    humantime::format_duration(delta.to_std().unwrap_or_default()).to_string()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use skopos_core::document::Document;

    fn plan(heartbeat: &str) -> MonitorPlan {
        let text = format!("name: backup\nheartbeat: {heartbeat}\n");
        let mut document = Document::parse(Path::new("m.yaml"), text).unwrap();
        let monitor = document.deserialize().unwrap();
        skopos_core::plan::compile_monitor(&document, monitor).unwrap()
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn a_missed_ping_is_a_failed_run_at_every_plus_grace() {
        let beats = Heartbeats::default();
        beats.watch("m", &plan("{ every: 1m, grace: 30s }"), at(0), Some(digest("key")));
        // `every` counts in wall-clock slots: the next after 0 s is at 60 s, then 30 s grace.
        assert_eq!(beats.next_deadline(), Some(at(90)));
        assert!(beats.missed(at(89)).is_empty());
        let missed = beats.missed(at(90));
        assert_eq!(missed.len(), 1);
        assert_eq!(missed[0].message.as_deref(), Some("no ping since 2027-01-15T08:00:00Z"));
        // Still silent: the next period's deadline.
        assert_eq!(beats.next_deadline(), Some(at(150)));
        // A ping moves the deadline on.
        let beat = beats.ping("key", Ping::Success, at(100), "a").unwrap().unwrap();
        assert_eq!(beat.outcome, Outcome::Passed);
        assert_eq!(beats.next_deadline(), Some(at(150)));
    }

    #[test]
    fn start_then_success_has_a_duration_and_start_alone_times_out() {
        let beats = Heartbeats::default();
        beats.watch("m", &plan("{ every: 1h, grace: 1m }"), at(0), Some(digest("key")));
        assert_eq!(beats.ping("key", Ping::Start, at(10), "a").unwrap(), None);
        let beat = beats.ping("key", Ping::Success, at(25), "a").unwrap().unwrap();
        assert_eq!((beat.started_at, beat.duration_ms), (at(10), 15_000.0));
        assert_eq!(beats.ping("key", Ping::Start, at(100), "a").unwrap(), None);
        assert_eq!(beats.next_deadline(), Some(at(160)));
        let missed = beats.missed(at(160));
        assert!(missed[0].message.as_deref().unwrap().contains("did not finish within 1m"), "{missed:?}");
        let failed = beats.ping("key", Ping::Fail, at(200), "a").unwrap().unwrap();
        assert_eq!(failed.outcome, Outcome::Failed);
        // Watched again (the agent re-reads its monitors) while a job runs: its deadline stays.
        assert_eq!(beats.ping("key", Ping::Start, at(300), "a").unwrap(), None);
        beats.watch("m", &plan("{ every: 1h, grace: 1m }"), at(0), Some(digest("key")));
        assert_eq!(beats.next_deadline(), Some(at(360)));
    }

    #[test]
    fn unknown_keys_and_floods_are_refused() {
        let beats = Heartbeats::default();
        beats.watch("m", &plan("{ every: 1m }"), at(0), Some(digest("key")));
        assert_eq!(beats.ping("other", Ping::Success, at(1), "a"), Err(PingError::UnknownKey));
        let accepted = (0..100).filter(|_| beats.ping("key", Ping::Success, Utc::now(), "b").is_ok()).count();
        assert_eq!(accepted, 20, "one key");
        let guessed = (0..100)
            .filter(|n| beats.ping(&format!("guess{n}"), Ping::Success, Utc::now(), "c") != Err(PingError::UnknownKey))
            .count();
        assert_eq!(guessed, 80, "after 20 misses from one address, the rest are refused unread");
        beats.set_key("m", digest("new"));
        assert_eq!(beats.ping("key", Ping::Success, at(2), "d"), Err(PingError::UnknownKey));
    }
}
