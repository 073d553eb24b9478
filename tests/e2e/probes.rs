//! Probe steps through the binary, each first-party probe against a real local server:
//! dnsmasq, redis-server, PostgreSQL, aiosmtpd, the TLS test server and a plain TCP one;
//! `validate` checking a probe's settings against its schema.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::plugins::SmtpReceiver;
use super::{Files, server};

/// A server process, stopped when the test ends.
struct Daemon {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits until something listens on TCP `port`.
fn listening(port: u16, what: &str) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(30), "{what} did not start listening on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A program from `PATH`, or from where Debian keeps it.
fn program(name: &str, also: &[&str]) -> PathBuf {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .chain(also.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|path| path.is_file());
    found.unwrap_or_else(|| panic!("`{name}` is not installed (tests/run installs it)"))
}

/// dnsmasq answering for `probe.test` only: A, AAAA, CNAME, MX, TXT, and as its authority
/// NS and SOA.
fn dnsmasq() -> Daemon {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new(program("dnsmasq", &["/usr/sbin"]))
        .args(["--keep-in-foreground", "--no-resolv", "--no-hosts", "--bind-interfaces", "--conf-file=/dev/null"])
        .arg("--listen-address=127.0.0.1")
        .arg(format!("--port={port}"))
        .arg(format!("--pid-file={}", dir.path().join("pid").display()))
        .args(["--user=", "--group="])
        .args(["--host-record=probe.test,127.0.0.9,::9", "--cname=www.probe.test,probe.test"])
        .args(["--mx-host=probe.test,mail.probe.test,10", "--txt-record=probe.test,v=spf1 -all"])
        .args([
            "--auth-server=ns1.probe.test,127.0.0.1",
            "--auth-zone=probe.test",
            "--auth-soa=2026120501,hostmaster.probe.test",
        ])
        .stderr(Stdio::null())
        .spawn()
        .expect("dnsmasq starts");
    listening(port, "dnsmasq");
    Daemon { child, port, _dir: dir }
}

fn redis() -> Daemon {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new(program("redis-server", &[]))
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(["--requirepass", "redis-secret", "--dir"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server starts");
    listening(port, "redis-server");
    Daemon { child, port, _dir: dir }
}

/// A fresh PostgreSQL cluster that trusts local connections; as `nobody` when the tests run
/// as root (PostgreSQL refuses to run as root).
fn postgres() -> Daemon {
    let bin = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"];
    let (initdb, postgres) = (program("initdb", &bin), program("postgres", &bin));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let root = running_as_root();
    let as_owner = |program: &Path| {
        let mut command = if root { Command::new("setpriv") } else { Command::new(program) };
        if root {
            command.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]).arg(program);
        }
        command
    };
    if root {
        Command::new("chown").args(["nobody:nogroup"]).arg(dir.path()).status().unwrap();
    }
    let made = as_owner(&initdb)
        .args(["-D"])
        .arg(&data)
        .args(["-U", "postgres", "--auth=trust", "--no-sync"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(made.success(), "initdb failed");
    let port = free_port();
    let child = as_owner(&postgres)
        .arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1", "-k"])
        .arg(dir.path())
        .stderr(Stdio::null())
        .spawn()
        .expect("postgres starts");
    listening(port, "postgres");
    Daemon { child, port, _dir: dir }
}

fn running_as_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|out| out.stdout.starts_with(b"0\n"))
}

fn body(outcome: &super::Outcome, step: usize) -> Value {
    let text = outcome.step(0, step)["response"]["body"].as_str().unwrap_or("null").to_string();
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

#[test]
fn each_probe_checks_its_protocol_against_a_real_server() {
    let (dns, redis, postgres, smtp) = (dnsmasq(), redis(), postgres(), SmtpReceiver::start());
    let tcp = server().http;
    let ca = std::fs::read_to_string(&server().ca_file).unwrap();
    let files = Files::new();
    let collection = json!({
        "name": "probes",
        "steps": [
            {"name": "tcp", "probe": {"plugin": "tcp", "target": tcp.to_string(),
                "config": {"send": "GET / HTTP/1.0\r\n\r\n", "expect": "content-type"}}},
            {"name": "mx", "probe": {"plugin": "dns", "target": "probe.test",
                "config": {"type": "MX", "resolver": format!("127.0.0.1:{}", dns.port)}},
             "assert": [{"source": "status", "op": "eq", "value": 0},
                        {"source": "body", "property": "$.answers[0].data.exchange", "op": "eq", "value": "mail.probe.test"}]},
            {"name": "a", "probe": {"plugin": "dns", "target": "www.probe.test",
                "config": {"resolver": format!("127.0.0.1:{}", dns.port)}},
             "assert": [{"source": "body", "property": "$.answers[*].data", "op": "eq", "value": ["probe.test", "127.0.0.9"]}]},
            {"name": "redis", "probe": {"plugin": "redis", "target": format!("127.0.0.1:{}", redis.port),
                "config": {"password": "@{{env.REDIS_PASSWORD}}"}},
             "assert": [{"source": "body", "property": "reply", "op": "eq", "value": "PONG"}]},
            {"name": "pg", "probe": {"plugin": "postgres", "target": format!("127.0.0.1:{}", postgres.port)},
             "assert": [{"source": "body", "property": "authentication", "op": "eq", "value": "ok"}]},
            {"name": "smtp", "probe": {"plugin": "smtp", "target": format!("127.0.0.1:{}", smtp.port)},
             "assert": [{"source": "status", "op": "eq", "value": 250},
                        {"source": "body", "property": "starttls", "op": "eq", "value": true}]},
            {"name": "tls", "probe": {"plugin": "tls", "target": server().https.to_string(),
                "config": {"server_name": "localhost", "ca_pem": ca}},
             "assert": [{"source": "body", "property": "trusted", "op": "eq", "value": true},
                        {"source": "body", "property": "expires_in_days", "op": "gt", "value": 0}]},
            {"name": "untrusted", "probe": {"plugin": "tls", "target": server().https.to_string(),
                "config": {"server_name": "localhost"}},
             "assert": [{"source": "body", "property": "trusted", "op": "eq", "value": false}]},
        ]
    });
    files.write("probes.json", &serde_json::to_string_pretty(&collection).unwrap());
    let outcome = files.run(&["probes.json"], &[("REDIS_PASSWORD", "redis-secret")]);
    assert_eq!(outcome.code, 0, "{}\n{}", outcome.stdout, outcome.stderr);
    assert!(body(&outcome, 0)["received"].as_str().unwrap().starts_with("HTTP/1.0 "));
    let soa = &body(&outcome, 1);
    assert_eq!(soa["rcode"], "NOERROR");
    assert!(body(&outcome, 3)["version"].as_str().is_some_and(|v| !v.is_empty()), "{}", body(&outcome, 3));
    assert!(body(&outcome, 4)["server_version"].as_str().is_some(), "{}", body(&outcome, 4));
    let tls = body(&outcome, 6);
    assert_eq!(tls["certificates"][0]["sans"], json!(["localhost", "127.0.0.1"]), "{tls}");
    assert!(tls["protocol"].as_str().unwrap().starts_with("TLSv1_"), "{tls}");
    let untrusted = body(&outcome, 7);
    assert!(untrusted["verify_error"].as_str().unwrap().contains("UnknownIssuer"), "{untrusted}");
    // The password never reaches the report.
    assert!(!outcome.report.to_string().contains("redis-secret"));
    let timings = &outcome.step(0, 1)["response"]["headers"];
    assert!(timings.to_string().contains("x-probe-udp-ms"), "{timings}");

    // What goes wrong is said on the step: a wrong password, NXDOMAIN, nothing listening.
    let broken = json!({
        "name": "broken",
        "steps": [
            {"probe": {"plugin": "dns", "target": "nowhere.probe.test", "config": {"resolver": format!("127.0.0.1:{}", dns.port)}},
             "assert": [{"source": "status", "op": "eq", "value": 0}]},
            {"probe": {"plugin": "redis", "target": format!("127.0.0.1:{}", redis.port), "config": {"password": "wrong"}}},
        ]
    });
    files.write("broken.json", &broken.to_string());
    let outcome = files.run(&["broken.json"], &[]);
    assert_eq!(outcome.code, 1);
    assert_eq!(outcome.step(0, 0)["assertions"][0]["message"], "expected 0, got 3");
    assert_eq!(body(&outcome, 0)["rcode"], "NXDOMAIN");
    let refused = outcome.step(0, 1)["error"]["message"].as_str().unwrap();
    assert!(refused.starts_with("probe `redis`: redis answered WRONGPASS"), "{refused}");
    assert_eq!(outcome.step(0, 1)["error"]["kind"], "probe");
}

#[test]
fn validate_checks_probe_settings_against_the_plugins_schema() {
    let files = Files::new();
    files.write(
        "probe.yaml",
        "name: p\nsteps:\n  - probe:\n      plugin: dns\n      target: example.com\n      config: { type: MX }\n  - probe: { plugin: ftp, target: x }\n",
    );
    let outcome = files.skopos(&["validate".into(), "probe.yaml".into()], &[]);
    assert_eq!(outcome.code, 2, "{}", outcome.stdout);
    assert!(
        outcome.stderr.contains("probe.yaml:6:7: steps[0].probe.config: `dns`: \"resolver\" is a required property"),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.contains("steps[1].probe.plugin: `ftp`: no probe plugin `ftp` is loaded"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn the_agent_runs_probe_steps_and_its_api_checks_their_settings() {
    let data = tempfile::tempdir().unwrap();
    let agent = crate::agent::Agent::start(data.path());
    let listening = TcpListener::bind("127.0.0.1:0").unwrap();
    let target = listening.local_addr().unwrap().to_string();
    let collection = json!({"name": "port", "steps": [{"probe": {"plugin": "tcp", "target": target}}]});
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(collection)).0, 201);
    let (_, run) = agent.api("POST", "/api/v1/collections/port/run", None);
    assert_eq!(run["status"], "passed", "{run}");
    assert_eq!(run["report"]["steps"][0]["request"]["method"], "PROBE", "{run}");

    let refused = json!({"name": "dns", "steps": [{"probe": {"plugin": "dns", "target": "example.com", "config": {"type": "MX"}}}]});
    let (status, problem) = agent.api("POST", "/api/v1/collections", Some(refused));
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["field"], "steps[0].probe.config", "{problem}");
}
