//! Operating monitors against real agents and a local receiver: maintenance windows (mute and
//! pause), silences from the CLI, degraded runs, escalation, dependencies and heartbeats. Each
//! test reads the webhook deliveries the agent made (`/hook/KEY` on the test server).

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};

use crate::agent::{Agent, TOKEN, collection, runs, wait_until};
use crate::{Files, server, unique};

/// A webhook entry that posts to `/hook/KEY`, hearing `on` (all when empty), after `after`.
fn hook(key: &str, on: &[&str], after: Option<&str>) -> Value {
    let mut entry = json!({"plugin": "webhook", "config": {"url": format!("{}/hook/{key}", server().base())}});
    if !on.is_empty() {
        entry["on"] = json!(on);
    }
    if let Some(after) = after {
        entry["after"] = json!(after);
    }
    entry
}

/// The transitions `/hook/KEY` received, in order.
fn told(key: &str) -> Vec<String> {
    server().received(key).iter().map(|r| r.body["transition"].as_str().unwrap_or_default().to_string()).collect()
}

/// An agent with a collection checking `/switch/KEY` (answering `status`) and a paused monitor
/// `name` running it every second; the caller sets things up, then resumes it.
fn agent_with_monitor(data: &std::path::Path, key: &str, status: u16, monitor: Value) -> Agent {
    server().set_status(key, status);
    let agent = Agent::start(data);
    let name = monitor["name"].as_str().unwrap().to_string();
    let created =
        agent.api("POST", "/api/v1/collections", Some(collection(&format!("{name} api"), &format!("/switch/{key}"))));
    assert_eq!(created.0, 201, "{}", created.1);
    let mut monitor = monitor;
    monitor["schedule"] = json!({"every": "1s"});
    monitor["collections"] = json!([format!("{name} api")]);
    monitor["paused"] = json!(true);
    let created = agent.api("POST", "/api/v1/monitors", Some(monitor));
    assert_eq!(created.0, 201, "{}", created.1);
    agent
}

fn resume(agent: &Agent, name: &str) {
    let (_, mut stored) = agent.api("GET", &format!("/api/v1/monitors/{name}"), None);
    stored["spec"]["paused"] = json!(false);
    let (status, reply) = agent.api("PUT", &format!("/api/v1/monitors/{name}"), Some(stored["spec"].clone()));
    assert_eq!(status, 200, "{reply}");
}

fn at(offset: TimeDelta) -> String {
    (Utc::now() + offset).to_rfc3339()
}

#[test]
fn a_muted_monitor_records_runs_and_sends_nothing_then_alerts_once_when_its_window_ends_while_down() {
    let key = unique("mute");
    let data = tempfile::tempdir().unwrap();
    let agent = agent_with_monitor(data.path(), &key, 503, json!({"name": "shop", "notify": [hook(&key, &[], None)]}));
    let ends = Instant::now() + Duration::from_secs(4);
    let window = json!({"name": "deploy", "window": {"from": at(TimeDelta::minutes(-1)), "to": at(TimeDelta::seconds(4))},
                        "monitors": ["shop"]});
    let (status, reply) = agent.api("POST", "/api/v1/windows", Some(window));
    assert_eq!(status, 201, "{reply}");
    let (_, listed) = agent.api("GET", "/api/v1/windows", None);
    assert!(listed[0]["active"]["end"].is_string(), "{listed}");
    resume(&agent, "shop");
    wait_until("runs in maintenance", || runs(&agent, "monitor=shop").len() >= 2);
    let recorded = runs(&agent, "monitor=shop");
    assert!(recorded.iter().all(|run| run["in_maintenance"] == true && run["status"] == "failed"), "{recorded:?}");
    let (_, status) = agent.api("GET", "/api/v1/monitors/shop/status", None);
    assert_eq!(status["maintenance"]["muted"], true, "{status}");
    assert!(told(&key).is_empty(), "muted, yet told {:?}", told(&key));
    assert!(Instant::now() < ends, "the window was still open when this was checked");

    wait_until("the alert once the window is over", || !told(&key).is_empty());
    assert!(Instant::now() >= ends, "told before the window ended");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(told(&key), ["failing"], "once, however many runs fail after");
    let latest = &runs(&agent, "monitor=shop")[0];
    assert!(latest["in_maintenance"].is_null(), "{latest}");
}

