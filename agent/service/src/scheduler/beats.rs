//! The scheduler's side of heartbeat monitors: pings and missed deadlines become runs, stored
//! and alerted on like any other.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{ScheduledMonitor, Scheduler};
use crate::heartbeat::{Beat, Ping, PingError};
use crate::store::{RunRecord, StoreError};
use skopos_core::report::{CollectionReport, ErrorKind, Outcome, StepError, StepReport, StepStatus};

/// The most of a ping's body kept with its run.
pub const MAX_LOG_BYTES: usize = 10 * 1024;

/// Why a ping was not taken.
#[derive(Debug, thiserror::Error)]
pub enum PingRefused {
    #[error(transparent)]
    Ping(#[from] PingError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Scheduler {
    /// Takes a ping with `key` from `address`; `body` is kept with the run as its log.
    pub fn ping(&self, key: &str, ping: Ping, body: &[u8], address: &str) -> Result<(), PingRefused> {
        let beat = self.inner.heartbeats.ping(key, ping, Utc::now(), address)?;
        // A `/start` may bring the deadline nearer than the loop is sleeping.
        self.inner.changed.notify_one();
        let Some(beat) = beat else { return Ok(()) };
        let Some(scheduled) = self.scheduled(&beat.monitor_id) else { return Err(PingError::UnknownKey.into()) };
        let log = (!body.is_empty()).then(|| {
            let kept = &body[..body.len().min(MAX_LOG_BYTES)];
            String::from_utf8_lossy(kept).into_owned()
        });
        self.record_beat(&scheduled, beat, log)?;
        Ok(())
    }

    /// Records the missed deadlines by `now` as failed runs, except in a `pause` window (the
    /// job is not expected to run then).
    pub(super) fn record_missed_beats(&self, now: DateTime<Utc>) {
        for beat in self.inner.heartbeats.missed(now) {
            let Some(scheduled) = self.scheduled(&beat.monitor_id) else { continue };
            if self.maintenance(&scheduled, beat.started_at).paused {
                continue;
            }
            if let Err(err) = self.record_beat(&scheduled, beat, None) {
                self.log_store_failure(&format!("cannot store a missed ping of `{}`", scheduled.monitor.name), &err);
            }
        }
    }

    fn record_beat(
        &self,
        scheduled: &Arc<ScheduledMonitor>,
        beat: Beat,
        log: Option<String>,
    ) -> Result<(), StoreError> {
        let name = &scheduled.monitor.name;
        let status = if beat.outcome == Outcome::Passed { StepStatus::Passed } else { StepStatus::Failed };
        let step = StepReport {
            status,
            error: beat.message.map(|message| StepError::new(ErrorKind::Heartbeat, message)),
            ..StepReport::skipped(1, Some("ping".into()))
        };
        let report = CollectionReport {
            name: name.clone(),
            file: String::new(),
            passed: beat.outcome != Outcome::Failed,
            degraded: false,
            started_at: beat.started_at.to_rfc3339(),
            duration_ms: beat.duration_ms,
            steps: vec![step],
        };
        // A heartbeat monitor's runs are its own: their collection is the monitor.
        let record = self.record(scheduled, (&scheduled.id, name), (beat.started_at, beat.started_at), Some(report));
        self.store_run(scheduled, RunRecord { log, ..record })?;
        self.inner.store.set_last_run(&scheduled.id, Utc::now())
    }
}
