//! `dns`: asks the `resolver` (`host[:port]`, port 53 by default) for the target's records of
//! `type` (`A` by default; `AAAA`, `CNAME`, `MX`, `TXT`, `NS`, `SOA`), recursion desired,
//! over UDP (and again over TCP when the answer is truncated).
//!
//! ```yaml
//! - probe: { plugin: dns, target: example.com, config: { type: MX, resolver: "10.0.0.2" } }
//!   assert:
//!     - { source: status, op: eq, value: 0 }       # NOERROR
//!     - { source: body, property: "$.answers[*].data.exchange", op: contains, value: mx1.example.com }
//! ```
//! Body: `{ "name", "type", "rcode": "NOERROR", "authoritative": false, "answers": [{ "name",
//! "type", "ttl", "data" }] }`; `data` is the address (A, AAAA), the name (CNAME, NS), the
//! text (TXT), `{preference, exchange}` (MX) or `{mname, rname, serial, refresh, retry,
//! expire, minimum}` (SOA). Status: the response code (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN).

mod message;

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};

use serde_json::{Value, json};
use skopos_sdk::net::{self, Stopwatch};
use skopos_sdk::probe::{Guest, Info, ProbeRequest, ProbeResult};

const SCHEMA: &str = r#"{"type":"object","required":["resolver"],"additionalProperties":false,"properties":{
"type":{"enum":["A","AAAA","CNAME","MX","TXT","NS","SOA"]},
"resolver":{"type":"string","description":"The DNS server asked: host[:port]"}}}"#;

struct Dns;

impl Guest for Dns {
    fn describe() -> Info {
        skopos_sdk::info!("dns", SCHEMA)
    }

    fn probe(request: ProbeRequest) -> Result<ProbeResult, String> {
        let settings = net::settings(&request)?;
        let kind = settings.get("type").and_then(Value::as_str).unwrap_or("A").to_ascii_uppercase();
        let code =
            message::type_code(&kind).ok_or_else(|| format!("`{kind}` is not a record type this probe asks for"))?;
        let resolver = settings.get("resolver").and_then(Value::as_str).ok_or("config.resolver: required")?;
        let (host, port) = net::host_port(resolver, 53)?;
        let name = request.target.trim().trim_end_matches('.');
        let id = (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos())
            & 0xffff) as u16;
        let query = message::query(id, name, code)?;
        let mut watch = Stopwatch::default();
        let socket = UdpSocket::bind("0.0.0.0:0").map_err(|e| format!("cannot open a UDP socket: {e}"))?;
        let _ = socket.set_read_timeout(Some(net::io_timeout(&request)));
        socket.send_to(&query, (host.as_str(), port)).map_err(|e| format!("cannot ask {host}:{port}: {e}"))?;
        let mut buffer = vec![0u8; 4096];
        let read = loop {
            let (read, _) = socket.recv_from(&mut buffer).map_err(|e| match net::timed_out(&e) {
                true => format!("{host}:{port} did not answer within {} ms", net::io_timeout(&request).as_millis()),
                false => format!("no answer from {host}:{port}: {e}"),
            })?;
            // Another answer than ours (a late one to an earlier question) is passed over.
            if read >= 2 && buffer[..2] == id.to_be_bytes() {
                break read;
            }
        };
        watch.lap("udp");
        let mut answer = message::parse(&buffer[..read])?;
        if answer.truncated {
            answer = message::parse(&over_tcp(&request, &host, port, &query)?)?;
            watch.lap("tcp");
        }
        let body = json!({
            "name": name,
            "type": kind,
            "rcode": message::rcode_name(answer.rcode),
            "authoritative": answer.authoritative,
            "answers": answer.records,
        });
        Ok(net::result(u32::from(answer.rcode), body, watch))
    }
}

/// The same question over TCP, for an answer too long for a datagram.
fn over_tcp(request: &ProbeRequest, host: &str, port: u16, query: &[u8]) -> Result<Vec<u8>, String> {
    let mut stream =
        TcpStream::connect((host, port)).map_err(|e| format!("cannot reach {host}:{port} over TCP: {e}"))?;
    let _ = stream.set_read_timeout(Some(net::io_timeout(request)));
    let mut framed = (query.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(query);
    stream.write_all(&framed).map_err(|e| format!("sending over TCP failed: {e}"))?;
    let mut length = [0u8; 2];
    stream.read_exact(&mut length).map_err(|e| format!("reading over TCP failed: {e}"))?;
    let mut answer = vec![0u8; usize::from(u16::from_be_bytes(length))];
    stream.read_exact(&mut answer).map_err(|e| format!("reading over TCP failed: {e}"))?;
    Ok(answer)
}

skopos_sdk::export_probe!(Dns);
