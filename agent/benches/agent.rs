//! `cargo bench -p skopos --bench agent`: the agent (`skopos serve`) against its targets.
//!
//! Scenarios (all on 127.0.0.1, the API under test started here):
//! - `startup`: time from spawn to listening on an empty data folder (and again on it), and
//!   idle RSS 5 s after each.
//! - `history`: 1,000,000 stored runs; "latest 50 runs of a collection" from the store and
//!   through `GET /api/v1/runs`.
//! - `monitors`: 10,000 monitors every minute with `jitter: 1m`, each running a one-step
//!   collection against a zero-delay server, for three minutes: lag from due time to start
//!   (p50/p99/max), CPU share and peak RSS.
//! - `burst`: the same without jitter, so all 10,000 fall due at the same instant.
//! - `probes`: 10,000 monitors every minute (`jitter: 1m`), each a one-step collection whose
//!   step is the `tcp` probe (a Wasm plugin call with its sockets) against a local listener.
//! - `console`: 500 collections and 100,000 stored runs (half of them one collection's); the
//!   web console's collections list and that collection's history, rendered in headless
//!   Chromium (`tests/console/perf.mjs`; needs `npm ci --prefix tests/console`).
//! - `telemetry`: `monitors` twice, without and with OTLP export (CPU overhead).
//! - `regions`: a primary and a follower running the same monitors every second: delay from
//!   a follower's run to its arrival at the primary (`regions.rs`).
//! - `access`: the API's latency with the bootstrap token, a named token and a console session,
//!   and password sign-in (`access.rs`).
//! - `heartbeats`: 10,000 heartbeat monitors pinged every minute: ping latency, missed pings
//!   detected after their deadline, floods to one key and to random keys (`heartbeats.rs`).
//!
//! - `pages`: 500 monitors with 90 days of tallies: a status page of all of them, its
//!   `summary.json`, badges, a 90-day monthly report, and the dashboard in Chromium (`pages.rs`).
//!
//! Pass names to run only some: `cargo bench -p skopos --bench agent -- history`.
//! `SKOPOS_BENCH_MINUTES` sets the monitors' measuring window (default 3).

mod access;
mod common;
mod heartbeats;
mod pages;
mod regions;

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use skopos_core::model::{Collection, Monitor};
use skopos_service::store::{RunQuery, RunRecord, RunStatus, Store};

use common::{Agent, TOKEN, machine, percentiles, start_server};

fn main() {
    let wanted: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let runs = |name: &str| wanted.is_empty() || wanted.iter().any(|w| w == name);
    println!("machine: {}", machine());
    let server = start_server(Duration::ZERO);
    if runs("startup") {
        startup();
    }
    if runs("history") {
        history(server);
    }
    if runs("access") {
        access::access(server);
    }
    if runs("console") {
        console(server);
    }
    if runs("pages") {
        pages::pages(server);
    }
    let minutes: u64 = std::env::var("SKOPOS_BENCH_MINUTES").ok().and_then(|m| m.parse().ok()).unwrap_or(3);
    if runs("heartbeats") {
        heartbeats::heartbeats(minutes);
    }
    if runs("monitors") {
        monitors(server, 10_000, Some("1m"), minutes);
    }
    if runs("burst") {
        monitors(server, 10_000, None, minutes);
    }
    if runs("probes") {
        probes(minutes);
    }
    if runs("regions") {
        regions::regions(server, 10, 120);
        regions::regions(server, 200, 120);
    }
    if runs("telemetry") {
        // The same monitors exporting every run's trace and metrics over OTLP/HTTP (to the
        // local server, which answers 200 to anything), against the plain run just before.
        monitors_with(server, 10_000, Some("1m"), minutes, "telemetry off", &[]);
        let endpoint = format!("http://{server}");
        monitors_with(server, 10_000, Some("1m"), minutes, "telemetry on", &["--otlp-endpoint", &endpoint]);
    }
}

