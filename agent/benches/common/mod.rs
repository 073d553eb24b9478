//! What the benchmarks share: a local API server, the machine's description, the binary.

#![allow(dead_code)] // each bench uses its own part

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;

/// The API token every bench agent is started with.
pub const TOKEN: &str = "bench-token";

/// The `skopos` binary: this build's, or the one `SKOPOS_BENCH_BINARY` names (an older build
/// to compare with).
pub fn skopos() -> String {
    std::env::var("SKOPOS_BENCH_BINARY").unwrap_or_else(|_| env!("CARGO_BIN_EXE_skopos").to_string())
}

/// `2 cores, AMD EPYC ...`
pub fn machine() -> String {
    format!("{} cores, {}", std::thread::available_parallelism().map_or(0, |n| n.get()), cpu_model())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default()
}

/// A keep-alive HTTP/1.1 server answering every request with a small JSON body after `delay`.
pub fn start_server(delay: Duration) -> SocketAddr {
    skopos_test_support::serve(move |_| async move {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        skopos_test_support::reply(
            200,
            "application/json",
            Bytes::from_static(br#"{"id":1,"token":"abc","items":[{"qty":2}]}"#),
        )
    })
}

/// `p50 1.23 ms, p99 ..., max ... (N samples)`.
pub fn percentiles(samples: &mut [Duration]) -> String {
    if samples.is_empty() {
        return "no samples".into();
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)].as_secs_f64() * 1000.0;
    format!(
        "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples)",
        at(0.5),
        at(0.99),
        samples[samples.len() - 1].as_secs_f64() * 1000.0,
        samples.len()
    )
}

/// A running `skopos serve`, stopped with SIGINT (its graceful shutdown) when dropped.
pub struct Agent {
    child: Child,
    pub address: SocketAddr,
    /// From spawn to the "listening" line.
    pub startup: Duration,
}

impl Agent {
    pub fn start(data: &Path) -> Agent {
        Agent::start_with(data, &[])
    }

    pub fn start_with(data: &Path, args: &[&str]) -> Agent {
        Agent::start_logging(data, args, Stdio::null())
    }

    /// Started with `args`, its log (stderr) going to `log`.
    pub fn start_logging(data: &Path, args: &[&str], log: impl Into<Stdio>) -> Agent {
        let start = Instant::now();
        let mut child = Command::new(skopos())
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(args)
            .env("SKOPOS_TOKEN", TOKEN)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        // A follower says whom it follows first.
        while !line.contains("listening on") {
            line.clear();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "the agent stopped before listening");
        }
        let startup = start.elapsed();
        let address = line.split_whitespace().find_map(|w| w.strip_prefix("http://")).expect(&line).parse().unwrap();
        Agent { child, address, startup }
    }

    /// `(VmRSS, VmHWM)` in MiB.
    pub fn memory(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let field = |name: &str| {
            let line = status.lines().find(|l| l.starts_with(name)).unwrap();
            line.split_whitespace().nth(1).unwrap().parse::<f64>().unwrap() / 1024.0
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// User + system CPU seconds so far.
    pub fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // Fields after the command name, which is in parentheses: utime and stime are 14 and 15.
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split_whitespace().collect();
        let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
        ticks / 100.0
    }

    pub fn stop(mut self) {
        signal_interrupt(self.child.id());
        let _ = self.child.wait();
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[allow(unsafe_code)]
pub fn signal_interrupt(pid: u32) {
    // SAFETY: kill(2) with a pid we spawned and a standard signal has no memory effects.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGINT);
    }
}

/// A GET on a fresh connection to the agent (with the bench token, `Connection: close`),
/// retried for 10 s while nothing listens: `(status line and headers, body)`.
pub fn get(address: SocketAddr, path: &str) -> (String, String) {
    use std::io::{Read, Write};
    let start = Instant::now();
    let mut stream = loop {
        match std::net::TcpStream::connect(address) {
            Ok(stream) => break stream,
            Err(_) if start.elapsed() < Duration::from_secs(10) => std::thread::sleep(Duration::from_millis(50)),
            Err(err) => panic!("GET {path}: {err}"),
        }
    };
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: {address}\r\nauthorization: Bearer {TOKEN}\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    let reply = String::from_utf8_lossy(&reply);
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
    (head.to_string(), body.to_string())
}
