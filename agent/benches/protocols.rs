//! `cargo bench -p skopos --bench protocols`: steps beyond HTTP against local servers.
//!
//! Scenarios:
//! - `grpc`: unary gRPC calls per second against a tonic server (`shop.v1.Orders/GetOrder`,
//!   the method from its `.proto` file): Skopos' engine running 200 collections of 50 gRPC
//!   steps, 16 at a time (each collection on its own HTTP/2 connection, every reply decoded
//!   to JSON and judged by its implicit `OK` check and one assertion), beside the floor: a bare
//!   tonic client loop making the same 10,000 calls from 16 tasks, each on its own channel.
//! - `probe`: the `tcp` probe called through the plugin host against a local listener,
//!   20,000 times on one thread, beside an async connect from the host to the same listener
//!   (tokio, as the engine's own connections are made): the probe's overhead beyond the
//!   network is the difference. Also a probe that answers at once (the `rogue-probe` fixture,
//!   `try: nothing`): instantiating and calling a probe, without sockets.
//!
//! Pass names to run only some: `cargo bench -p skopos --bench protocols -- grpc`.

mod common;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use skopos_core::model::Collection;
use skopos_core::probe::{ProbeCall, ProbePlugins};
use skopos_core::report::CollectionReport;
use skopos_engine::{RunContext, run_all};
use skopos_plugin_host::{HostOptions, PluginHost, embedded};
use skopos_test_support::grpc::{GetOrderRequest, Order, TOKEN, grpc_server};

use common::{machine, percentiles};

const COLLECTIONS: usize = 200;
const CALLS_PER_COLLECTION: usize = 50;
const CONCURRENCY: usize = 16;

fn main() {
    let wanted: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let runs = |name: &str| wanted.is_empty() || wanted.iter().any(|w| w == name);
    println!("machine: {}", machine());
    if runs("grpc") {
        grpc();
    }
    if runs("probe") {
        probe();
    }
}

fn proto_dir() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/e2e/collections/protos").canonicalize().unwrap()
}

fn grpc() {
    let server = grpc_server(&proto_dir(), false);
    let calls = COLLECTIONS * CALLS_PER_COLLECTION;
    let plans: Vec<_> = (0..COLLECTIONS).map(|n| Arc::new(grpc_plan(n, server))).collect();
    let context = Arc::new(RunContext::new(Default::default()));
    // Once untimed: the server and the allocator warm up.
    run_all(plans[..CONCURRENCY].to_vec(), context.clone(), CONCURRENCY, Arc::new(|_: &CollectionReport| {}));
    let started = Instant::now();
    let reports = run_all(plans, context, CONCURRENCY, Arc::new(|_: &CollectionReport| {}));
    let skopos = started.elapsed();
    assert!(reports.iter().all(|r| r.passed), "{:?}", reports.iter().find(|r| !r.passed));
    let floor = tonic_loop(server, calls);
    let rate = |elapsed: Duration| calls as f64 / elapsed.as_secs_f64();
    println!(
        "grpc: {calls} unary calls, {CONCURRENCY} at a time: skopos {:.0}/s ({:.1} µs each), bare tonic client {:.0}/s ({:.1} µs each); skopos at {:.0} % of the floor",
        rate(skopos),
        skopos.as_secs_f64() * 1e6 / calls as f64,
        rate(floor),
        floor.as_secs_f64() * 1e6 / calls as f64,
        100.0 * rate(skopos) / rate(floor)
    );
}

/// A collection of gRPC steps, each checking a field of the reply.
fn grpc_plan(n: usize, server: SocketAddr) -> skopos_core::plan::Plan {
    let proto = proto_dir();
    let step = json!({
        "request": {
            "url": format!("http://{server}"),
            "headers": {"authorization": format!("Bearer {TOKEN}")},
            "grpc": {"method": "shop.v1.Orders/GetOrder", "message": {"id": "A-100"},
                     "proto": [proto.join("shop.proto")], "import_paths": [proto]},
        },
        "assert": [{"source": "body", "property": "status", "op": "eq", "value": "packed"}],
    });
    let collection: Collection =
        serde_json::from_value(json!({"name": format!("grpc-{n}"), "steps": vec![step; CALLS_PER_COLLECTION]}))
            .unwrap();
    skopos_core::plan::compile_stored(&collection).unwrap()
}