fn startup() {
    let mut first = Vec::new();
    let mut again = Vec::new();
    let mut idle = Vec::new();
    let mut fresh_idle = Vec::new();
    for _ in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let agent = Agent::start(dir.path());
        first.push(agent.startup);
        std::thread::sleep(Duration::from_secs(5));
        fresh_idle.push(agent.memory().0);
        agent.stop();
        let agent = Agent::start(dir.path());
        again.push(agent.startup);
        std::thread::sleep(Duration::from_secs(2));
        idle.push(agent.memory().0);
        agent.stop();
    }
    let ms = |d: &Vec<Duration>| {
        let mut v: Vec<f64> = d.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        v.sort_by(f64::total_cmp);
        format!("median {:.1} ms, max {:.1} ms", v[v.len() / 2], v[v.len() - 1])
    };
    idle.sort_by(f64::total_cmp);
    fresh_idle.sort_by(f64::total_cmp);
    println!("startup: first start (creates the store) {}; restart {}", ms(&first), ms(&again));
    println!(
        "startup: idle RSS 5 s after a first start on a new data folder: median {:.1} MiB, max {:.1} MiB",
        fresh_idle[fresh_idle.len() / 2],
        fresh_idle[9]
    );
    println!("startup: idle RSS, no monitors: median {:.1} MiB, max {:.1} MiB", idle[idle.len() / 2], idle[9]);
}

fn collection(name: &str, server: SocketAddr, path: &str) -> Collection {
    serde_json::from_value(json!({
        "name": name,
        "steps": [{"name": "get", "request": {"url": format!("http://{server}{path}")},
                   "assert": [{"source": "status", "op": "eq", "value": 200}]}]
    }))
    .unwrap()
}

/// A collection of one `tcp` probe step, connecting to `target`.
fn probe_collection(name: &str, target: SocketAddr, _: &str) -> Collection {
    serde_json::from_value(json!({
        "name": name,
        "steps": [{"name": "port", "probe": {"plugin": "tcp", "target": target.to_string()},
                   "assert": [{"source": "latency", "op": "lt", "value": 1000}]}]
    }))
    .unwrap()
}

/// 10,000 monitors each running a `tcp` probe every minute (jitter 1m) against a local
/// listener that accepts and closes: the scheduler's lag with every run a Wasm probe call.
fn probes(minutes: u64) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            drop(stream);
        }
    });
    monitors_of(target, 10_000, Some("1m"), minutes, "probes", &[], probe_collection);
}

fn history(server: SocketAddr) {
    const COLLECTIONS: usize = 1_000;
    const RUNS: usize = 1_000_000;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    // A real report, from a real run, stored a million times over.
    let plan = skopos_core::plan::compile_stored(&collection("history", server, "/item/1")).unwrap();
    let context = skopos_engine::RunContext::new(Default::default());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let report = runtime.block_on(skopos_engine::run_collection(&plan, &context));
    let record_bytes = serde_json::to_vec(&report).unwrap().len();
    let start = Instant::now();
    let first = Utc::now() - TimeDelta::days(30);
    for n in 0..RUNS {
        let at = first + TimeDelta::milliseconds(n as i64 * 2_592);
        store.insert_run(record(&format!("col-{:04}", n % COLLECTIONS), at, report.clone())).unwrap();
    }
    store.flush().unwrap();
    let inserting = start.elapsed().as_secs_f64();
    println!(
        "history: stored {RUNS} runs ({record_bytes}-byte reports) over {COLLECTIONS} collections in {inserting:.1} s ({:.0} runs/s); data folder {:.0} MiB",
        RUNS as f64 / inserting,
        folder_mib(dir.path())
    );
    let mut latencies = Vec::new();
    for n in 0..10_000 {
        let query = RunQuery {
            collection_id: Some(format!("col-{:04}", (n * 7919) % COLLECTIONS)),
            limit: 50,
            ..Default::default()
        };
        let start = Instant::now();
        let page = store.runs(&query).unwrap();
        latencies.push(start.elapsed());
        assert_eq!(page.runs.len(), 50);
    }
    println!("history: latest 50 runs of a collection, from the store: {}", percentiles(&mut latencies));
    drop(store);

    let agent = Agent::start(dir.path());
    println!("history: agent start-up on the 1,000,000-run store: {:.1} ms", agent.startup.as_secs_f64() * 1000.0);
    let mut latencies = runtime.block_on(api_latencies(agent.address, COLLECTIONS));
    println!(
        "history: GET /api/v1/runs?collection=X&limit=50 (one keep-alive connection): {}",
        percentiles(&mut latencies)
    );
    agent.stop();
}

