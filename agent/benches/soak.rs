//! `cargo bench -p skopos --bench soak`: the agent kept busy for an hour against a hostile API.
//!
//! 2,000 monitors (`SKOPOS_SOAK_MONITORS`) every 10 s with `jitter: 10s`, each running a
//! one-step collection (timeout 5 s, body cap 1 MiB) against a local server that answers each
//! request at random: fine, slowly, with a 5xx, by resetting the connection, with garbage
//! bytes, a huge or endless body, a trickle, malformed JSON, or never. For
//! `SKOPOS_SOAK_MINUTES` (default 60) after a two-minute warm-up it samples the agent's RSS and
//! CPU every minute (`SKOPOS_SOAK_WARM_UP_SECONDS` sets the warm-up); then it stops the agent and checks what the issue asks: no panic in its
//! log, RSS flat after warm-up, scheduler lag p99 within the agent benchmark's 50 ms, and every
//! slot of every monitor recorded (no gaps in each monitor's due times).

mod common;
mod hostile;

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use serde_json::json;
use skopos_core::model::{Collection, Monitor};
use skopos_service::store::{RunQuery, RunStatus, Store};

use common::{Agent, machine, percentiles};

const INTERVAL_SECONDS: i64 = 10;

fn main() {
    let setting = |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let minutes = setting("SKOPOS_SOAK_MINUTES", 60);
    let monitors = setting("SKOPOS_SOAK_MONITORS", 2_000) as usize;
    let warm_up = Duration::from_secs(setting("SKOPOS_SOAK_WARM_UP_SECONDS", 120));
    println!("machine: {}", machine());
    let server = hostile::start();
    let data = tempfile::tempdir().unwrap();
    {
        let store = Store::open(data.path()).unwrap();
        for n in 0..monitors {
            let name = format!("soak-{n:04}");
            let collection: Collection = serde_json::from_value(json!({
                "name": name,
                "defaults": {"timeout_ms": 5000, "max_body_bytes": 1_048_576},
                "steps": [{"name": "get", "request": {"url": format!("http://{server}/item/{n}")},
                           "assert": [{"source": "status", "op": "eq", "value": 200},
                                      {"source": "body", "property": "id", "op": "exists"}]}]
            }))
            .unwrap();
            store.collections.put(None, collection).unwrap();
            let monitor: Monitor = serde_json::from_value(json!({
                "name": format!("m-{n:04}"), "schedule": {"every": "10s", "jitter": "10s"}, "collections": [name]
            }))
            .unwrap();
            store.monitors.put(None, monitor).unwrap();
        }
        store.flush().unwrap();
    }
    let logs = tempfile::tempdir().unwrap();
    let log_path = logs.path().join("agent.log");
    // `SKOPOS_SOAK_KEEP_RUNS` keeps that many runs per collection (pruned every minute), so
    // that the store stops growing within the hour; unset, the agent's default (10,000).
    let keep_runs = std::env::var("SKOPOS_SOAK_KEEP_RUNS").ok();
    let flags: Vec<&str> = match &keep_runs {
        Some(keep) => vec!["--keep-runs", keep, "--prune-every", "1m"],
        None => Vec::new(),
    };
    let agent = Agent::start_logging(data.path(), &flags, std::fs::File::create(&log_path).unwrap());
    println!(
        "soak: {monitors} monitors every {INTERVAL_SECONDS}s against the hostile server, {minutes} min after a {} s warm-up, keeping {} runs per collection",
        warm_up.as_secs(),
        keep_runs.as_deref().unwrap_or("10000 (the default)")
    );
    std::thread::sleep(warm_up);

    let window_start = Utc::now();
    let (wall, cpu_start) = (Instant::now(), agent.cpu_seconds());
    let mut rss_curve = Vec::new();
    let mut cpu_before = cpu_start;
    for minute in 1..=minutes {
        std::thread::sleep(
            Duration::from_secs(60).saturating_sub(wall.elapsed() - Duration::from_secs(60 * (minute - 1))),
        );
        let (rss, peak) = agent.memory();
        let cpu = agent.cpu_seconds();
        println!(
            "soak: minute {minute:3}: RSS {rss:.0} MiB (peak {peak:.0}), CPU {:.1} % of one core, server {}",
            100.0 * (cpu - cpu_before) / 60.0,
            hostile::tally()
        );
        cpu_before = cpu;
        rss_curve.push(rss);
    }
    let seconds = wall.elapsed().as_secs_f64();
    let cpu = agent.cpu_seconds() - cpu_start;
    let window_end = Utc::now();
    let (_, metrics) = common::get(agent.address, "/metrics");
    agent.stop();
    println!("soak: scheduler lag over the whole run, from the agent's /metrics: {}", lag_from_metrics(&metrics));

    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    let panics = log.lines().filter(|l| l.contains("panicked")).count();
    println!("soak: agent log {} lines, {panics} panics", log.lines().count());
    for line in log.lines().filter(|l| l.contains("panicked")).take(5) {
        println!("  {line}");
    }
    // Runs due in the last 10 s may still have been going when the agent stopped. When runs
    // are pruned, only the last 9 minutes are all still there.
    let checked_from = match &keep_runs {
        Some(_) => window_start.max(window_end - TimeDelta::minutes(9)),
        None => window_start,
    };
    report_runs(&Store::open(data.path()).unwrap(), checked_from, window_end - TimeDelta::seconds(10));
    let first = rss_curve.first().copied().unwrap_or_default();
    let max = rss_curve.iter().copied().fold(0.0, f64::max);
    let last = rss_curve.last().copied().unwrap_or_default();
    println!(
        "soak: RSS after warm-up {first:.0} MiB, at the end {last:.0} MiB, highest sample {max:.0} MiB; CPU {:.1} % of one core on average",
        100.0 * cpu / seconds
    );
}

