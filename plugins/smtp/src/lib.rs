//! `smtp`: the mail server at the target (port 25 unless it names one) greets, answers
//! `EHLO` with its extensions, and says whether it offers `STARTTLS`; then the probe says
//! `QUIT`. No mail is sent.
//!
//! ```yaml
//! - probe: { plugin: smtp, target: "mail.internal:587" }
//!   assert:
//!     - { source: status, op: eq, value: 250 }
//!     - { source: body, property: starttls, op: eq, value: true }
//! ```
//! Body: `{ "banner": "220 mail.internal ESMTP", "extensions": ["PIPELINING", "SIZE 10240000",
//! "STARTTLS"], "starttls": true }`. Status: the code of the reply to `EHLO` (250), or of the
//! greeting when it is not 220 (a 554 "go away").

use std::io::BufReader;
use std::net::TcpStream;

use serde_json::{Value, json};
use skopos_sdk::net::{self, Stopwatch};
use skopos_sdk::probe::{Guest, Info, ProbeRequest, ProbeResult};

const SCHEMA: &str = r#"{"type":"object","additionalProperties":false,"properties":{
"helo":{"type":"string","description":"The name said in EHLO (default skopos.invalid)"}}}"#;

struct Smtp;

impl Guest for Smtp {
    fn describe() -> Info {
        skopos_sdk::info!("smtp", SCHEMA)
    }

    fn probe(request: ProbeRequest) -> Result<ProbeResult, String> {
        let settings = net::settings(&request)?;
        let helo = settings.get("helo").and_then(Value::as_str).unwrap_or("skopos.invalid");
        let mut watch = Stopwatch::default();
        let mut stream = net::connect(&request, 25, &mut watch)?;
        let (code, greeting) = reply(&mut stream)?;
        watch.lap("banner");
        let banner = greeting.first().cloned().unwrap_or_default();
        if code != 220 {
            return Ok(net::result(code, json!({ "banner": banner, "extensions": [], "starttls": false }), watch));
        }
        net::send(&mut stream, format!("EHLO {helo}\r\n").as_bytes())?;
        let (code, lines) = reply(&mut stream)?;
        watch.lap("ehlo");
        let _ = net::send(&mut stream, b"QUIT\r\n");
        // The first line of a 250 reply is the server's name; the rest are its extensions.
        let extensions: Vec<String> = lines.iter().skip(1).map(|line| line[4.min(line.len())..].to_string()).collect();
        let starttls = extensions.iter().any(|e| e.eq_ignore_ascii_case("STARTTLS"));
        Ok(net::result(code, json!({ "banner": banner, "extensions": extensions, "starttls": starttls }), watch))
    }
}

/// A reply, one line or several (`250-...` then `250 ...`): its code and its lines.
fn reply(stream: &mut TcpStream) -> Result<(u32, Vec<String>), String> {
    let mut reader = BufReader::new(stream);
    let mut lines = Vec::new();
    loop {
        let line = net::read_line(&mut reader)?;
        let code = line.get(..3).and_then(|c| c.parse().ok()).ok_or_else(|| format!("not an SMTP reply: {line:?}"))?;
        let last = line.as_bytes().get(3) != Some(&b'-');
        lines.push(line);
        if last || lines.len() > 100 {
            return Ok((code, lines));
        }
    }
}

skopos_sdk::export_probe!(Smtp);