fn console(server: SocketAddr) {
    const COLLECTIONS: usize = 500;
    const RUNS: usize = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let plan = skopos_core::plan::compile_stored(&collection("console", server, "/item/1")).unwrap();
    let context = skopos_engine::RunContext::new(Default::default());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let report = runtime.block_on(skopos_engine::run_collection(&plan, &context));
    let ids: Vec<String> = (0..COLLECTIONS)
        .map(|n| {
            let name = format!("col-{n:04}");
            store.collections.put(None, collection(&name, server, "/item/1")).unwrap().id
        })
        .collect();
    // Half the runs are col-0000's (the history measured), the rest spread over the others,
    // over the last week, one in ten failed.
    let week = TimeDelta::days(7).num_milliseconds();
    let start = Instant::now();
    for n in 0..RUNS {
        let collection = if n % 2 == 0 { 0 } else { 1 + (n / 2) % (COLLECTIONS - 1) };
        let at = Utc::now() - TimeDelta::milliseconds(week * n as i64 / RUNS as i64);
        let mut run = record(&ids[collection], at, report.clone());
        run.collection = format!("col-{collection:04}");
        if n % 10 == 0 {
            run.status = RunStatus::Failed;
        }
        store.insert_run(run).unwrap();
    }
    store.flush().unwrap();
    println!("console: stored {RUNS} runs over {COLLECTIONS} collections in {:.1} s", start.elapsed().as_secs_f64());
    // What the list costs the store: each collection's stats and latest run (after a warm-up).
    let mut costs = (Duration::ZERO, Duration::ZERO);
    for _ in 0..2 {
        let timer = Instant::now();
        for id in &ids {
            store.collection_stats(id, Utc::now()).unwrap();
        }
        costs.0 = timer.elapsed();
        let timer = Instant::now();
        for id in &ids {
            store.runs(&RunQuery { collection_id: Some(id.clone()), limit: 1, ..Default::default() }).unwrap();
        }
        costs.1 = timer.elapsed();
    }
    println!(
        "console: from the store, stats of all {COLLECTIONS} collections {:?}, the latest run of each {:?}",
        costs.0, costs.1
    );
    drop(store);
    // Keeping every run: pruning col-0000 down to the default 10,000 would run meanwhile.
    let agent = Agent::start_with(dir.path(), &["--keep-runs", "100000"]);
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/console");
    assert!(folder.join("node_modules/playwright-core").is_dir(), "run `npm ci --prefix tests/console` first");
    let output = Command::new("node")
        .arg(folder.join("perf.mjs"))
        .args([&format!("http://{}", agent.address), TOKEN, "col-0000"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    println!("console: {}", String::from_utf8_lossy(&output.stdout).trim());
    agent.stop();
}

fn record(collection_id: &str, at: DateTime<Utc>, report: skopos_core::report::CollectionReport) -> RunRecord {
    RunRecord {
        id: String::new(),
        received_at: None,
        collection_id: collection_id.to_string(),
        collection: collection_id.to_string(),
        monitor_id: None,
        monitor: None,
        status: RunStatus::Passed,
        started_at: at,
        due_at: None,
        region: None,
        duration_ms: report.duration_ms,
        in_maintenance: false,
        log: None,
        report: Some(report),
    }
}

async fn api_latencies(address: SocketAddr, collections: usize) -> Vec<Duration> {
    use http_body_util::{BodyExt, Full};
    let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp)).await.unwrap();
    tokio::spawn(connection);
    let mut latencies = Vec::new();
    for n in 0..2_000 {
        let uri = format!("/api/v1/runs?collection=col-{:04}&limit=50", (n * 7919) % collections);
        let request = hyper::Request::builder()
            .uri(uri)
            .header("host", "127.0.0.1")
            .header("authorization", format!("Bearer {TOKEN}"))
            .body(Full::new(bytes::Bytes::new()))
            .unwrap();
        let start = Instant::now();
        sender.ready().await.unwrap();
        let response = sender.send_request(request).await.unwrap();
        assert_eq!(response.status(), 200);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        latencies.push(start.elapsed());
        assert!(body.len() > 1000);
    }
    latencies
}

