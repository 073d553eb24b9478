use chrono::{DateTime, Utc};

use super::*;
use skopos_core::model::Collection;

fn collection(name: &str) -> Collection {
    serde_json::from_value(serde_json::json!({"name": name, "steps": [{"request": {"url": "http://127.0.0.1:1/"}}]}))
        .unwrap()
}

fn minute(n: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + n * 60, 0).unwrap()
}

fn run(collection_id: &str, monitor_id: Option<&str>, at: DateTime<Utc>, status: RunStatus) -> RunRecord {
    RunRecord {
        id: String::new(),
        received_at: None,
        collection_id: collection_id.to_string(),
        collection: "c".into(),
        monitor_id: monitor_id.map(str::to_string),
        monitor: monitor_id.map(str::to_string),
        status,
        started_at: at,
        due_at: monitor_id.map(|_| at),
        region: None,
        duration_ms: 1.0,
        in_maintenance: false,
        log: None,
        report: None,
    }
}

fn ids(page: &RunPage) -> Vec<String> {
    page.runs.iter().map(|r| r.started_at.to_rfc3339()).collect()
}

#[test]
fn definitions_are_found_by_id_and_name_and_survive_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let store = Store::open(dir.path()).unwrap();
        let stored = store.collections.put(None, collection("checkout")).unwrap();
        // Putting the same name again replaces it and keeps the id.
        let again = store.collections.put(None, collection("checkout")).unwrap();
        assert_eq!(again.id, stored.id);
        assert_eq!(again.created_at, stored.created_at);
        store.flush().unwrap();
        stored.id
    };
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.collections.get("checkout").unwrap().unwrap().id, id);
    assert_eq!(store.collections.get(&id).unwrap().unwrap().spec.name, "checkout");

    // Renaming by id frees the old name; taking another's name is refused.
    store.collections.put(Some(&id), collection("checkout v2")).unwrap();
    assert!(store.collections.get("checkout").unwrap().is_none());
    store.collections.put(None, collection("search")).unwrap();
    let err = store.collections.put(Some(&id), collection("search")).unwrap_err();
    assert!(matches!(err, StoreError::NameTaken { .. }), "{err}");
    let names: Vec<String> = store.collections.list().unwrap().into_iter().map(|c| c.spec.name).collect();
    assert_eq!(names, ["checkout v2", "search"]);
    assert!(store.collections.delete("search").unwrap());
    assert!(!store.collections.delete("search").unwrap());
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::open(dir.path()).unwrap();
        db.insert(SCHEMA_KEY, &(SCHEMA_VERSION + 1).to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let opened = Store::open(dir.path());
    assert!(matches!(opened, Err(StoreError::TooNew { .. })), "{:?}", opened.err());
}

#[test]
fn runs_are_listed_newest_first_with_filters_and_pages() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    for n in 0..10 {
        let status = if n % 3 == 0 { RunStatus::Failed } else { RunStatus::Passed };
        store.insert_run(run("aaaa", Some("m1"), minute(n), status)).unwrap();
        store.insert_run(run("bbbb", None, minute(n), RunStatus::Passed)).unwrap();
    }
    let latest = store.runs(&RunQuery { collection_id: Some("aaaa".into()), limit: 3, ..RunQuery::default() }).unwrap();
    assert_eq!(ids(&latest), [minute(9), minute(8), minute(7)].map(|t| t.to_rfc3339()));
    let next = RunQuery {
        collection_id: Some("aaaa".into()),
        limit: 3,
        cursor: latest.next_cursor.clone(),
        ..RunQuery::default()
    };
    assert_eq!(ids(&store.runs(&next).unwrap()), [minute(6), minute(5), minute(4)].map(|t| t.to_rfc3339()));

    let failed =
        RunQuery { monitor_id: Some("m1".into()), status: Some(RunStatus::Failed), limit: 10, ..RunQuery::default() };
    assert_eq!(ids(&store.runs(&failed).unwrap()), [9, 6, 3, 0].map(|n| minute(n).to_rfc3339()));

    let window = RunQuery { since: Some(minute(2)), until: Some(minute(3)), limit: 10, ..RunQuery::default() };
    assert_eq!(store.runs(&window).unwrap().runs.len(), 4, "two collections × two minutes");

    let one = store.runs(&RunQuery { limit: 1, ..RunQuery::default() }).unwrap();
    let fetched = store.run(&one.runs[0].id).unwrap().unwrap();
    assert_eq!(fetched.started_at, minute(9));
    assert!(store.run("not-an-id").unwrap().is_none());
}

