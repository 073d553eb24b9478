//! `cargo bench -p skopos --bench run`: how fast `skopos run` is, beside Hurl and Newman.
//!
//! Scenarios (all on 127.0.0.1, servers started here):
//! - `slow`: 50 collections × 10 steps against a server that answers each request after
//!   200 ms. Sequentially 100 s; in parallel the floor is 2.0 s.
//! - `sequential`: one collection of many chained steps against a fast server: steps/s and
//!   CPU time (user+sys) per step, including interpolation and two assertions per step.
//! - `parallel`: 64 collections of chained steps at once.
//! - `tools`: the same checks as a Postman collection imported with `skopos import postman`,
//!   beside Newman, Hurl and Step CI, sequentially and 50 collections at once (`tools.rs`).
//! - `scripts`: a Postman collection whose scripts the importer carries over as scripts (a
//!   signing pre-request script, tests in a loop), run by `skopos run` and by Newman: CPU per
//!   scripted request; and hostile scripts (an endless loop, a memory bomb, endless recursion)
//!   and how long each takes to be stopped (`scripts.rs`).
//!
//! Hurl (`hurl --test`) and Newman run the same steps when they are on PATH.
//!
//! Pass scenario names to run only some: `cargo bench -p skopos --bench run -- sequential`.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::Request;
use hyper_util::rt::TokioIo;

mod common;
mod scripts;
mod tools;

use common::{machine, skopos, start_server};

const SEQUENTIAL_STEPS: usize = 20_000;
const PARALLEL_COLLECTIONS: usize = 64;
const PARALLEL_STEPS: usize = 1_000;
const NEWMAN_STEPS: usize = 1_000;

fn main() {
    let wanted: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let runs = |name: &str| wanted.is_empty() || wanted.iter().any(|w| w == name);
    let fast = start_server(Duration::ZERO);
    let slow = start_server(Duration::from_millis(200));
    let dir = tempfile::tempdir().unwrap();
    println!("machine: {}", machine());
    if runs("slow") {
        slow_scenario(dir.path(), slow);
    }
    if runs("sequential") {
        sequential_scenario(dir.path(), fast);
    }
    if runs("parallel") {
        parallel_scenario(dir.path(), fast);
    }
    if runs("tools") {
        tools::tools_scenario(dir.path(), fast);
    }
    if runs("scripts") {
        scripts::scripts_scenario(dir.path(), fast);
    }
}

fn slow_scenario(dir: &Path, server: SocketAddr) {
    let folder = dir.join("slow");
    std::fs::create_dir_all(&folder).unwrap();
    for c in 0..50 {
        std::fs::write(folder.join(format!("c{c:02}.yaml")), collection(&format!("slow {c}"), server, 10)).unwrap();
    }
    let mut best = f64::MAX;
    for _ in 0..3 {
        let m = measure(Command::new(skopos()).arg("run").arg(&folder).arg("-q"), 500);
        best = best.min(m.wall);
    }
    println!("slow: 50 collections x 10 steps, 200 ms each: skopos best of 3 = {best:.3} s (floor 2.000 s)");
}

fn sequential_scenario(dir: &Path, server: SocketAddr) {
    let file = dir.join("sequential.yaml");
    std::fs::write(&file, collection("sequential", server, SEQUENTIAL_STEPS)).unwrap();
    let floor = (0..3).map(|_| raw_client_loop(server, SEQUENTIAL_STEPS)).fold(f64::MAX, f64::min);
    println!(
        "sequential: floor (bare hyper client loop, no parsing or checks): {SEQUENTIAL_STEPS} requests in {floor:.3} s = {:.0} requests/s",
        SEQUENTIAL_STEPS as f64 / floor
    );
    let m = best_of(3, || measure(Command::new(skopos()).arg("run").arg(&file).arg("-q"), SEQUENTIAL_STEPS));
    m.print("sequential", "skopos");
    if on_path("hurl") {
        let hurl_file = dir.join("sequential.hurl");
        std::fs::write(&hurl_file, hurl(server, SEQUENTIAL_STEPS)).unwrap();
        let m = best_of(3, || measure(Command::new("hurl").arg("--test").arg(&hurl_file), SEQUENTIAL_STEPS));
        m.print("sequential", "hurl --test");
    }
    if on_path("newman") {
        let newman_file = dir.join("sequential.postman.json");
        std::fs::write(&newman_file, newman(server, NEWMAN_STEPS)).unwrap();
        let m = measure(Command::new("newman").arg("run").arg(&newman_file).args(["--reporters", "cli"]), NEWMAN_STEPS);
        m.print("sequential", "newman");
    }
}

fn parallel_scenario(dir: &Path, server: SocketAddr) {
    let folder = dir.join("parallel");
    std::fs::create_dir_all(&folder).unwrap();
    let steps = PARALLEL_COLLECTIONS * PARALLEL_STEPS;
    for c in 0..PARALLEL_COLLECTIONS {
        std::fs::write(folder.join(format!("c{c:02}.yaml")), collection(&format!("par {c}"), server, PARALLEL_STEPS))
            .unwrap();
    }
    let m = best_of(3, || measure(Command::new(skopos()).arg("run").arg(&folder).arg("-q"), steps));
    m.print("parallel (64 collections)", "skopos");
    if on_path("hurl") {
        let hurl_dir = dir.join("parallel-hurl");
        std::fs::create_dir_all(&hurl_dir).unwrap();
        let files: Vec<PathBuf> = (0..PARALLEL_COLLECTIONS)
            .map(|c| {
                let path = hurl_dir.join(format!("c{c:02}.hurl"));
                std::fs::write(&path, hurl(server, PARALLEL_STEPS)).unwrap();
                path
            })
            .collect();
        let m = best_of(3, || measure(Command::new("hurl").args(["--test", "--jobs", "2"]).args(&files), steps));
        m.print("parallel (64 files)", "hurl --test --jobs 2");
    }
}