fn monitors(server: SocketAddr, count: usize, jitter: Option<&str>, minutes: u64) {
    let label = if jitter.is_some() { "monitors" } else { "burst" };
    monitors_with(server, count, jitter, minutes, label, &[]);
}

/// `monitors` with extra `serve` flags, reported under `label`.
fn monitors_with(server: SocketAddr, count: usize, jitter: Option<&str>, minutes: u64, label: &str, flags: &[&str]) {
    monitors_of(server, count, jitter, minutes, label, flags, collection);
}

/// `monitors_with`, each monitor running the collection `make` gives (name, server, path).
fn monitors_of(
    server: SocketAddr,
    count: usize,
    jitter: Option<&str>,
    minutes: u64,
    label: &str,
    flags: &[&str],
    make: fn(&str, SocketAddr, &str) -> Collection,
) {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        for n in 0..count {
            let name = format!("c{n:05}");
            store.collections.put(None, make(&name, server, &format!("/item/{n}"))).unwrap();
            let mut schedule = json!({"every": "1m"});
            if let Some(jitter) = jitter {
                schedule["jitter"] = json!(jitter);
            }
            let monitor: Monitor = serde_json::from_value(
                json!({"name": format!("m{n:05}"), "schedule": schedule, "collections": [name]}),
            )
            .unwrap();
            store.monitors.put(None, monitor).unwrap();
        }
        store.flush().unwrap();
    }
    let agent = Agent::start_with(dir.path(), flags);
    println!(
        "{label}: {count} monitors every 1m (jitter {}); agent start-up {:.0} ms",
        jitter.unwrap_or("none"),
        agent.startup.as_secs_f64() * 1000.0
    );
    // The first minute fills caches and connections; measure the ones after it.
    std::thread::sleep(Duration::from_secs(60));
    let (window_start, cpu_start) = (Utc::now(), agent.cpu_seconds());
    let wall = Instant::now();
    std::thread::sleep(Duration::from_secs(60 * minutes));
    let cpu = agent.cpu_seconds() - cpu_start;
    let seconds = wall.elapsed().as_secs_f64();
    let (rss, peak) = agent.memory();
    agent.stop();

    let store = Arc::new(Store::open(dir.path()).unwrap());
    let (mut lags, mut skipped, mut failed) = (Vec::new(), 0, 0);
    let mut query = RunQuery { since: Some(window_start), limit: 1000, ..Default::default() };
    loop {
        let page = store.runs(&query).unwrap();
        for run in &page.runs {
            match run.status {
                RunStatus::Skipped => skipped += 1,
                RunStatus::Failed => failed += 1,
                RunStatus::Passed | RunStatus::Degraded => {}
            }
            if let Some(due) = run.due_at.filter(|due| *due >= window_start) {
                lags.push((run.started_at - due).to_std().unwrap_or_default());
            }
        }
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => break,
        }
    }
    let expected = count as f64 * seconds / 60.0;
    println!(
        "{label}: {} runs in {seconds:.0} s (expected ~{expected:.0}), {failed} failed, {skipped} skipped",
        lags.len()
    );
    println!("{label}: lag from due time to start: {}", percentiles(&mut lags));
    println!(
        "{label}: CPU {:.1} % of one core ({:.1} % of the machine); RSS at the end {rss:.0} MiB, peak {peak:.0} MiB",
        100.0 * cpu / seconds,
        100.0 * cpu / seconds / std::thread::available_parallelism().map_or(1, |n| n.get()) as f64
    );
}

fn folder_mib(dir: &Path) -> f64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        for entry in std::fs::read_dir(path).unwrap().flatten() {
            let meta = entry.metadata().unwrap();
            if meta.is_dir() { stack.push(entry.path()) } else { total += meta.len() }
        }
    }
    total as f64 / (1024.0 * 1024.0)
}
