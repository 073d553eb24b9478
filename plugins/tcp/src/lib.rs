//! `tcp`: connects to the step's target (`host:port`); with `send`, writes it; with `expect`,
//! reads until that text has come (a banner, a reply), failing when the server closes or the
//! step's time runs out first. The example of a probe written with the SDK.
//!
//! ```yaml
//! - probe: { plugin: tcp, target: "mail.internal:25", config: { expect: "220 " } }
//!   assert:
//!     - { source: latency, op: lt, value: 200 }
//! ```
//! Body: `{ "address": "10.0.0.5:25", "received": "220 mail ESMTP" }` (`received` only when
//! something was read). Status: 0.

use std::io::Read;

use serde_json::{Value, json};
use skopos_sdk::net::{self, Stopwatch};
use skopos_sdk::probe::{Guest, Info, ProbeRequest, ProbeResult};

const SCHEMA: &str = r#"{"type":"object","additionalProperties":false,"properties":{
"send":{"type":"string","description":"Text written once connected (`\\r\\n` as escapes)"},
"expect":{"type":"string","description":"Text to read before the check passes"}}}"#;

/// At most this much is read while waiting for `expect`.
const MAX_READ: usize = 64 << 10;

struct Tcp;

impl Guest for Tcp {
    fn describe() -> Info {
        skopos_sdk::info!("tcp", SCHEMA)
    }

    fn probe(request: ProbeRequest) -> Result<ProbeResult, String> {
        let settings = net::settings(&request)?;
        let text = |name: &str| settings.get(name).and_then(Value::as_str);
        let mut watch = Stopwatch::default();
        let mut stream = net::connect(&request, 0, &mut watch)?;
        let address = stream.peer_addr().map(|a| a.to_string()).unwrap_or_default();
        if let Some(message) = text("send") {
            net::send(&mut stream, message.as_bytes())?;
            watch.lap("send");
        }
        let Some(expected) = text("expect") else {
            return Ok(net::result(0, json!({ "address": address }), watch));
        };
        let mut received = Vec::new();
        let mut chunk = [0u8; 4096];
        while !String::from_utf8_lossy(&received).contains(expected) {
            let got = || String::from_utf8_lossy(&received).into_owned();
            let read = match stream.read(&mut chunk) {
                Ok(read) => read,
                Err(e) if net::timed_out(&e) => {
                    let waited = net::io_timeout(&request).as_millis();
                    return Err(format!("`{expected}` did not come within {waited} ms; received {:?}", got()));
                }
                Err(e) => return Err(format!("reading failed: {e}")),
            };
            if read == 0 || received.len() >= MAX_READ {
                return Err(format!("`{expected}` did not come before the connection ended; received {:?}", got()));
            }
            received.extend_from_slice(&chunk[..read]);
        }
        watch.lap("expect");
        let received = String::from_utf8_lossy(&received).into_owned();
        Ok(net::result(0, json!({ "address": address, "received": received }), watch))
    }
}

skopos_sdk::export_probe!(Tcp);
