//! `pages`: what the public and the console read, with 500 monitors and 90 days of tallies
//! (a run of each monitor every 3 hours for 90 days, stored before the agent starts):
//! a status page showing all 500 monitors (its first build, then served), its `summary.json`,
//! badges, a 90-day report by month, and the console's dashboard drawn in headless Chromium.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use http_body_util::{BodyExt, Full};
use serde_json::json;
use skopos_core::model::{Monitor, StatusPage};
use skopos_service::store::{RunRecord, RunStatus, Store};

use crate::common::{Agent, TOKEN, percentiles};

const MONITORS: usize = 500;
const DAYS: i64 = 90;
const RUN_EVERY_HOURS: i64 = 3;

/// What is measured: its label, the path of the `n`th request, and whether it needs a token.
type Case = (&'static str, Box<dyn Fn(usize) -> String>, bool);

pub fn pages(server: SocketAddr) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let start = Instant::now();
    for n in 0..MONITORS {
        let name = format!("svc-{n:03}");
        let collection = store.collections.put(None, crate::collection(&name, server, "/item/1")).unwrap().id;
        let monitor: Monitor = serde_json::from_value(json!({"name": name, "tags": [format!("team-{}", n % 5)],
            "schedule": {"every": "1h"}, "collections": [name], "paused": true}))
        .unwrap();
        let monitor = store.monitors.put(None, monitor).unwrap().id;
        for slot in 0..DAYS * 24 / RUN_EVERY_HOURS {
            let at = Utc::now() - TimeDelta::hours(slot * RUN_EVERY_HOURS);
            let status = if (slot + n as i64) % 97 == 0 { RunStatus::Failed } else { RunStatus::Passed };
            let run = RunRecord {
                status,
                duration_ms: 20.0 + ((slot * 7 + n as i64) % 50) as f64,
                ..RunRecord::new((&collection, &name), at, None, None).for_monitor((&monitor, &name), at)
            };
            store.insert_run(run).unwrap();
        }
    }
    let page: StatusPage = serde_json::from_value(json!({"name": "Everything", "status_page": {"slug": "all", "show_latency": true,
        "groups": (0..5).map(|t| json!({"name": format!("Team {t}"), "tags": [format!("team-{t}")]})).collect::<Vec<_>>()}}))
    .unwrap();
    store.status_pages.put(None, page).unwrap();
    store.flush().unwrap();
    let runs = MONITORS as i64 * DAYS * 24 / RUN_EVERY_HOURS;
    println!(
        "pages: stored {MONITORS} monitors and {runs} runs over {DAYS} days in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    drop(store);

    // Keeping what was stored: a first pruning of 240,000 runs past the default 30 days would
    // run meanwhile (an agent that has run for 90 days pruned as it went).
    let agent = Agent::start_with(dir.path(), &["--keep-runs", "1000", "--retention", "91d"]);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (first, bytes) =
        runtime.block_on(async { timed_get(&mut connect(agent.address).await, "/status/all", false).await });
    println!(
        "pages: status page of {MONITORS} monitors × {DAYS} daily bars, first build and render: {first:?} ({} KiB)",
        bytes / 1024
    );
    let cases: [Case; 5] = [
        ("status page (HTML)", Box::new(|_| "/status/all".into()), false),
        ("summary.json", Box::new(|_| "/status/all/api/v2/summary.json".into()), false),
        ("badge status.svg", Box::new(|n| format!("/badge/svc-{:03}/status.svg", n % MONITORS)), false),
        (
            "badge uptime.svg?window=90d",
            Box::new(|n| format!("/badge/svc-{:03}/uptime.svg?window=90d", n % MONITORS)),
            false,
        ),
        (
            "90-day report by month",
            Box::new(|n| {
                let from = (Utc::now() - TimeDelta::days(DAYS - 1)).date_naive();
                format!("/api/v1/reports/uptime?monitor=svc-{:03}&by=month&from={from}", (n * 7) % MONITORS)
            }),
            true,
        ),
    ];
    for (label, path, token) in &cases {
        let mut latencies = runtime.block_on(async {
            let mut sender = connect(agent.address).await;
            let mut latencies = Vec::new();
            for n in 0..2_000 {
                latencies.push(timed_get(&mut sender, &path(n), *token).await.0);
            }
            latencies
        });
        println!("pages: {label}: {}", percentiles(&mut latencies));
    }
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/console");
    assert!(folder.join("node_modules/playwright-core").is_dir(), "run `npm ci --prefix tests/console` first");
    let output = Command::new("node")
        .arg(folder.join("perf-dashboard.mjs"))
        .args([&format!("http://{}", agent.address), TOKEN, &MONITORS.to_string()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    println!("pages: console {}", String::from_utf8_lossy(&output.stdout).trim());
    agent.stop();
}

type Sender = hyper::client::conn::http1::SendRequest<Full<bytes::Bytes>>;

/// A keep-alive connection (as a browser, a proxy or a CDN keeps one): a new connection per
/// request measures the loopback's port reuse (a dropped SYN costs a second), not the agent.
async fn connect(address: SocketAddr) -> Sender {
    let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let (sender, connection) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp)).await.unwrap();
    tokio::spawn(connection);
    sender
}

/// A GET: the time from sending the request to the whole body read, and the body's size.
async fn timed_get(sender: &mut Sender, path: &str, token: bool) -> (Duration, usize) {
    sender.ready().await.unwrap();
    let mut request = hyper::Request::builder().uri(path).header("host", "127.0.0.1");
    if token {
        request = request.header("authorization", format!("Bearer {TOKEN}"));
    }
    let request = request.body(Full::new(bytes::Bytes::new())).unwrap();
    let start = Instant::now();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (start.elapsed(), body.len())
}