/// Runs whose due time is in the window: statuses, step error classes, lag, and each
/// monitor's slots checked for gaps.
fn report_runs(store: &Store, window_start: chrono::DateTime<Utc>, window_end: chrono::DateTime<Utc>) {
    let mut lags_by_ten_minutes: BTreeMap<i64, Vec<Duration>> = BTreeMap::new();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let mut classes: BTreeMap<String, usize> = BTreeMap::new();
    let mut due_times: HashMap<String, Vec<chrono::DateTime<Utc>>> = HashMap::new();
    let mut query = RunQuery { since: Some(window_start - TimeDelta::seconds(30)), limit: 1000, ..Default::default() };
    loop {
        let page = store.runs(&query).unwrap();
        for run in &page.runs {
            let Some(due) = run.due_at.filter(|due| *due >= window_start && *due < window_end) else { continue };
            let status = match run.status {
                RunStatus::Passed => "passed",
                RunStatus::Degraded => "degraded",
                RunStatus::Failed => "failed",
                RunStatus::Skipped => "skipped",
            };
            *statuses.entry(status.into()).or_default() += 1;
            let error = run.report.as_ref().and_then(|r| r.steps.first()).and_then(|s| s.error.as_ref());
            let class = match error {
                Some(error) => serde_json::to_value(error.kind).unwrap().as_str().unwrap_or("?").to_string(),
                None => "no step error".into(),
            };
            *classes.entry(class).or_default() += 1;
            let lag = (run.started_at - due).to_std().unwrap_or_default();
            lags_by_ten_minutes.entry((due - window_start).num_minutes() / 10).or_default().push(lag);
            due_times.entry(run.monitor_id.clone().unwrap_or_default()).or_default().push(due);
        }
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => break,
        }
    }
    let recorded: usize = statuses.values().sum();
    println!("soak: {recorded} runs due in the window: {statuses:?}");
    println!("soak: step error classes: {classes:?}");
    let mut all = Vec::new();
    for (tens, lags) in &mut lags_by_ten_minutes {
        println!("soak: lag, minutes {}-{}: {}", tens * 10, tens * 10 + 10, percentiles(lags));
        all.extend_from_slice(lags);
    }
    println!("soak: lag, whole window: {}", percentiles(&mut all));
    // Every slot: a monitor's due times are INTERVAL apart with none missing or doubled.
    let (mut gaps, mut doubles) = (0, 0);
    for dues in due_times.values_mut() {
        dues.sort();
        for pair in dues.windows(2) {
            let apart = (pair[1] - pair[0]).num_milliseconds();
            if apart == 0 {
                doubles += 1;
            } else if apart > INTERVAL_SECONDS * 1000 + 500 {
                gaps += (apart / (INTERVAL_SECONDS * 1000) - 1) as usize;
            }
        }
    }
    let window = (window_end - window_start).num_seconds();
    let counts: Vec<usize> = due_times.values().map(Vec::len).collect();
    println!(
        "soak: {} monitors recorded, {}..{} runs each in {window} s (one per {INTERVAL_SECONDS} s slot); missing slots {gaps}, slots run twice {doubles}",
        due_times.len(),
        counts.iter().min().unwrap_or(&0),
        counts.iter().max().unwrap_or(&0),
    );
}

/// `p50 <= 0.005 s, p99 <= 0.01 s (N firings)` from the lag histogram's buckets, summed over
/// every monitor.
fn lag_from_metrics(metrics: &str) -> String {
    let mut buckets: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for line in metrics.lines().filter(|l| l.starts_with("skopos_scheduler_lag") && l.contains("_bucket{")) {
        let Some(le) = line.split("le=\"").nth(1).and_then(|rest| rest.split('"').next()) else { continue };
        let count: f64 = line.rsplit(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0.0);
        let bound = if le == "+Inf" { f64::INFINITY } else { le.parse().unwrap_or(f64::INFINITY) };
        buckets.entry(le.to_string()).or_insert((bound, 0.0)).1 += count;
    }
    let mut cumulative: Vec<(f64, f64)> = buckets.into_values().collect();
    cumulative.sort_by(|a, b| a.0.total_cmp(&b.0));
    let Some(&(_, total)) = cumulative.last() else { return "no lag histogram in /metrics".into() };
    let at = |q: f64| cumulative.iter().find(|(_, n)| *n >= q * total).map_or(f64::INFINITY, |(bound, _)| *bound);
    format!("p50 <= {} s, p99 <= {} s, max <= {} s ({total} firings)", at(0.5), at(0.99), at(1.0))
}