#[test]
fn a_paused_window_records_no_runs() {
    let key = unique("pause");
    let data = tempfile::tempdir().unwrap();
    let agent = agent_with_monitor(data.path(), &key, 200, json!({"name": "search", "tags": ["tier-1"]}));
    let window = json!({"name": "move", "window": {"from": at(TimeDelta::minutes(-1)), "to": at(TimeDelta::seconds(3))},
                        "tags": ["tier-1"], "mode": "pause"});
    assert_eq!(agent.api("POST", "/api/v1/windows", Some(window)).0, 201);
    resume(&agent, "search");
    std::thread::sleep(Duration::from_millis(2500));
    assert!(runs(&agent, "monitor=search").is_empty(), "paused by its tag's window, yet it ran");
    wait_until("runs after the window", || !runs(&agent, "monitor=search").is_empty());
    // The window is gone from the files' point of view too: export, delete, apply.
    let files = Files::new();
    let base = agent.base.clone();
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    let exported = files.skopos(&args(&["export", "out", "--server", &base]), &[("SKOPOS_TOKEN", TOKEN)]);
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    let text = std::fs::read_to_string(files.dir.path().join("out/window.move.yaml")).unwrap();
    assert!(text.contains("mode: pause") && text.contains("tier-1"), "{text}");
    assert_eq!(agent.api("DELETE", "/api/v1/windows/move", None).0, 204);
    let applied = files.skopos(&args(&["apply", "out", "--server", &base]), &[("SKOPOS_TOKEN", TOKEN)]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert!(applied.stdout.contains("created window `move`"), "{}", applied.stdout);
    let (_, again) = agent.api("GET", "/api/v1/windows/move", None);
    assert_eq!(again["spec"]["mode"], "pause", "{again}");
}

#[test]
fn a_silence_made_from_the_cli_mutes_and_ending_it_unmutes() {
    let key = unique("silence");
    let data = tempfile::tempdir().unwrap();
    let agent =
        agent_with_monitor(data.path(), &key, 503, json!({"name": "checkout", "notify": [hook(&key, &[], None)]}));
    let files = Files::new();
    let base = agent.base.clone();
    let cli = |a: &[&str]| {
        let args: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        files.skopos(&args, &[("SKOPOS_TOKEN", TOKEN)])
    };
    let made = cli(&["silence", "checkout", "--for", "1h", "--comment", "deploying", "--server", &base]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let id = made.stdout.split_whitespace().next().unwrap().to_string();
    assert!(made.stdout.contains("checkout (admin: deploying)"), "{}", made.stdout);
    let listed = cli(&["silence", "--list", "--server", &base]);
    assert!(listed.stdout.starts_with(&id), "{}", listed.stdout);
    resume(&agent, "checkout");
    wait_until("muted runs", || runs(&agent, "monitor=checkout").len() >= 2);
    assert!(runs(&agent, "monitor=checkout").iter().all(|run| run["in_maintenance"] == true));
    assert!(told(&key).is_empty());

    let ended = cli(&["silence", "--end", &id, "--server", &base]);
    assert_eq!(ended.code, 0, "{}", ended.stderr);
    wait_until("the alert once unmuted", || told(&key) == ["failing"]);
    let (_, audit) = agent.api("GET", "/api/v1/audit", None);
    let actions: Vec<&str> = audit["entries"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"silence.create") && actions.contains(&"silence.end"), "{actions:?}");
}

#[test]
fn a_warn_assertion_makes_a_degraded_run_told_only_to_the_entries_that_hear_degraded() {
    let key = unique("degraded");
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    let slow = json!({"name": "slow api", "steps": [{"request": {"url": format!("{}/slow/300", server().base())},
        "assert": [{"source": "status", "op": "eq", "value": 200},
                   {"source": "latency", "op": "lt", "value": 100, "severity": "warn"}]}]});
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(slow)).0, 201);
    let (hears, deaf) = (format!("{key}-hears"), format!("{key}-deaf"));
    let monitor = json!({"name": "slow", "schedule": {"every": "1s"}, "collections": ["slow api"],
        "notify": [hook(&hears, &["failing", "degraded", "recovered"], None), hook(&deaf, &["failing", "recovered"], None)]});
    assert_eq!(agent.api("POST", "/api/v1/monitors", Some(monitor)).0, 201);
    wait_until("the degraded alert", || told(&hears) == ["degraded"]);
    let delivered = &server().received(&hears)[0].body;
    assert!(delivered["summary"].as_str().unwrap().contains("slow / slow api is degraded"), "{delivered}");
    wait_until("two more runs", || runs(&agent, "monitor=slow").len() >= 3);
    assert!(told(&deaf).is_empty(), "an entry not hearing degraded was told {:?}", told(&deaf));
    let run = &runs(&agent, "monitor=slow")[0];
    assert_eq!(run["status"], "degraded", "{run}");
    let (_, status) = agent.api("GET", "/api/v1/monitors/slow/status", None);
    assert_eq!(status["health"], "degraded", "{status}");
    // A degraded collection passes `skopos run`, and fails it with --strict.
    let files = Files::new();
    std::fs::write(
        files.dir.path().join("slow.json"),
        agent.api("GET", "/api/v1/collections/slow%20api", None).1["spec"].to_string(),
    )
    .unwrap();
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    let lenient = files.skopos(&args(&["run", "slow.json"]), &[]);
    assert_eq!(lenient.code, 0, "{}", lenient.stdout);
    assert!(lenient.stdout.contains("WARN slow api") && lenient.stdout.contains("1 degraded"), "{}", lenient.stdout);
    assert_eq!(files.skopos(&args(&["run", "--strict", "slow.json"]), &[]).code, 1);
}