/// The same calls from a bare tonic client: `CONCURRENCY` tasks, each on its own channel.
fn tonic_loop(server: SocketAddr, calls: usize) -> Duration {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async move {
        let mut channels = Vec::new();
        for _ in 0..CONCURRENCY {
            let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{server}")).unwrap();
            channels.push(endpoint.connect().await.unwrap());
        }
        let started = Instant::now();
        let tasks: Vec<_> = channels
            .into_iter()
            .map(|channel| {
                tokio::spawn(async move {
                    let mut client = tonic::client::Grpc::new(channel);
                    for _ in 0..calls / CONCURRENCY {
                        let mut request = tonic::Request::new(GetOrderRequest { id: "A-100".into() });
                        request.metadata_mut().insert("authorization", format!("Bearer {TOKEN}").parse().unwrap());
                        client.ready().await.unwrap();
                        let path = http::uri::PathAndQuery::from_static("/shop.v1.Orders/GetOrder");
                        let codec = tonic_prost::ProstCodec::<GetOrderRequest, Order>::default();
                        let reply = client.unary(request, path, codec).await.unwrap();
                        assert_eq!(reply.get_ref().status, "packed");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        started.elapsed()
    })
}

fn probe() {
    const CALLS: usize = 20_000;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            drop(stream);
        }
    });
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let host = runtime.block_on(async {
        let options = HostOptions {
            cache_dir: Some(std::env::temp_dir().join("skopos-bench-plugin-cache")),
            ..HostOptions::default()
        };
        let mut host = PluginHost::new(options).unwrap();
        let mut sources = embedded().unwrap();
        let fixture = skopos_plugin_host::built_plugins().join("rogue_probe.wasm");
        let manifest = "kind: probe\nversion: 0.1.0\ncapabilities:\n  sockets: { tcp: true }\n";
        let manifest = skopos_plugin_host::Manifest::parse(std::path::Path::new("rogue.yaml"), manifest).unwrap();
        sources.push(skopos_plugin_host::PluginPackage::new("fixture", std::fs::read(fixture).unwrap(), manifest));
        let loaded = host.add_all(sources).await;
        assert!(loaded.iter().all(Result::is_ok));
        host
    });
    let target = address.to_string();
    let config = json!({});
    let call = ProbeCall { plugin: "tcp", target: &target, config: &config, timeout: Duration::from_secs(5) };
    let nothing = json!({"try": "nothing"});
    let idle = ProbeCall { plugin: "rogue-probe", config: &nothing, ..call };
    let (mut probed, mut connected, mut idled) =
        (Vec::with_capacity(CALLS), Vec::with_capacity(CALLS), Vec::with_capacity(CALLS));
    runtime.block_on(async {
        for _ in 0..1000 {
            host.probe(call).await.unwrap();
        }
        for _ in 0..CALLS {
            let started = Instant::now();
            host.probe(call).await.unwrap();
            probed.push(started.elapsed());
            let started = Instant::now();
            drop(tokio::net::TcpStream::connect(address).await.unwrap());
            connected.push(started.elapsed());
            let started = Instant::now();
            host.probe(idle).await.unwrap();
            idled.push(started.elapsed());
        }
    });
    let median = |samples: &mut Vec<Duration>| {
        samples.sort();
        samples[samples.len() / 2]
    };
    let (probe_p50, connect_p50) = (median(&mut probed), median(&mut connected));
    println!("probe: `tcp` probe calls: {}", percentiles(&mut probed));
    println!("probe: an async connect from the host: {}", percentiles(&mut connected));
    println!("probe: a probe that answers at once (no sockets): {}", percentiles(&mut idled));
    println!(
        "probe: overhead beyond the network, p50: {:.1} µs (probe {:.1} µs - connect {:.1} µs)",
        (probe_p50.as_secs_f64() - connect_p50.as_secs_f64()) * 1e6,
        probe_p50.as_secs_f64() * 1e6,
        connect_p50.as_secs_f64() * 1e6
    );
}
