//! Probe plugins in the sandbox: the built-in `tcp` probe against a real listener, and a
//! hostile probe that reaches for places it was not granted, floods sockets, loops and
//! hoards memory, each failing alone.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use super::tests::host;
use super::{Limits, Manifest, PluginHost};
use skopos_core::probe::{ProbeCall, ProbePlugins};

/// A server that greets each connection with `banner` and echoes one line back.
fn greeter(banner: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                let _ = stream.write_all(banner.as_bytes());
                let mut line = [0u8; 256];
                if let Ok(read) = stream.read(&mut line) {
                    let _ = stream.write_all(&line[..read]);
                }
                std::thread::sleep(Duration::from_secs(2));
            });
        }
    });
    port
}

async fn probe(
    host: &PluginHost,
    plugin: &str,
    target: &str,
    config: Value,
) -> Result<skopos_core::probe::ProbeResult, String> {
    let call = ProbeCall { plugin, target, config: &config, timeout: Duration::from_secs(2) };
    host.probe(call).await
}

async fn with_rogue() -> PluginHost {
    let manifest =
        "kind: probe\nversion: 0.1.0\ncapabilities:\n  sockets: { tcp: true, udp: true, max_connections: 4 }\n";
    let (host, problems) =
        host(&[("rogue_probe", manifest)], Limits { memory_bytes: 32 << 20, ..Limits::default() }).await;
    assert!(problems.is_empty(), "{problems:?}");
    let _ = Manifest::parse(Path::new("rogue.yaml"), manifest).unwrap();
    host
}

#[tokio::test]
async fn the_tcp_probe_connects_sends_and_reads_what_it_expects() {
    let (host, problems) = host(&[], Limits::default()).await;
    assert!(problems.is_empty(), "{problems:?}");
    let port = greeter("220 mail.test ESMTP ready\r\n");
    let target = format!("127.0.0.1:{port}");
    let found = probe(&host, "tcp", &target, json!({"expect": "ESMTP"})).await.unwrap();
    assert_eq!(found.status, 0);
    assert_eq!(found.body, json!({"address": target, "received": "220 mail.test ESMTP ready\r\n"}));
    assert_eq!(found.timings.iter().map(|(phase, _)| phase.as_str()).collect::<Vec<_>>(), ["connect", "expect"]);

    let echoed = probe(&host, "tcp", &target, json!({"send": "PING\r\n", "expect": "PING"})).await.unwrap();
    assert!(echoed.body["received"].as_str().unwrap().ends_with("PING\r\n"), "{}", echoed.body);

    let missing = probe(&host, "tcp", &target, json!({"expect": "SSH-2.0"})).await.unwrap_err();
    assert!(missing.starts_with("`SSH-2.0` did not come within 1600 ms; received \"220 mail.test"), "{missing}");
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let refused = probe(&host, "tcp", &format!("127.0.0.1:{closed}"), json!({})).await.unwrap_err();
    assert!(refused.contains("connection refused"), "{refused}");
    let no_port = probe(&host, "tcp", "127.0.0.1", json!({})).await.unwrap_err();
    assert!(no_port.contains("127.0.0.1:0"), "{no_port}");
}

#[tokio::test]
async fn a_hostile_probe_fails_alone_within_its_grant() {
    let host = with_rogue().await;
    let granted = greeter("hello\r\n");
    let other = greeter("secret\r\n");
    let target = format!("127.0.0.1:{granted}");

    let connected = probe(&host, "rogue-probe", &target, json!({"try": "connect"})).await.unwrap();
    assert_eq!(connected.body, json!({"connected": true}));

    let elsewhere = format!("127.0.0.1:{other}");
    let sneak =
        probe(&host, "rogue-probe", &target, json!({"try": "sneak", "elsewhere": elsewhere})).await.unwrap_err();
    assert!(sneak.contains(&format!("the sandbox refused 127.0.0.1:{other}")), "{sneak}");
    let udp = probe(&host, "rogue-probe", &target, json!({"try": "udp", "elsewhere": elsewhere})).await.unwrap_err();
    assert!(udp.contains(&format!("the sandbox refused 127.0.0.1:{other}")), "{udp}");

    let flood = probe(&host, "rogue-probe", &target, json!({"try": "flood"})).await.unwrap_err();
    assert!(flood.starts_with("after 4 connections"), "{flood}");

    let endless = probe(&host, "rogue-probe", &target, json!({"try": "loop"})).await.unwrap_err();
    assert_eq!(endless, "did not finish within 2000 ms");
    let hoard = probe(&host, "rogue-probe", &target, json!({"try": "hoard"})).await.unwrap_err();
    assert!(hoard.starts_with("crashed"), "{hoard}");

    // The host and the other probes carry on.
    let after = probe(&host, "tcp", &target, json!({"expect": "hello"})).await.unwrap();
    assert_eq!(after.body["received"], "hello\r\n");
    let health = host.status().into_iter().find(|p| p.info.name == "rogue-probe").unwrap().health;
    assert_eq!((health.calls, health.errors), (6, 5));
}

/// A probe built against the frozen 0.3.0 contract loads beside the 0.4.0 built-ins; its
/// request and result cross the conversions field for field.
#[tokio::test]
async fn a_probe_built_against_0_3_0_keeps_working() {
    let (host, problems) = host(&[("contract_0_3_0", "kind: probe\nversion: 0.1.0\n")], Limits::default()).await;
    assert!(problems.is_empty(), "{problems:?}");
    let info = host.plugins().find(|p| p.name == "contract-0-3-0").unwrap();
    assert_eq!(info.contract, super::contract::Version::V0_3_0);
    let result = probe(&host, "contract-0-3-0", "db.internal:5432", json!({"deep": true})).await.unwrap();
    assert_eq!(result.status, 7);
    assert_eq!(result.body, json!({"target": "db.internal:5432", "config": {"deep": true}, "timeout_ms": 2000}));
    assert_eq!(result.timings, [("echo".to_string(), 1.5)]);
}