#[test]
fn an_escalation_is_told_only_after_its_delay_while_failing_and_never_when_recovery_comes_first() {
    let key = unique("escalate");
    let data = tempfile::tempdir().unwrap();
    let (first, escalated) = (format!("{key}-first"), format!("{key}-pager"));
    let monitor = json!({"name": "pay", "notify": [hook(&first, &[], None), hook(&escalated, &[], Some("3s"))]});
    let agent = agent_with_monitor(data.path(), &key, 503, monitor);
    resume(&agent, "pay");
    wait_until("the first alert", || told(&first) == ["failing"]);
    let alerted = Instant::now();
    wait_until("the escalation", || told(&escalated) == ["failing"]);
    assert!(alerted.elapsed() >= Duration::from_millis(2500), "escalated after {:?}", alerted.elapsed());
    server().set_status(&key, 200);
    wait_until("recovery told to both", || told(&first).len() == 2 && told(&escalated).len() == 2);
    assert_eq!(told(&escalated), ["failing", "recovered"]);

    // Failing again, and recovering within the delay: the escalation never hears of it.
    let (first2, escalated2) = (format!("{key}-first2"), format!("{key}-pager2"));
    let monitor = json!({"name": "pay", "schedule": {"every": "1s"}, "collections": ["pay api"],
        "notify": [hook(&first2, &[], None), hook(&escalated2, &[], Some("6s"))]});
    assert_eq!(agent.api("PUT", "/api/v1/monitors/pay", Some(monitor)).0, 200);
    server().set_status(&key, 503);
    wait_until("the first alert again", || told(&first2) == ["failing"]);
    server().set_status(&key, 200);
    wait_until("its recovery", || told(&first2) == ["failing", "recovered"]);
    std::thread::sleep(Duration::from_secs(6));
    assert!(told(&escalated2).is_empty(), "{:?}", told(&escalated2));
}

