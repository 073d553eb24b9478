//! The scheduler loop: fires monitors when due, runs their collections in parallel, stores
//! the runs, keeps alert state and reports transitions (`alerting.rs`). A monitor still
//! running when its next slot comes is recorded as skipped; one in a `pause` window is not
//! run, and one in a `mute` window or silence runs with its runs marked `in_maintenance`.
//! The loop also wakes for alert timers and for windows and silences starting or ending.
//! Adding, changing or removing a monitor takes effect at once.

mod alerting;
mod beats;

pub use beats::{MAX_LOG_BYTES, PingRefused};

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::operations::{Maintenance, Operations};
use crate::store::{RunRecord, RunStatus, Store, StoreError};
use skopos_core::alert::AlertEvent;
use skopos_core::model::Notifier;
use skopos_core::plan::{MonitorPlan, Plan};
use skopos_core::report::StepReport;
use skopos_engine::{OnStep, RunContext, run_collection_observed};

use skopos_core::schedule::Schedule;
use skopos_telemetry::Telemetry;

/// Where alert events go, with the monitor's notifiers (see `notify`).
pub type AlertSink = Arc<dyn Fn(AlertEvent, &[Notifier]) + Send + Sync>;

/// A monitor and the collections it runs, by stored id.
pub struct ScheduledMonitor {
    pub id: String,
    pub monitor: MonitorPlan,
    pub collections: Vec<(String, Arc<Plan>)>,
}

struct Entry {
    scheduled: Arc<ScheduledMonitor>,
    next: Option<DateTime<Utc>>,
    running: Arc<AtomicBool>,
}

#[derive(Clone)]
pub struct Scheduler {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<Store>,
    context: Arc<RunContext>,
    telemetry: Option<Arc<Telemetry>>,
    alerts: AlertSink,
    monitors: Mutex<HashMap<String, Entry>>,
    changed: Notify,
    /// Threads storing results at once (sled serializes transactions anyway).
    writers: tokio::sync::Semaphore,
    /// Held while an alert state is read, moved on and written back: runs from this agent
    /// and from its followers can settle the same monitor at once.
    alerting: Mutex<()>,
    /// Maintenance windows and silences.
    operations: Arc<Operations>,
    timers: Mutex<alerting::Timers>,
    heartbeats: crate::heartbeat::Heartbeats,
    /// Until when window and silence changes have been settled.
    operations_settled: Mutex<DateTime<Utc>>,
}

/// At most this many missed slots of one monitor are recorded at a time.
const MAX_MISSED_RECORDED: usize = 100;

/// The slots of `schedule` after `due_at` that have passed by `now`: those a scheduler that
/// woke up late (more than a period) did not start. `due_at` itself still runs.
fn missed_slots(schedule: &Schedule, due_at: DateTime<Utc>, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    std::iter::successors(schedule.next_after(due_at), |slot| schedule.next_after(*slot))
        .take_while(|slot| *slot <= now)
        .take(MAX_MISSED_RECORDED)
        .collect()
}

impl Scheduler {
    /// A scheduler running monitors with `context`, measuring its lag in `telemetry`.
    pub fn new(
        store: Arc<Store>,
        context: Arc<RunContext>,
        telemetry: Option<Arc<Telemetry>>,
        alerts: AlertSink,
        operations: Arc<Operations>,
    ) -> Scheduler {
        let writers = tokio::sync::Semaphore::new(2);
        let inner = Inner {
            store,
            context,
            telemetry,
            alerts,
            monitors: Mutex::default(),
            changed: Notify::new(),
            writers,
            alerting: Mutex::default(),
            operations,
            timers: Mutex::default(),
            heartbeats: Default::default(),
            operations_settled: Mutex::new(Utc::now()),
        };
        Scheduler { inner: Arc::new(inner) }
    }

    /// Adds or replaces a monitor. One that missed slots (the agent was down) runs at once.
    pub fn set(&self, scheduled: ScheduledMonitor) -> Result<(), StoreError> {
        self.load_timers(&scheduled)?;
        let now = Utc::now();
        let last_run = self.inner.store.last_run(&scheduled.id)?;
        let next = if scheduled.monitor.heartbeat.is_some() {
            let key = self.inner.store.ping_key_of(&scheduled.id)?;
            self.inner.heartbeats.watch(&scheduled.id, &scheduled.monitor, last_run.unwrap_or(now), key);
            None
        } else {
            self.inner.heartbeats.unwatch(&scheduled.id);
            scheduled.monitor.schedule.fire(last_run, now).map(|fire| if fire.run_now { now } else { fire.next })
        };
        let mut monitors = self.inner.monitors.lock().unwrap_or_else(|e| e.into_inner());
        let running = monitors.get(&scheduled.id).map(|e| e.running.clone()).unwrap_or_default();
        monitors.insert(scheduled.id.clone(), Entry { scheduled: Arc::new(scheduled), next, running });
        drop(monitors);
        self.inner.changed.notify_one();
        Ok(())
    }

