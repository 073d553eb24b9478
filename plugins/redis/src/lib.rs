//! `redis`: the server at the target (port 6379 unless it names one) answers `PING` with
//! `PONG`, after `AUTH` when a `password` is given (with `username` for an ACL user); its
//! `INFO server` gives the version and mode.
//!
//! ```yaml
//! - probe: { plugin: redis, target: "cache.internal", config: { password: "@{{env.REDIS_PASSWORD}}" } }
//!   assert:
//!     - { source: body, property: version, op: matches, value: "^7\\." }
//! ```
//! Body: `{ "reply": "PONG", "version": "7.0.15", "mode": "standalone", "role": "master" }`.
//! Status: 0. A server that refuses (`-NOAUTH`, `-WRONGPASS`) fails the step with its words.

use std::io::BufReader;
use std::net::TcpStream;

use serde_json::{Value, json};
use skopos_sdk::net::{self, Stopwatch};
use skopos_sdk::probe::{Guest, Info, ProbeRequest, ProbeResult};

const SCHEMA: &str = r#"{"type":"object","additionalProperties":false,"properties":{
"username":{"type":"string"},"password":{"type":"string"}}}"#;

/// The largest bulk reply read (`INFO server` is about 1 KiB).
const MAX_BULK: usize = 1 << 20;

struct Redis;

impl Guest for Redis {
    fn describe() -> Info {
        skopos_sdk::info!("redis", SCHEMA)
    }

    fn probe(request: ProbeRequest) -> Result<ProbeResult, String> {
        let settings = net::settings(&request)?;
        let text = |name: &str| settings.get(name).and_then(Value::as_str);
        let mut watch = Stopwatch::default();
        let mut stream = net::connect(&request, 6379, &mut watch)?;
        if let Some(password) = text("password") {
            let mut auth = vec!["AUTH"];
            auth.extend(text("username"));
            auth.push(password);
            command(&mut stream, &auth)?;
            watch.lap("auth");
        }
        let reply = command(&mut stream, &["PING"])?;
        watch.lap("ping");
        let info = command(&mut stream, &["INFO", "server"]).unwrap_or_default();
        let field = |name: &str| {
            info.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(':')).map(|v| v.trim().to_string())
        };
        let role = command(&mut stream, &["ROLE"]).ok().and_then(|r| r.lines().next().map(str::to_string));
        let body =
            json!({ "reply": reply, "version": field("redis_version"), "mode": field("redis_mode"), "role": role });
        Ok(net::result(0, body, watch))
    }
}

/// Sends a command in RESP and reads its reply: a status or bulk string as text, an array
/// as its first element; an error reply is an error.
fn command(stream: &mut TcpStream, words: &[&str]) -> Result<String, String> {
    let mut encoded = format!("*{}\r\n", words.len());
    for word in words {
        encoded.push_str(&format!("${}\r\n{word}\r\n", word.len()));
    }
    net::send(stream, encoded.as_bytes())?;
    let mut reader = BufReader::new(&mut *stream);
    let line = net::read_line(&mut reader)?;
    match line.split_at(line.len().min(1)) {
        ("+", status) => Ok(status.to_string()),
        ("-", error) => Err(format!("redis answered {} to {}", error, words[0])),
        (":", number) => Ok(number.to_string()),
        ("$", length) => {
            let length: i64 = length.parse().map_err(|_| format!("a bad bulk length `{length}`"))?;
            let length = usize::try_from(length).map_err(|_| format!("no value for {}", words[0]))?;
            if length > MAX_BULK {
                return Err(format!("a {length}-byte reply is more than a probe reads"));
            }
            let mut bulk = vec![0; length + 2];
            std::io::Read::read_exact(&mut reader, &mut bulk).map_err(|e| format!("reading failed: {e}"))?;
            bulk.truncate(length);
            Ok(String::from_utf8_lossy(&bulk).into_owned())
        }
        ("*", _) => {
            // ROLE: the first element names the role; the rest is left unread (the
            // connection is closed after the probe).
            let first = net::read_line(&mut reader)?;
            if first.starts_with('$') { net::read_line(&mut reader) } else { Ok(first) }
        }
        _ => Err(format!("not a Redis reply: {line:?}")),
    }
}

skopos_sdk::export_probe!(Redis);