/// One collection of `steps` chained steps: each uses the previous response's `id`, a
/// bearer token from step 1, and checks status and a body field.
fn collection(name: &str, server: SocketAddr, steps: usize) -> String {
    let mut out = format!("name: {name}\nvariables: {{ base: 'http://{server}' }}\nsteps:\n");
    for step in 1..=steps {
        let (id, token) = if step == 1 {
            ("0".to_string(), "none".to_string())
        } else {
            (format!("@{{{{step{}.body.id}}}}", step - 1), "@{{step1.body.token}}".to_string())
        };
        let _ = write!(
            out,
            "  - request:\n      url: '@{{{{vars.base}}}}/item/{id}'\n      headers: {{ Authorization: 'Bearer {token}' }}\n    assert:\n      - {{ source: status, op: eq, value: 200 }}\n      - {{ source: body, property: 'items[0].qty', op: eq, value: 2 }}\n"
        );
    }
    out
}

fn hurl(server: SocketAddr, steps: usize) -> String {
    let mut out = String::new();
    for step in 1..=steps {
        let (id, token) = if step == 1 { ("0", "none") } else { ("{{id}}", "{{token}}") };
        let _ = write!(
            out,
            "GET http://{server}/item/{id}\nAuthorization: Bearer {token}\nHTTP 200\n[Captures]\nid: jsonpath \"$.id\"\ntoken: jsonpath \"$.token\"\n[Asserts]\njsonpath \"$.items[0].qty\" == 2\n\n"
        );
    }
    out
}

fn newman(server: SocketAddr, steps: usize) -> String {
    let items: Vec<serde_json::Value> = (1..=steps)
        .map(|step| {
            let (id, token) = if step == 1 { ("0", "none") } else { ("{{id}}", "{{token}}") };
            serde_json::json!({
                "name": format!("step {step}"),
                "request": {
                    "method": "GET",
                    "url": format!("http://{server}/item/{id}"),
                    "header": [{"key": "Authorization", "value": format!("Bearer {token}")}]
                },
                "event": [{"listen": "test", "script": {"exec": [
                    "pm.test('status', () => pm.response.to.have.status(200));",
                    "const body = pm.response.json();",
                    "pm.test('qty', () => pm.expect(body.items[0].qty).to.eql(2));",
                    "pm.collectionVariables.set('id', body.id);",
                    "pm.collectionVariables.set('token', body.token);"
                ]}}]
            })
        })
        .collect();
    serde_json::json!({
        "info": {"name": "sequential", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": items
    })
    .to_string()
}

struct Measurement {
    wall: f64,
    cpu: f64,
    steps: usize,
}

impl Measurement {
    fn print(&self, scenario: &str, tool: &str) {
        println!(
            "{scenario}: {tool}: {} steps in {:.3} s = {:.0} steps/s; CPU {:.3} s = {:.1} µs/step",
            self.steps,
            self.wall,
            self.steps as f64 / self.wall,
            self.cpu,
            self.cpu / self.steps as f64 * 1e6
        );
    }
}

fn best_of(runs: usize, mut run: impl FnMut() -> Measurement) -> Measurement {
    (0..runs).map(|_| run()).min_by(|a, b| a.wall.total_cmp(&b.wall)).unwrap()
}

/// Runs a command to completion; wall time and the child's user+sys CPU time.
fn measure(command: &mut Command, steps: usize) -> Measurement {
    let before = children_cpu();
    let start = Instant::now();
    let output = command.stdout(Stdio::null()).stderr(Stdio::piped()).output().unwrap();
    let wall = start.elapsed().as_secs_f64();
    let cpu = children_cpu() - before;
    assert!(output.status.success(), "{:?} failed: {}", command, String::from_utf8_lossy(&output.stderr));
    Measurement { wall, cpu, steps }
}

fn children_cpu() -> f64 {
    // SAFETY-free: getrusage only writes into the struct we pass.
    let mut usage: libc::rusage = unsafe_zeroed();
    let status = rusage_children(&mut usage);
    assert_eq!(status, 0);
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

#[allow(unsafe_code)]
fn unsafe_zeroed() -> libc::rusage {
    // SAFETY: rusage is plain old data; all-zero is a valid value.
    unsafe { std::mem::zeroed() }
}

#[allow(unsafe_code)]
fn rusage_children(usage: &mut libc::rusage) -> i32 {
    // SAFETY: `usage` is a valid, exclusive pointer for the duration of the call.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, usage) }
}

fn on_path(tool: &str) -> bool {
    Command::new(tool).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// The same requests from a bare hyper HTTP/1.1 client on one connection: what any Rust
/// client can do against this server here. Returns seconds.
fn raw_client_loop(server: SocketAddr, requests: usize) -> f64 {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async move {
        let tcp = tokio::net::TcpStream::connect(server).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await.unwrap();
        tokio::spawn(connection);
        let start = Instant::now();
        for _ in 0..requests {
            sender.ready().await.unwrap();
            let request =
                Request::builder().uri("/item/1").header("host", "127.0.0.1").body(Full::new(Bytes::new())).unwrap();
            let response = sender.send_request(request).await.unwrap();
            let body = http_body_util::BodyExt::collect(response.into_body()).await.unwrap().to_bytes();
            assert!(!body.is_empty());
        }
        start.elapsed().as_secs_f64()
    })
}
