//! What a probe needs beyond `std::net`: its settings read, the step's target as a place to
//! connect to, phases timed, and the result put together. The host lets a probe reach only
//! the addresses of its target (and of the settings its manifest names), on the target's
//! port or one of the manifest's `ports`; anything else is refused with `PermissionDenied`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::probe::{ProbeRequest, ProbeResult, Timing};

/// The probe's `config` as an object (`{}` when the step has none).
pub fn settings(request: &ProbeRequest) -> Result<Map<String, Value>, String> {
    match serde_json::from_str(&request.config) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("config: expected an object".into()),
        Err(e) => Err(format!("config: {e}")),
    }
}

/// The step's target as host and port, the port `default_port` when the target has none
/// (`db.internal`, `db.internal:6543`, `[::1]:6379`).
pub fn host_port(target: &str, default_port: u16) -> Result<(String, u16), String> {
    let target = target.trim();
    let (host, port) = match target.strip_prefix('[') {
        Some(rest) => {
            let (host, after) = rest.split_once(']').ok_or_else(|| format!("`{target}`: an unclosed `[`"))?;
            (host, after.strip_prefix(':'))
        }
        None if target.matches(':').count() > 1 => (target, None),
        None => match target.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (target, None),
        },
    };
    let port = match port {
        Some(port) => port.parse().map_err(|_| format!("`{port}` is not a port"))?,
        None => default_port,
    };
    if host.is_empty() {
        return Err(format!("`{target}` names no host"));
    }
    Ok((host.to_string(), port))
}

/// Times the phases of a check, for the result's `timings`.
pub struct Stopwatch {
    last: Instant,
    pub timings: Vec<Timing>,
}

impl Default for Stopwatch {
    fn default() -> Stopwatch {
        Stopwatch { last: Instant::now(), timings: Vec::new() }
    }
}

impl Stopwatch {
    /// Records the time since the last lap as `phase`.
    pub fn lap(&mut self, phase: &str) {
        let now = Instant::now();
        self.timings.push(Timing { phase: phase.to_string(), ms: (now - self.last).as_secs_f64() * 1000.0 });
        self.last = now;
    }
}

/// How long one read or write may wait: most of the step's timeout, so that a probe says
/// what it was waiting for before the host stops it.
pub fn io_timeout(request: &ProbeRequest) -> Duration {
    Duration::from_millis(u64::from(request.timeout_ms.max(10)) * 8 / 10)
}

/// Whether a read or write gave up waiting ([`io_timeout`]).
pub fn timed_out(error: &io::Error) -> bool {
    matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

/// A TCP connection to the step's target (its port, else `default_port`), with
/// [`io_timeout`] on reads and writes; timed as `connect`.
pub fn connect(request: &ProbeRequest, default_port: u16, watch: &mut Stopwatch) -> Result<TcpStream, String> {
    let (host, port) = host_port(&request.target, default_port)?;
    let timeout = io_timeout(request);
    let addresses = (host.as_str(), port).to_socket_addrs().map_err(|e| format!("cannot resolve `{host}`: {e}"))?;
    let mut last = format!("`{host}` has no address");
    for address in addresses {
        match TcpStream::connect(address) {
            Ok(stream) => {
                let _ = stream.set_read_timeout(Some(timeout));
                let _ = stream.set_write_timeout(Some(timeout));
                watch.lap("connect");
                return Ok(stream);
            }
            Err(e) => last = connect_error(&host, port, &e),
        }
    }
    Err(last)
}

fn connect_error(host: &str, port: u16, error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => format!("connection refused by {host}:{port}: nothing is listening there"),
        io::ErrorKind::PermissionDenied => format!("{host}:{port} is not granted to this probe"),
        _ => format!("cannot connect to {host}:{port}: {error}"),
    }
}

/// Sends `bytes` and flushes.
pub fn send(stream: &mut TcpStream, bytes: &[u8]) -> Result<(), String> {
    stream.write_all(bytes).and_then(|()| stream.flush()).map_err(|e| format!("sending failed: {e}"))
}

/// Reads one line (`\r\n` or `\n` ended, at most 64 KiB), without its ending.
pub fn read_line(reader: &mut BufReader<&mut TcpStream>) -> Result<String, String> {
    let mut line = String::new();
    let read = reader.by_ref().take(64 << 10).read_line(&mut line).map_err(|e| format!("reading failed: {e}"))?;
    if read == 0 {
        return Err("the server closed the connection".into());
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Reads exactly `count` bytes.
pub fn read_exact(stream: &mut TcpStream, count: usize) -> Result<Vec<u8>, String> {
    let mut bytes = vec![0; count];
    stream.read_exact(&mut bytes).map_err(|e| format!("reading failed: {e}"))?;
    Ok(bytes)
}

/// The result: `status` (the protocol's code, or 0), `body`, and the timed phases.
pub fn result(status: u32, body: Value, watch: Stopwatch) -> ProbeResult {
    ProbeResult { status, body: body.to_string(), timings: watch.timings }
}
