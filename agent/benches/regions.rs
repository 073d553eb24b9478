//! The `regions` scenario of the agent bench: a primary and a follower (`eu`), both running
//! the same monitors every second; the delay from a follower's run ending to its arrival at
//! the primary (`received_at − started_at − duration`), at two loads.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use skopos_core::model::Monitor;
use skopos_service::store::{RunQuery, Store};

use crate::{Agent, TOKEN, collection, percentiles};

pub fn regions(server: SocketAddr, monitors: usize, seconds: u64) {
    let primary_data = tempfile::tempdir().unwrap();
    let follower_data = tempfile::tempdir().unwrap();
    {
        let store = Store::open(primary_data.path()).unwrap();
        for n in 0..monitors {
            let name = format!("c{n:05}");
            store.collections.put(None, collection(&name, server, &format!("/item/{n}"))).unwrap();
            let monitor: Monitor = serde_json::from_value(json!({
                "name": format!("m{n:05}"), "schedule": {"every": "1s", "jitter": "1s"}, "collections": [name]
            }))
            .unwrap();
            store.monitors.put(None, monitor).unwrap();
        }
        store.flush().unwrap();
    }
    let primary = Agent::start_with(primary_data.path(), &["--region", "hq"]);
    let url = format!("http://{}", primary.address);
    let flags = ["--region", "eu", "--primary", &url, "--primary-token", TOKEN, "--sync-every", "1s"];
    let follower = Agent::start_with(follower_data.path(), &flags);
    // Definitions reach the follower and connections warm up; measure after that.
    std::thread::sleep(Duration::from_secs(10));
    let window_start = Utc::now();
    std::thread::sleep(Duration::from_secs(seconds));
    let window_end = Utc::now();
    // Let the last runs of the window arrive before stopping.
    std::thread::sleep(Duration::from_secs(3));
    follower.stop();
    primary.stop();

    let store = Store::open(primary_data.path()).unwrap();
    let mut delays = Vec::new();
    let mut query = RunQuery {
        since: Some(window_start),
        until: Some(window_end),
        region: Some("eu".into()),
        limit: 1000,
        ..Default::default()
    };
    loop {
        let page = store.runs(&query).unwrap();
        for run in &page.runs {
            let ended = run.started_at + chrono::TimeDelta::microseconds((run.duration_ms * 1000.0) as i64);
            let received = run.received_at.expect("a follower's run has received_at");
            delays.push((received - ended).to_std().unwrap_or_default());
        }
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => break,
        }
    }
    let expected = monitors as u64 * seconds;
    println!(
        "regions: {monitors} monitors every 1s on a primary and a follower, {seconds} s: {} follower runs at the primary (expected ~{expected})",
        delays.len()
    );
    println!("regions: follower run ended → stored at the primary: {}", percentiles(&mut delays));
}