#[test]
fn a_monitor_whose_dependency_is_down_holds_its_alert_and_alerts_when_the_dependency_recovers() {
    let (edge_key, shop_key) = (unique("edge"), unique("shop"));
    let data = tempfile::tempdir().unwrap();
    let agent = agent_with_monitor(
        data.path(),
        &edge_key,
        503,
        json!({"name": "edge", "notify": [hook(&edge_key, &[], None)]}),
    );
    server().set_status(&shop_key, 503);
    let shop_api = collection("shop api", &format!("/switch/{shop_key}"));
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(shop_api)).0, 201);
    let shop = json!({"name": "shop", "schedule": {"every": "1s"}, "collections": ["shop api"], "alert_after": 3,
                      "depends_on": ["edge"], "notify": [hook(&shop_key, &[], None)]});
    assert_eq!(agent.api("POST", "/api/v1/monitors", Some(shop)).0, 201);
    // A cycle is refused, naming the monitors in it.
    let (_, mut edge) = agent.api("GET", "/api/v1/monitors/edge", None);
    edge["spec"]["depends_on"] = json!(["shop"]);
    let (status, refused) = agent.api("PUT", "/api/v1/monitors/edge", Some(edge["spec"].clone()));
    assert_eq!(status, 422, "{refused}");
    assert!(refused.to_string().contains("edge → shop → edge"), "{refused}");

    resume(&agent, "edge");
    wait_until("the edge alert", || told(&edge_key) == ["failing"]);
    wait_until("shop down for a while", || runs(&agent, "monitor=shop").len() >= 5);
    assert!(told(&shop_key).is_empty(), "held, yet told {:?}", told(&shop_key));
    server().set_status(&edge_key, 200);
    wait_until("shop's alert once edge recovered", || told(&shop_key) == ["failing"]);
    assert_eq!(told(&edge_key), ["failing", "recovered"]);
}

#[test]
fn a_heartbeat_alerts_when_pings_stop_at_once_on_fail_and_when_a_start_never_finishes() {
    let key = unique("heartbeat");
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    let monitor =
        json!({"name": "backup", "heartbeat": {"every": "2s", "grace": "1s"}, "notify": [hook(&key, &[], None)]});
    let (status, created) = agent.api("POST", "/api/v1/monitors", Some(monitor));
    assert_eq!(status, 201, "{created}");
    let url = created["ping_url"].as_str().unwrap().to_string();
    assert!(created["curl"].as_str().unwrap().ends_with(&url), "{created}");
    let path = url.strip_prefix(&agent.base).unwrap().to_string();
    let ping = |suffix: &str, body: Option<Value>| agent.call("POST", &format!("{path}{suffix}"), None, body).0;
    assert_eq!(ping("", Some(json!("backup of 12 GB done"))), 200);
    let run = &runs(&agent, "monitor=backup")[0];
    assert_eq!((run["status"].as_str(), run["log"].as_str()), (Some("passed"), Some("\"backup of 12 GB done\"")));
    assert_eq!(agent.call("GET", "/ping/not-a-key", None, None).0, 404);

    // No more pings: failing within every + grace (at most 3 s here) of the last.
    let last = Instant::now();
    wait_until("the missed ping alert", || told(&key) == ["failing"]);
    assert!(
        last.elapsed() >= Duration::from_secs(1) && last.elapsed() < Duration::from_secs(5),
        "{:?}",
        last.elapsed()
    );
    let failure = &server().received(&key)[0].body;
    assert!(failure["summary"].as_str().unwrap().contains("no ping since"), "{failure}");
    assert_eq!(ping("", None), 200);
    wait_until("recovered", || told(&key) == ["failing", "recovered"]);

    // `/fail` alerts at once.
    assert_eq!(ping("/fail", None), 200);
    wait_until("failing at once", || told(&key).len() == 3);
    assert_eq!(told(&key)[2], "failing");
    assert_eq!(ping("", None), 200);
    wait_until("recovered again", || told(&key).len() == 4);

    // `/start` without a finish times out after the grace.
    assert_eq!(ping("/start", None), 200);
    wait_until("the unfinished job alert", || told(&key).len() == 5);
    let unfinished = &server().received(&key)[4].body;
    assert!(unfinished["summary"].as_str().unwrap().contains("did not finish within 1s"), "{unfinished}");

    // A rotated key: the old URL stops working.
    let (status, rotated) = agent.api("POST", "/api/v1/monitors/backup/ping-key", None);
    assert_eq!(status, 200, "{rotated}");
    assert_eq!(ping("", None), 404);
}