#[test]
fn pruning_keeps_recent_runs_and_at_most_n_per_collection() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    for n in 0..20 {
        store.insert_run(run("aaaa", Some("m1"), minute(n), RunStatus::Passed)).unwrap();
    }
    for n in 15..20 {
        store.insert_run(run("bbbb", None, minute(n), RunStatus::Passed)).unwrap();
    }
    // Older than minute 5 goes; then only the newest 8 of each collection stay. In batches.
    let mut pruned = 0;
    loop {
        let batch = store.prune(minute(5), 8, 4).unwrap();
        pruned += batch;
        if batch < 4 {
            break;
        }
    }
    assert_eq!(pruned, 12);
    let all = |collection: &str| {
        store
            .runs(&RunQuery { collection_id: Some(collection.into()), limit: 100, ..RunQuery::default() })
            .unwrap()
            .runs
            .len()
    };
    assert_eq!((all("aaaa"), all("bbbb")), (8, 5));
    let by_monitor =
        store.runs(&RunQuery { monitor_id: Some("m1".into()), limit: 100, ..RunQuery::default() }).unwrap();
    assert_eq!(by_monitor.runs.len(), 8, "the monitor index is pruned too");
}

/// sled's `flush_async` deadlocked an agent firing 10,000 monitors at once; `durable` must
/// not, and every run written before it returns must be there after a reopen.
#[test]
fn thousands_of_writers_waiting_for_durability_at_once_all_finish() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(Store::open(dir.path()).unwrap());
    // On its own thread: a deadlock blocks the runtime's workers, so only a watcher outside
    // them can notice it.
    let (done, finished) = std::sync::mpsc::channel();
    let writers = store.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap();
        runtime.block_on(async {
            let all = (0..2_000).map(|n| {
                let store = writers.clone();
                tokio::spawn(async move {
                    store.insert_run(run(&format!("c{}", n % 10), Some("m"), minute(n), RunStatus::Passed)).unwrap();
                    store.durable().await.unwrap();
                })
            });
            futures_util::future::join_all(all).await;
        });
        let _ = done.send(());
    });
    assert!(finished.recv_timeout(std::time::Duration::from_secs(60)).is_ok(), "durable() hung");
    let page = store.runs(&RunQuery { collection_id: Some("c3".into()), limit: 1000, ..Default::default() }).unwrap();
    assert_eq!(page.runs.len(), 200);
}

#[test]
fn collection_stats_give_uptime_and_hourly_latency_and_survive_pruning_of_runs() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let now = minute(30);
    let hours_ago = |h: i64| now - chrono::TimeDelta::hours(h);
    let with_duration = |mut run: RunRecord, ms: f64| {
        run.duration_ms = ms;
        run
    };
    // This hour: two passed (10 ms, 30 ms); 3 h ago one failed (50 ms); 3 days ago one passed;
    // 9 days ago one failed (outside every window); a skipped run counts nowhere.
    for (at, status, ms) in [
        (now, RunStatus::Passed, 10.0),
        (now - chrono::TimeDelta::minutes(1), RunStatus::Passed, 30.0),
        (hours_ago(3), RunStatus::Failed, 50.0),
        (hours_ago(72), RunStatus::Passed, 5.0),
        (hours_ago(24 * 9), RunStatus::Failed, 5.0),
        (now, RunStatus::Skipped, 0.0),
    ] {
        store.insert_run(with_duration(run("c1", None, at, status), ms)).unwrap();
    }
    store.insert_run(run("c2", None, now, RunStatus::Failed)).unwrap();
    let stats = store.collection_stats("c1", now).unwrap();
    assert_eq!((stats.runs_24h, stats.runs_7d), (3, 4));
    assert_eq!(stats.uptime_24h, Some(2.0 / 3.0));
    assert_eq!(stats.uptime_7d, Some(3.0 / 4.0));
    assert_eq!(stats.latency_24h_ms.len(), 24);
    assert_eq!(stats.latency_24h_ms[23], Some(20.0));
    assert_eq!(stats.latency_24h_ms[20], Some(50.0));
    assert_eq!(stats.latency_24h_ms.iter().flatten().count(), 2);
    assert_eq!(store.collection_stats("c2", now).unwrap().uptime_24h, Some(0.0));
    assert_eq!(store.collection_stats("none", now).unwrap().uptime_7d, None);

    // Pruning runs by count keeps the tallies; pruning by age drops the old hours.
    store.prune(hours_ago(24 * 30), 1, 1000).unwrap();
    assert_eq!(store.collection_stats("c1", now).unwrap().runs_7d, 4);
    store.prune(hours_ago(2), 1, 1000).unwrap();
    let pruned = store.collection_stats("c1", now).unwrap();
    assert_eq!((pruned.runs_24h, pruned.runs_7d), (2, 2));
}

#[test]
fn a_store_written_before_tallies_counts_its_last_week_once() {
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    {
        let store = Store::open(dir.path()).unwrap();
        store.insert_run(run("c1", None, now, RunStatus::Passed)).unwrap();
        // As an older build left it: runs, but no tallies and no marker.
        store.stats_tree_for_tests().clear().unwrap();
        store.db.remove("setting/run_stats_counted").unwrap();
        store.flush().unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.collection_stats("c1", now).unwrap().runs_24h, 1);
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.collection_stats("c1", now).unwrap().runs_24h, 1, "counted once");
}
