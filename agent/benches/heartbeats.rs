//! `heartbeats`: 10,000 heartbeat monitors (`every: 1m, grace: 3m`, the grace longer than
//! making them all takes, so none misses its first ping) pinged once a minute,
//! spread evenly over each minute on ten keep-alive connections, for `SKOPOS_BENCH_MINUTES`
//! (default 3): each ping's latency. 100 of them stop after the first round: how long after
//! their deadline (the next minute slot after their last ping, plus grace) their failing
//! alert reached a local webhook. Then floods: 10,000 pings at once to one key, and 10,000
//! to random keys from one address: how many were taken, and whether the store grew.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use serde_json::{Value, json};

use crate::access::Connection;
use crate::common::{Agent, TOKEN, percentiles};

const MONITORS: usize = 10_000;
const SILENT: usize = 100;
const CONNECTIONS: usize = 10;

pub fn heartbeats(minutes: u64) {
    let alerts: Arc<Mutex<HashMap<String, DateTime<Utc>>>> = Arc::default();
    let receiver = {
        let alerts = alerts.clone();
        skopos_test_support::serve(move |request| {
            let alerts = alerts.clone();
            async move {
                let event: Value = serde_json::from_slice(request.body()).unwrap_or_default();
                if event["transition"] == "failing" {
                    let monitor = event["monitor"].as_str().unwrap_or_default().to_string();
                    alerts.lock().unwrap().entry(monitor).or_insert_with(Utc::now);
                }
                skopos_test_support::reply(200, "text/plain", "ok")
            }
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::start(dir.path());
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(4).enable_all().build().unwrap();
    runtime.block_on(async {
        let auth = vec![("authorization", format!("Bearer {TOKEN}"))];
        let started = Instant::now();
        let paths = create(agent.address, &auth, receiver).await;
        println!("heartbeats: {MONITORS} heartbeat monitors created in {:.1} s", started.elapsed().as_secs_f64());

        // The first round as fast as it goes (no monitor may reach its first deadline), then
        // one round a minute, spread evenly.
        let last_silent_ping = round(agent.address, &paths, Duration::ZERO).await.1;
        let mut latencies = Vec::new();
        for _ in 0..minutes {
            let (mut taken, _) = round(agent.address, &paths[SILENT..], Duration::from_secs(60)).await;
            latencies.append(&mut taken);
        }
        println!(
            "heartbeats: ping latency over {minutes} min ({} pings, ~{:.0}/s): {}",
            latencies.len(),
            MONITORS as f64 / 60.0,
            percentiles(&mut latencies)
        );
        let deadline = next_minute(last_silent_ping) + TimeDelta::minutes(3);
        while Utc::now() < deadline + TimeDelta::seconds(10) {
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let alerts = alerts.lock().unwrap().clone();
        let after: Vec<TimeDelta> = (0..SILENT).filter_map(|n| alerts.get(&format!("hb-{n}"))).map(|at| *at - deadline).collect();
        let early = after.iter().filter(|delta| **delta < TimeDelta::zero()).count();
        let mut late: Vec<Duration> = after.iter().filter_map(|delta| delta.to_std().ok()).collect();
        let spurious = alerts.keys().filter(|name| name[3..].parse::<usize>().is_ok_and(|n| n >= SILENT)).count();
        println!(
            "heartbeats: {} of {SILENT} silent monitors alerted, {early} before their deadline; after it: {}; alerts from monitors still pinged: {spurious}",
            after.len(),
            percentiles(&mut late)
        );
        flood(agent.address, &auth, &paths[SILENT], dir.path()).await;
    });
    agent.stop();
}

async fn create(address: SocketAddr, auth: &[(&str, String)], receiver: SocketAddr) -> Vec<String> {
    let mut tasks = Vec::new();
    let token = auth[0].1.clone();
    for part in 0..CONNECTIONS {
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let auth = [("authorization", token)];
            let mut api = Connection::open(address).await;
            let mut paths = Vec::new();
            for n in (part..MONITORS).step_by(CONNECTIONS) {
                let monitor = json!({"name": format!("hb-{n}"), "heartbeat": {"every": "1m", "grace": "3m"},
                    "notify": [{"plugin": "webhook", "config": {"url": format!("http://{receiver}/hook")}}]});
                let (status, _, created) = api.call("POST", "/api/v1/monitors", &auth, Some(monitor)).await;
                assert_eq!(status, 201, "{created}");
                let url = created["ping_url"].as_str().unwrap();
                paths.push((n, url[url.find("/ping/").unwrap()..].to_string()));
            }
            paths
        }));
    }
    let mut paths: Vec<(usize, String)> = Vec::new();
    for task in tasks {
        paths.extend(task.await.unwrap());
    }
    paths.sort();
    paths.into_iter().map(|(_, path)| path).collect()
}

/// Pings every path once, spread over `spread`; each ping's latency, and when the last of
/// the first `SILENT` paths was pinged.
async fn round(address: SocketAddr, paths: &[String], spread: Duration) -> (Vec<Duration>, DateTime<Utc>) {
    let gap = spread / (paths.len() / CONNECTIONS).max(1) as u32;
    let mut tasks = Vec::new();
    for part in 0..CONNECTIONS {
        let mine: Vec<String> = paths.iter().skip(part).step_by(CONNECTIONS).cloned().collect();
        tasks.push(tokio::spawn(async move {
            let mut api = Connection::open(address).await;
            let (mut taken, mut last_silent) = (Vec::new(), DateTime::<Utc>::MIN_UTC);
            let begin = Instant::now();
            for (i, path) in mine.iter().enumerate() {
                tokio::time::sleep_until((begin + gap * i as u32).into()).await;
                let start = Instant::now();
                let (status, _, _) = api.call("POST", path, &[], None).await;
                taken.push(start.elapsed());
                assert_eq!(status, 200, "{path}");
                if i * CONNECTIONS + part < SILENT {
                    last_silent = Utc::now();
                }
            }
            (taken, last_silent)
        }));
    }
    let (mut all, mut last) = (Vec::new(), DateTime::<Utc>::MIN_UTC);
    for task in tasks {
        let (taken, silent) = task.await.unwrap();
        all.extend(taken);
        last = last.max(silent);
    }
    (all, last)
}

fn next_minute(at: DateTime<Utc>) -> DateTime<Utc> {
    let floor = at.with_nanosecond(0).unwrap().with_second(0).unwrap();
    floor + TimeDelta::minutes(1)
}

async fn flood(address: SocketAddr, auth: &[(&str, String)], one: &str, data: &std::path::Path) {
    let mut api = Connection::open(address).await;
    let runs = |page: Value| page["runs"].as_array().map_or(0, Vec::len);
    let (_, _, before) = api.call("GET", "/api/v1/runs?limit=1000&monitor=hb-100", auth, None).await;
    let mut statuses: HashMap<u16, usize> = HashMap::new();
    let started = Instant::now();
    for _ in 0..10_000 {
        *statuses.entry(api.call("POST", one, &[], None).await.0).or_default() += 1;
    }
    let (_, _, after) = api.call("GET", "/api/v1/runs?limit=1000&monitor=hb-100", auth, None).await;
    println!(
        "heartbeats: 10,000 pings to one key in {:.1} s: {:?}; its runs {} → {}",
        started.elapsed().as_secs_f64(),
        statuses,
        runs(before),
        runs(after)
    );
    let size = || crate::folder_mib(data);
    let before = size();
    let since = Utc::now();
    let mut statuses: HashMap<u16, usize> = HashMap::new();
    for n in 0..10_000 {
        *statuses.entry(api.call("GET", &format!("/ping/{n:064x}"), &[], None).await.0).or_default() += 1;
    }
    let query = format!(
        "/api/v1/runs?limit=1000&summary=true&since={}",
        since.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    );
    let (_, _, stored) = api.call("GET", &query.replace('+', "%2B"), auth, None).await;
    let from_pinged = stored["runs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|run| run["monitor"].as_str().and_then(|m| m[3..].parse::<usize>().ok()).is_some_and(|n| n >= SILENT))
        .count();
    println!(
        "heartbeats: 10,000 pings to random keys from one address: {statuses:?}; runs stored meanwhile by monitors other than the silent ones: {from_pinged}; store {before:.1} → {:.1} MiB",
        size()
    );
}