    pub fn remove(&self, id: &str) {
        self.inner.monitors.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
        self.inner.timers.lock().unwrap_or_else(|e| e.into_inner()).remove_where(|(monitor_id, _)| monitor_id == id);
        self.inner.heartbeats.unwatch(id);
        self.inner.changed.notify_one();
    }

    /// Gives a heartbeat monitor a new ping key (by its digest, stored first).
    pub fn set_ping_key(&self, monitor_id: &str, key_digest: Vec<u8>) {
        self.inner.heartbeats.set_key(monitor_id, key_digest);
    }

    /// Windows or silences changed: who is muted may have changed, so every monitor settles
    /// (a monitor unmuted while down alerts now).
    pub fn operations_changed(&self) {
        let this = self.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(move || this.settle_all())),
            Err(_) => this.settle_all(),
        }
        self.inner.changed.notify_one();
    }

    /// When the monitor `id` fires next (none when it is not scheduled, or is pinged).
    pub fn next_run(&self, id: &str) -> Option<DateTime<Utc>> {
        self.inner.monitors.lock().unwrap_or_else(|e| e.into_inner()).get(id).and_then(|entry| entry.next)
    }

    /// When each monitor fires next.
    pub fn next_runs(&self) -> HashMap<String, Option<DateTime<Utc>>> {
        let monitors = self.inner.monitors.lock().unwrap_or_else(|e| e.into_inner());
        monitors.iter().map(|(id, entry)| (id.clone(), entry.next)).collect()
    }

    /// Fires monitors as they come due, forever.
    pub async fn run(self) {
        loop {
            let now = Utc::now();
            let (mut due, mut behind) = (Vec::new(), Vec::new());
            let mut earliest: Option<DateTime<Utc>> = None;
            {
                let mut monitors = self.inner.monitors.lock().unwrap_or_else(|e| e.into_inner());
                for entry in monitors.values_mut() {
                    if let Some(due_at) = entry.next.filter(|next| *next <= now) {
                        let missed = missed_slots(&entry.scheduled.monitor.schedule, due_at, now);
                        if !missed.is_empty() {
                            behind.push((entry.scheduled.clone(), missed));
                        }
                        due.push((entry.scheduled.clone(), entry.running.clone(), due_at));
                        entry.next = entry.scheduled.monitor.schedule.next_after(now);
                    }
                    earliest = match (earliest, entry.next) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
            }
            for (scheduled, running, due_at) in due {
                tokio::spawn(self.clone().fire(scheduled, running, due_at));
            }
            let timers = self.inner.timers.lock().unwrap_or_else(|e| e.into_inner()).earliest();
            if timers.is_some_and(|at| at <= now) {
                let this = self.clone();
                tokio::task::spawn_blocking(move || this.settle_due(now));
            }
            let operations_change = {
                let mut settled = self.inner.operations_settled.lock().unwrap_or_else(|e| e.into_inner());
                let change = self.inner.operations.next_change_after(*settled);
                if change.is_some_and(|at| at <= now) {
                    *settled = now;
                    let this = self.clone();
                    tokio::task::spawn_blocking(move || this.settle_all());
                    self.inner.operations.next_change_after(now)
                } else {
                    change
                }
            };
            let beats = self.inner.heartbeats.next_deadline();
            if beats.is_some_and(|at| at <= now) {
                let this = self.clone();
                tokio::task::spawn_blocking(move || this.record_missed_beats(now));
            }
            let later = |at: Option<DateTime<Utc>>| at.filter(|at| *at > now);
            let earliest = [earliest, later(timers), operations_change, later(beats)].into_iter().flatten().min();
            if !behind.is_empty() {
                let this = self.clone();
                tokio::task::spawn_blocking(move || this.record_missed(behind));
            }
            let wait = earliest
                .map_or(std::time::Duration::from_secs(3600), |at| (at - Utc::now()).to_std().unwrap_or_default());
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.inner.changed.notified() => {}
            }
        }
    }

    async fn fire(self, scheduled: Arc<ScheduledMonitor>, running: Arc<AtomicBool>, due_at: DateTime<Utc>) {
        let store = &self.inner.store;
        if let Some(telemetry) = &self.inner.telemetry {
            telemetry.scheduler_lag(&scheduled.monitor.name, Utc::now() - due_at);
        }
        if self.maintenance(&scheduled, due_at).paused {
            if let Err(err) = store.set_last_run(&scheduled.id, due_at) {
                self.log_store_failure(&format!("cannot store when `{}` was due", scheduled.monitor.name), &err);
            }
            return;
        }
        if running.swap(true, Ordering::AcqRel) {
            for (collection_id, plan) in &scheduled.collections {
                let skipped = self.record(&scheduled, (collection_id, &plan.name), (due_at, due_at), None);
                if let Err(err) = store.insert_run(skipped) {
                    skopos_core::log_line!("skopos: cannot store a skipped run of `{}`: {err}", scheduled.monitor.name);
                }
            }
            return;
        }
        let (context, name) = (&self.inner.context, Some(scheduled.monitor.name.as_str()));
        let runs = scheduled.collections.iter().map(|(id, plan)| async move {
            let report = run_collection_observed(plan, context, name, &mut OnStep(|_: &StepReport| {})).await;
            (id, plan, report)
        });
        let reports: Vec<_> = futures_util::future::join_all(runs)
            .await
            .into_iter()
            .map(|(collection_id, plan, report)| (collection_id.clone(), plan.clone(), report))
            .collect();
        // Storing is blocking work (sled): off the async workers, which stay free to start
        // the other runs that fell due at the same instant, on at most two threads.
        let (this, monitor) = (self.clone(), scheduled.clone());
        let permit = self.inner.writers.acquire().await;
        let stored = tokio::task::spawn_blocking(move || this.store_results(&monitor, due_at, reports)).await;
        drop(permit);
        if let Err(err) = stored {
            skopos_core::log_line!("skopos: storing the runs of `{}` stopped: {err}", scheduled.monitor.name);
        }
        if let Err(err) = store.durable().await {
            self.log_store_failure(&format!("cannot write the runs of `{}` to disk", scheduled.monitor.name), &err);
        }
        running.store(false, Ordering::Release);
    }

    /// Stores a firing's runs and the monitor's last-run time.
    fn store_results(
        &self,
        scheduled: &ScheduledMonitor,
        due_at: DateTime<Utc>,
        reports: Vec<(String, Arc<Plan>, skopos_core::report::CollectionReport)>,
    ) {
        for (collection_id, plan, report) in reports {
            let started_at = DateTime::parse_from_rfc3339(&report.started_at).map_or(due_at, |t| t.with_timezone(&Utc));
            let record = self.record(scheduled, (&collection_id, &plan.name), (due_at, started_at), Some(report));
            if let Err(err) = self.store_run(scheduled, record) {
                self.log_store_failure(&format!("cannot store a run of `{}`", scheduled.monitor.name), &err);
            }
        }
        if let Err(err) = self.inner.store.set_last_run(&scheduled.id, due_at) {
            self.log_store_failure(&format!("cannot store when `{}` ran", scheduled.monitor.name), &err);
        }
    }

    /// Logs a failure to store, but not each one while the disk is known to be failing:
    /// the storage check (`skopos serve`) says that once, and again when it is over.
    fn log_store_failure(&self, what: &str, err: &StoreError) {
        if !(err.is_disk() && self.inner.store.disk_failing()) {
            skopos_core::log_line!("skopos: {what}: {err}");
        }
    }

    /// Stores a finished run, moves the alert state on, and reports a transition.
    fn store_run(&self, scheduled: &ScheduledMonitor, record: RunRecord) -> Result<(), StoreError> {
        let stored = self.inner.store.insert_run(record)?;
        self.alert(scheduled, &stored)
    }

    /// Stores a run that a follower sent (once, however often it is sent) and moves its
    /// monitor's alert state on with it, in the follower's region. `false` when it was
    /// already stored.
    pub fn receive(&self, mut run: RunRecord) -> Result<bool, StoreError> {
        run.received_at = Some(Utc::now());
        let monitor = run.monitor_id.as_ref().and_then(|id| self.scheduled(id));
        if let Some(scheduled) = &monitor {
            run.in_maintenance |= self.maintenance(scheduled, run.started_at).muted;
        }
        let Some(stored) = self.inner.store.receive_run(run)? else { return Ok(false) };
        // A paused or deleted monitor alerts no more; a skipped run is no outcome.
        if let Some(scheduled) = monitor
            && stored.status != RunStatus::Skipped
        {
            self.alert(&scheduled, &stored)?;
        }
        Ok(true)
    }

    /// A run record of this monitor; a skipped run has no report.
    /// Stores a skipped run for each slot that passed while the scheduler was too busy to
    /// start it (more than a period late), so that every slot is in the history.
    fn record_missed(&self, behind: Vec<(Arc<ScheduledMonitor>, Vec<DateTime<Utc>>)>) {
        for (scheduled, slots) in behind {
            for slot in slots {
                for (collection_id, plan) in &scheduled.collections {
                    let skipped = self.record(&scheduled, (collection_id, &plan.name), (slot, slot), None);
                    if let Err(err) = self.inner.store.insert_run(skipped) {
                        self.log_store_failure(
                            &format!("cannot store a missed run of `{}`", scheduled.monitor.name),
                            &err,
                        );
                    }
                }
            }
        }
    }

    fn record(
        &self,
        scheduled: &ScheduledMonitor,
        collection: (&str, &str),
        (due_at, started_at): (DateTime<Utc>, DateTime<Utc>),
        report: Option<skopos_core::report::CollectionReport>,
    ) -> RunRecord {
        let record = RunRecord::new(collection, started_at, self.inner.context.region.clone(), report)
            .for_monitor((&scheduled.id, &scheduled.monitor.name), due_at);
        RunRecord { in_maintenance: self.maintenance(scheduled, started_at).muted, ..record }
    }

    /// Whether maintenance mutes or pauses this monitor at `at`.
    fn maintenance(&self, scheduled: &ScheduledMonitor, at: DateTime<Utc>) -> Maintenance {
        self.inner.operations.at(&scheduled.monitor.name, &scheduled.monitor.tags, at)
    }
}

#[cfg(test)]
mod tests;
