//! `postgres`: the server at the target (port 5432 unless it names one) answers the startup
//! handshake of protocol 3.0 for `user` (default `postgres`) and `database` (default the
//! user). It sends no password: what matters is that the server answers, how it wants the
//! client to authenticate, and, when it lets the user in without one (`trust`), its version.
//! With `ssl: true` it first asks whether the server speaks TLS.
//!
//! ```yaml
//! - probe: { plugin: postgres, target: "db.internal", config: { user: monitor } }
//!   assert:
//!     - { source: body, property: authentication, op: in, value: [ok, scram-sha-256] }
//! ```
//! Body: `{ "answered": true, "authentication": "scram-sha-256", "ssl": null,
//! "server_version": null }` (`ok`, `cleartext`, `md5`, `scram-sha-256`, `gss`, `sspi`).
//! A server that refuses (an unknown database, no `pg_hba.conf` entry) answers with an error,
//! which is the body's `error` (`{"code": "28000", "message": ...}`); status 0 either way.

use std::io::Read;
use std::net::TcpStream;

use serde_json::{Value, json};
use skopos_sdk::net::{self, Stopwatch};
use skopos_sdk::probe::{Guest, Info, ProbeRequest, ProbeResult};

const SCHEMA: &str = r#"{"type":"object","additionalProperties":false,"properties":{
"user":{"type":"string"},"database":{"type":"string"},"ssl":{"type":"boolean"}}}"#;

struct Postgres;

impl Guest for Postgres {
    fn describe() -> Info {
        skopos_sdk::info!("postgres", SCHEMA)
    }

    fn probe(request: ProbeRequest) -> Result<ProbeResult, String> {
        let settings = net::settings(&request)?;
        let user = settings.get("user").and_then(Value::as_str).unwrap_or("postgres");
        let database = settings.get("database").and_then(Value::as_str).unwrap_or(user);
        let mut watch = Stopwatch::default();
        let mut stream = net::connect(&request, 5432, &mut watch)?;
        let mut ssl = Value::Null;
        if settings.get("ssl").and_then(Value::as_bool) == Some(true) {
            // SSLRequest: a length of 8 and the code 80877103.
            net::send(&mut stream, &[0, 0, 0, 8, 4, 210, 22, 47])?;
            ssl = Value::Bool(net::read_exact(&mut stream, 1)? == b"S");
            watch.lap("ssl");
            if ssl == Value::Bool(true) {
                let body = json!({ "answered": true, "ssl": true, "authentication": null, "server_version": null });
                return Ok(net::result(0, body, watch));
            }
        }
        let mut startup = vec![0, 3, 0, 0];
        for (key, value) in [("user", user), ("database", database), ("application_name", "skopos-probe")] {
            startup.extend_from_slice(key.as_bytes());
            startup.push(0);
            startup.extend_from_slice(value.as_bytes());
            startup.push(0);
        }
        startup.push(0);
        let mut message = ((startup.len() + 4) as u32).to_be_bytes().to_vec();
        message.extend(startup);
        net::send(&mut stream, &message)?;
        let (kind, payload) = read_message(&mut stream)?;
        watch.lap("startup");
        let mut body = json!({ "answered": true, "ssl": ssl, "authentication": null, "server_version": null });
        match kind {
            b'E' => body["error"] = error_fields(&payload),
            b'R' => {
                let code = payload.get(..4).map_or(u32::MAX, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                body["authentication"] = json!(match code {
                    0 => "ok",
                    3 => "cleartext",
                    5 => "md5",
                    7 => "gss",
                    9 => "sspi",
                    10 => "scram-sha-256",
                    _ => "other",
                });
                if code == 0 {
                    body["server_version"] = server_version(&mut stream);
                }
            }
            other => return Err(format!("not a PostgreSQL answer: message type {:?}", other as char)),
        }
        Ok(net::result(0, body, watch))
    }
}

/// One backend message: its type and payload (at most 64 KiB).
fn read_message(stream: &mut TcpStream) -> Result<(u8, Vec<u8>), String> {
    let head = net::read_exact(stream, 5)?;
    let length = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
    if !(4..=65_536).contains(&length) {
        return Err(format!("not a PostgreSQL answer: a message of {length} bytes"));
    }
    let mut payload = vec![0; length - 4];
    stream.read_exact(&mut payload).map_err(|e| format!("reading failed: {e}"))?;
    Ok((head[0], payload))
}

/// An ErrorResponse's SQLSTATE code and message.
fn error_fields(payload: &[u8]) -> Value {
    let mut fields = json!({});
    for field in payload.split(|b| *b == 0).filter(|f| !f.is_empty()) {
        let text = String::from_utf8_lossy(&field[1..]).into_owned();
        match field[0] {
            b'C' => fields["code"] = json!(text),
            b'M' => fields["message"] = json!(text),
            _ => {}
        }
    }
    fields
}

/// `server_version` from the ParameterStatus messages that follow AuthenticationOk.
fn server_version(stream: &mut TcpStream) -> Value {
    while let Ok((kind, payload)) = read_message(stream) {
        if kind == b'S' {
            let mut parts = payload.split(|b| *b == 0);
            if parts.next() == Some(b"server_version") {
                return json!(String::from_utf8_lossy(parts.next().unwrap_or_default()));
            }
        } else if kind == b'Z' || kind == b'E' {
            break;
        }
    }
    Value::Null
}

skopos_sdk::export_probe!(Postgres);
