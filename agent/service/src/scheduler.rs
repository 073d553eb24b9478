//! The scheduler loop: fires monitors when due, runs their collections in parallel, stores
//! the runs, keeps alert state and reports transitions. A monitor still running when its next
//! slot comes is recorded as skipped. Adding, changing or removing a monitor takes effect at
//! once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::store::{RunRecord, RunStatus, Store, StoreError};
use skopos_core::alert::{AlertEvent, Failure};
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
        };
        Scheduler { inner: Arc::new(inner) }
    }

    /// Adds or replaces a monitor. One that missed slots (the agent was down) runs at once.
    pub fn set(&self, scheduled: ScheduledMonitor) -> Result<(), StoreError> {
        let now = Utc::now();
        let last_run = self.inner.store.last_run(&scheduled.id)?;
        let next =
            scheduled.monitor.schedule.fire(last_run, now).map(|fire| if fire.run_now { now } else { fire.next });
        let mut monitors = self.inner.monitors.lock().unwrap_or_else(|e| e.into_inner());
        let running = monitors.get(&scheduled.id).map(|e| e.running.clone()).unwrap_or_default();
        monitors.insert(scheduled.id.clone(), Entry { scheduled: Arc::new(scheduled), next, running });
        drop(monitors);
        self.inner.changed.notify_one();
        Ok(())
    }

    pub fn remove(&self, id: &str) {
        self.inner.monitors.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
        self.inner.changed.notify_one();
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
        if running.swap(true, Ordering::AcqRel) {
            for (collection_id, plan) in &scheduled.collections {
                let skipped = self.record(&scheduled, collection_id, plan, (due_at, due_at), None);
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
            let record = self.record(scheduled, &collection_id, &plan, (due_at, started_at), Some(report));
            if let Err(err) = self.settle(scheduled, record) {
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
    fn settle(&self, scheduled: &ScheduledMonitor, record: RunRecord) -> Result<(), StoreError> {
        let stored = self.inner.store.insert_run(record)?;
        self.alert(scheduled, &stored)
    }

    /// Stores a run that a follower sent (once, however often it is sent) and moves its
    /// monitor's alert state on with it, in the follower's region. `false` when it was
    /// already stored.
    pub fn receive(&self, mut run: RunRecord) -> Result<bool, StoreError> {
        run.received_at = Some(Utc::now());
        let Some(stored) = self.inner.store.receive_run(run)? else { return Ok(false) };
        let monitor = stored.monitor_id.as_ref().and_then(|id| {
            let monitors = self.inner.monitors.lock().unwrap_or_else(|e| e.into_inner());
            monitors.get(id).map(|entry| entry.scheduled.clone())
        });
        // A paused or deleted monitor alerts no more; a skipped run is no outcome.
        if let Some(scheduled) = monitor
            && stored.status != RunStatus::Skipped
        {
            self.alert(&scheduled, &stored)?;
        }
        Ok(true)
    }

    /// Moves the alert state of a monitor's collection on with a stored run, and reports a
    /// transition.
    fn alert(&self, scheduled: &ScheduledMonitor, run: &RunRecord) -> Result<(), StoreError> {
        let (store, policy) = (&self.inner.store, &scheduled.monitor.policy);
        let passed = run.status == RunStatus::Passed;
        let at = run.started_at;
        let turn = self.inner.alerting.lock().unwrap_or_else(|e| e.into_inner());
        let mut state = store.alert_state(&scheduled.id, &run.collection_id)?;
        let transition = state.record(run.region.as_deref().unwrap_or_default(), passed, at, policy);
        store.set_alert_state(&scheduled.id, &run.collection_id, &state)?;
        drop(turn);
        if let Some(transition) = transition {
            let event = AlertEvent {
                monitor_id: scheduled.id.clone(),
                monitor: scheduled.monitor.name.clone(),
                collection_id: run.collection_id.clone(),
                collection: run.collection.clone(),
                region: run.region.clone(),
                failing_regions: state.failing_regions(at, policy),
                transition,
                run_id: run.id.clone(),
                run_started_at: at,
                failure: run.report.as_ref().and_then(Failure::of),
            };
            (self.inner.alerts)(event, &scheduled.monitor.notify);
        }
        Ok(())
    }

    /// A run record of this monitor; a skipped run has no report.
    /// Stores a skipped run for each slot that passed while the scheduler was too busy to
    /// start it (more than a period late), so that every slot is in the history.
    fn record_missed(&self, behind: Vec<(Arc<ScheduledMonitor>, Vec<DateTime<Utc>>)>) {
        for (scheduled, slots) in behind {
            for slot in slots {
                for (collection_id, plan) in &scheduled.collections {
                    let skipped = self.record(&scheduled, collection_id, plan, (slot, slot), None);
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
        collection_id: &str,
        plan: &Plan,
        (due_at, started_at): (DateTime<Utc>, DateTime<Utc>),
        report: Option<skopos_core::report::CollectionReport>,
    ) -> RunRecord {
        RunRecord::new((collection_id, &plan.name), started_at, self.inner.context.region.clone(), report)
            .for_monitor((&scheduled.id, &scheduled.monitor.name), due_at)
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    use super::*;
    use skopos_core::alert::Transition;

    #[test]
    fn slots_passed_while_the_scheduler_was_late_are_the_missed_ones() {
        // The soak bench found slots with no run at all after the machine stalled the agent
        // for over a period: those slots are now recorded as skipped.
        let spec = skopos_core::model::ScheduleSpec { every: Some("10s".into()), cron: None, tz: None, jitter: None };
        let schedule = Schedule::parse(&spec, "m").unwrap();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let due = at("2026-12-02T10:00:00Z");
        assert!(missed_slots(&schedule, due, at("2026-12-02T10:00:09.900Z")).is_empty(), "late, but within a period");
        assert_eq!(
            missed_slots(&schedule, due, at("2026-12-02T10:00:25Z")),
            [at("2026-12-02T10:00:10Z"), at("2026-12-02T10:00:20Z")]
        );
        assert_eq!(missed_slots(&schedule, due, at("2026-12-03T10:00:00Z")).len(), MAX_MISSED_RECORDED);
    }
    use crate::store::RunQuery;
    use skopos_core::document::Document;
    use skopos_core::model::{Collection, Monitor};
    use skopos_core::plan::{compile_monitor, compile_stored};

    /// `/flip` fails its first two requests, then passes; `/slow` answers after 1.5 s.
    async fn server() -> SocketAddr {
        let flips = Arc::new(AtomicUsize::new(0));
        skopos_test_support::serve(move |request| {
            let flips = flips.clone();
            async move {
                let status = match request.uri().path() {
                    "/flip" if flips.fetch_add(1, Ordering::SeqCst) < 2 => 500,
                    "/slow" => {
                        tokio::time::sleep(Duration::from_millis(1500)).await;
                        200
                    }
                    _ => 200,
                };
                skopos_test_support::reply(status, "application/json", "{}")
            }
        })
    }

    fn scheduled(store: &Store, server: SocketAddr, path: &str) -> ScheduledMonitor {
        let collection: Collection = serde_json::from_value(serde_json::json!({
            "name": format!("c{path}"),
            "steps": [{"request": {"url": format!("http://{server}{path}")},
                       "assert": [{"source": "status", "op": "eq", "value": 200}]}]
        }))
        .unwrap();
        let stored = store.collections.put(None, collection).unwrap();
        let plan = compile_stored(&stored.spec).unwrap();
        let text = format!("name: m{path}\nschedule: {{ every: 1s }}\ncollections: [c{path}]\n");
        let mut document = Document::parse(std::path::Path::new("m.yaml"), text).unwrap();
        let monitor: Monitor = document.deserialize().unwrap();
        let monitor = compile_monitor(&document, monitor).unwrap();
        ScheduledMonitor { id: format!("monitor{path}"), monitor, collections: vec![(stored.id, Arc::new(plan))] }
    }

    fn runs(store: &Store, monitor_id: &str) -> Vec<RunRecord> {
        let query = RunQuery { monitor_id: Some(monitor_id.into()), limit: 100, ..RunQuery::default() };
        let mut runs = store.runs(&query).unwrap().runs;
        runs.reverse();
        runs
    }

    async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
        for _ in 0..100 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("timed out waiting for {what}");
    }

    fn setup() -> (tempfile::TempDir, Arc<Store>, Arc<Mutex<Vec<AlertEvent>>>, Scheduler) {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path()).unwrap());
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        let context = Arc::new(RunContext::new(HashMap::new()));
        let scheduler = Scheduler::new(
            store.clone(),
            context,
            None,
            Arc::new(move |event, _: &[Notifier]| sink.lock().unwrap().push(event)),
        );
        (dir, store, events, scheduler)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn monitors_fire_on_schedule_store_runs_and_report_transitions() {
        let (_dir, store, events, scheduler) = setup();
        let server = server().await;
        scheduler.set(scheduled(&store, server, "/flip")).unwrap();
        tokio::spawn(scheduler.clone().run());
        wait_for("failing then recovered", || events.lock().unwrap().len() >= 2).await;
        let events = events.lock().unwrap().clone();
        assert!(matches!(events[0].transition, Transition::Failing { .. }), "{events:?}");
        assert!(matches!(events[1].transition, Transition::Recovered { .. }), "{events:?}");
        let statuses: Vec<RunStatus> = runs(&store, "monitor/flip").iter().map(|r| r.status).collect();
        assert_eq!(statuses[..3], [RunStatus::Failed, RunStatus::Failed, RunStatus::Passed]);
        // Once a second, on the second.
        let runs = runs(&store, "monitor/flip");
        let gap = runs[1].started_at - runs[0].started_at;
        assert!(gap > chrono::TimeDelta::milliseconds(500) && gap < chrono::TimeDelta::milliseconds(1500), "{gap}");
        assert_eq!(events[1].run_id, runs[2].id);
        assert!(store.last_run("monitor/flip").unwrap().is_some());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_monitor_still_running_is_skipped_and_removal_is_immediate() {
        let (_dir, store, _events, scheduler) = setup();
        let server = server().await;
        scheduler.set(scheduled(&store, server, "/slow")).unwrap();
        tokio::spawn(scheduler.clone().run());
        wait_for("a skipped run", || runs(&store, "monitor/slow").iter().any(|r| r.status == RunStatus::Skipped)).await;
        let skipped = runs(&store, "monitor/slow").into_iter().find(|r| r.status == RunStatus::Skipped).unwrap();
        assert!(skipped.report.is_none());
        scheduler.remove("monitor/slow");
        assert!(scheduler.next_runs().is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_overdue_monitor_runs_at_once_after_a_restart() {
        let (_dir, store, _events, scheduler) = setup();
        let server = server().await;
        store.set_last_run("monitor/ok", Utc::now() - chrono::TimeDelta::hours(1)).unwrap();
        let before = Utc::now();
        scheduler.set(scheduled(&store, server, "/ok")).unwrap();
        let next = scheduler.next_runs()["monitor/ok"].unwrap();
        assert!(next <= Utc::now() && next >= before, "due now, not at the next slot: {next}");
    }
}
