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
        Arc::default(),
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
