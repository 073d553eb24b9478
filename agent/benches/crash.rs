//! `cargo bench -p skopos --bench crash`: `kill -9` the agent at random moments, over and over
//! (`SKOPOS_CRASH_LOOPS`, default 100), while 100 monitors store a run every second each and
//! `skopos apply` upserts 100 collections and 100 monitors. After every kill the agent is
//! started again on the same data folder and checked:
//! - the store opens;
//! - every run the API listed (100 ms before the kill, so its group commit is done) is there;
//! - every definition `apply` reported as created/updated is there in that version, and every
//!   stored definition is exactly one version of its file (none half-written);
//! - schedules resume without a burst: after the restart a monitor (every 1 s) makes up at
//!   most one missed slot, and runs no more often than once a second (+1).

mod common;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use common::{Agent, TOKEN, machine, percentiles, skopos, start_server};

const DEFINITIONS: usize = 100;

fn main() {
    let loops: usize = std::env::var("SKOPOS_CRASH_LOOPS").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    println!("machine: {}", machine());
    let server = start_server(Duration::ZERO);
    let data = tempfile::tempdir().unwrap();
    let files = tempfile::tempdir().unwrap();
    let mut agent = Agent::start(data.path());
    let (mut restarts, mut runs_checked, mut definitions_checked, mut kills_mid_apply) = (Vec::new(), 0, 0, 0);
    let (mut most_runs_after_restart, mut restart_windows) = (0, Vec::new());
    for round in 1..=loops {
        write_definitions(files.path(), server, round);
        let apply = Command::new(skopos())
            .args(["apply", "--server", &format!("http://{}", agent.address)])
            .arg(files.path())
            .env("SKOPOS_TOKEN", TOKEN)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(fastrand::u64(0..600)));
        let listed: Vec<String> = get(agent.address, "/api/v1/runs?limit=100")["runs"]
            .as_array()
            .map(|runs| runs.iter().filter_map(|r| r["id"].as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        std::thread::sleep(Duration::from_millis(100));
        drop(agent); // kill -9
        let output = apply.wait_with_output().unwrap();
        if !output.status.success() {
            kills_mid_apply += 1;
        }
        let acknowledged = acknowledged(&String::from_utf8_lossy(&output.stdout));

        let restarted_at = chrono::Utc::now();
        agent = Agent::start(data.path());
        restarts.push(agent.startup);
        for id in &listed {
            let run = get(agent.address, &format!("/api/v1/runs/{id}"));
            assert_eq!(run["id"], json!(id), "round {round}: acknowledged run {id} lost");
        }
        runs_checked += listed.len();
        definitions_checked += check_definitions(agent.address, server, round, &acknowledged);
        std::thread::sleep(Duration::from_millis(2_500));
        let since = restarted_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let page = get(agent.address, &format!("/api/v1/runs?limit=1000&since={}", since.replace('+', "%2B")));
        let seconds = (chrono::Utc::now() - restarted_at).as_seconds_f64();
        // (runs, runs that started more than a second after their slot) per monitor.
        let mut per_monitor: HashMap<String, (usize, usize)> = HashMap::new();
        for run in page["runs"].as_array().into_iter().flatten() {
            let time = |field: &str| chrono::DateTime::parse_from_rfc3339(run[field].as_str().unwrap()).unwrap();
            let late = (time("started_at") - time("due_at")).num_milliseconds() > 1_000;
            let entry = per_monitor.entry(run["monitor"].as_str().unwrap_or("").to_string()).or_default();
            *entry = (entry.0 + 1, entry.1 + late as usize);
        }
        let most = per_monitor.values().map(|(runs, _)| *runs).max().unwrap_or(0);
        let most_late = per_monitor.values().map(|(_, late)| *late).max().unwrap_or(0);
        // A burst would replay the slots missed while the agent was down: many late runs.
        assert!(most_late <= 1, "round {round}: a monitor made up {most_late} missed slots after the restart");
        assert!(
            most as f64 <= seconds.floor() + 2.0,
            "round {round}: a monitor ran {most} times in the {seconds:.1} s after the restart (a burst)"
        );
        most_runs_after_restart = most_runs_after_restart.max(most);
        restart_windows.push(seconds);
        if round % 10 == 0 {
            println!("crash: {round} kills survived");
        }
    }
    println!(
        "crash: {loops} kill -9s survived ({kills_mid_apply} in the middle of `skopos apply`); {runs_checked} acknowledged runs and {definitions_checked} acknowledged definitions checked after restarts, none lost or half-written"
    );
    println!("crash: restart to listening: {}", percentiles(&mut restarts));
    let longest = restart_windows.iter().copied().fold(0.0, f64::max);
    println!(
        "crash: after each restart, at most one late run per monitor (the slot missed while down); most runs of one monitor (every 1 s) in the first seconds (up to {longest:.1} s): {most_runs_after_restart}"
    );
}

/// `name -> round` for every definition `apply` said it created or updated.
fn acknowledged(apply_output: &str) -> Vec<String> {
    apply_output
        .lines()
        .filter_map(|line| {
            line.split('`').nth(1).filter(|_| line.starts_with("created") || line.starts_with("updated"))
        })
        .map(str::to_string)
        .collect()
}

fn collection_spec(n: usize, server: SocketAddr, round: usize) -> Value {
    json!({"name": format!("c{n:03}"), "steps": [{"name": "get",
        "request": {"url": format!("http://{server}/item/{n}?round={round}")},
        "assert": [{"source": "status", "op": "eq", "value": 200}]}]})
}

fn monitor_spec(n: usize, round: usize) -> Value {
    json!({"name": format!("m{n:03}"), "schedule": {"every": "1s"}, "collections": [format!("c{n:03}")],
           "alert_after": 1 + round % 3})
}

fn write_definitions(folder: &Path, server: SocketAddr, round: usize) {
    for n in 0..DEFINITIONS {
        let write = |name: String, spec: Value| std::fs::write(folder.join(name), spec.to_string()).unwrap();
        write(format!("c{n:03}.json"), collection_spec(n, server, round));
        write(format!("m{n:03}.json"), monitor_spec(n, round));
    }
}

/// Every stored definition is exactly its file in some round up to `round`; those `apply`
/// acknowledged in `round` are in that round's version. Returns how many were acknowledged.
fn check_definitions(address: SocketAddr, server: SocketAddr, round: usize, acknowledged: &[String]) -> usize {
    let collections = get(address, "/api/v1/collections");
    for item in collections.as_array().unwrap() {
        let spec = &item["spec"];
        let name = spec["name"].as_str().unwrap();
        let n: usize = name[1..].parse().unwrap();
        let url = spec["steps"][0]["request"]["url"].as_str().unwrap();
        let stored_round: usize = url.rsplit('=').next().unwrap().parse().unwrap();
        assert!(stored_round <= round, "{name}: round {stored_round} from the future");
        let expected = collection_spec(n, server, stored_round);
        assert_eq!(spec["steps"][0]["request"]["url"], expected["steps"][0]["request"]["url"], "{name} half-written");
        assert_eq!(spec["steps"][0]["assert"][0]["value"], 200, "{name} half-written");
        if acknowledged.iter().any(|a| a == name) {
            assert_eq!(stored_round, round, "{name}: acknowledged in round {round}, stored as round {stored_round}");
        }
    }
    let monitors = get(address, "/api/v1/monitors");
    for item in monitors.as_array().unwrap() {
        let spec = &item["spec"];
        let name = spec["name"].as_str().unwrap();
        assert_eq!(spec["schedule"]["every"], "1s", "{name} half-written");
        assert_eq!(spec["collections"][0].as_str().unwrap()[1..], name[1..], "{name} half-written");
        if acknowledged.iter().any(|a| a == name) {
            assert_eq!(spec["alert_after"], json!(1 + round % 3), "{name}: acknowledged, not stored");
        }
    }
    acknowledged.len()
}

/// A GET of the agent's API, its JSON body.
fn get(address: SocketAddr, path: &str) -> Value {
    let (head, body) = common::get(address, path);
    assert!(head.starts_with("HTTP/1.1 200"), "GET {path}: {head}\n{body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
}
