//! Two agents, one Alertmanager (the real `prometheus-alertmanager` from Debian), one page:
//! both agents run the same monitor and send the same alert, and the receiver behind
//! Alertmanager is told once that it fires and once that it is resolved.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::agent::{Agent, collection, wait_until};
use crate::{server, unique};

/// `prometheus-alertmanager` on a free port, sending every group to `webhook` at once.
struct Alertmanager {
    child: Child,
    url: String,
    _storage: tempfile::TempDir,
}

impl Alertmanager {
    fn start(webhook: &str) -> Alertmanager {
        let storage = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let config = storage.path().join("alertmanager.yml");
        let yaml = format!(
            "route:\n  receiver: skopos-test\n  group_by: [alertname, monitor, collection]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: skopos-test\n    webhook_configs:\n      - url: {webhook}\n        send_resolved: true\n"
        );
        std::fs::write(&config, yaml).unwrap();
        let child = Command::new("prometheus-alertmanager")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.path={}", storage.path().display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus-alertmanager runs (tests/run installs it from Debian)");
        let manager = Alertmanager { child, url: format!("http://127.0.0.1:{port}"), _storage: storage };
        wait_until("Alertmanager to be ready", || ready(port));
        manager
    }
}

/// Whether `GET /-/ready` answers 200.
fn ready(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let request = format!("GET /-/ready HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    let mut answer = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut answer).is_ok()
        && answer.starts_with("HTTP/1.1 200")
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn two_agents_running_the_same_monitor_page_once_through_alertmanager() {
    let key = unique("alertmanager");
    let alertmanager = Alertmanager::start(&format!("{}/hook/{key}-pages", server().base()));
    server().set_status(&key, 503);
    let monitor = json!({"name": "payments", "tags": ["tier-1"], "schedule": {"every": "1s"},
                         "collections": ["payments api"], "alert_after": 2,
                         "notify": [{"plugin": "alertmanager", "config": {"url": alertmanager.url}}]});
    let folders = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let agents: Vec<Agent> = folders.iter().map(|data| Agent::start(data.path())).collect();
    for agent in &agents {
        assert_eq!(
            agent.api("POST", "/api/v1/collections", Some(collection("payments api", &format!("/switch/{key}")))).0,
            201
        );
        assert_eq!(agent.api("POST", "/api/v1/monitors", Some(monitor.clone())).0, 201);
    }
    let delivered = |agent: &Agent| {
        let (_, log) = agent.api("GET", "/api/v1/notifications?monitor=payments&limit=100", None);
        log["notifications"].as_array().unwrap().iter().filter(|n| n["delivery"] == "delivered").count()
    };
    let pages = || server().received(&format!("{key}-pages"));
    wait_until("both agents to alert Alertmanager", || agents.iter().all(|agent| delivered(agent) == 1));
    wait_until("Alertmanager to page", || !pages().is_empty());
    std::thread::sleep(Duration::from_secs(3));
    server().set_status(&key, 200);
    wait_until("both agents to send the recovery", || agents.iter().all(|agent| delivered(agent) == 2));
    wait_until("Alertmanager to resolve", || pages().len() >= 2);
    std::thread::sleep(Duration::from_secs(3));

    let pages = pages();
    let statuses: Vec<&str> = pages.iter().map(|page| page.body["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["firing", "resolved"], "{pages:#?}");
    for page in &pages {
        let alerts = page.body["alerts"].as_array().unwrap();
        assert_eq!(alerts.len(), 1, "{}", page.body);
        assert_eq!(alerts[0]["labels"]["monitor"], "payments");
        assert_eq!(alerts[0]["labels"]["collection"], "payments api");
        assert_eq!(alerts[0]["labels"]["tag_tier_1"], "true");
    }
    assert_eq!(pages[0].body["alerts"][0]["annotations"]["summary"], "FAILING: payments / payments api");
}
