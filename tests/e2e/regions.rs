//! Regions: a primary and followers `eu` and `us`, three real agents on loopback.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::agent::{Agent, TOKEN, collection, runs, wait_until};
use crate::{server, unique};

/// A free port on loopback, so a restarted primary is found where its followers expect it.
fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().to_string()
}

fn follower(data: &Path, region: &str, primary: &str, env: &[(&str, &str)]) -> Agent {
    let flags = ["--region", region, "--primary", primary, "--primary-token", TOKEN, "--sync-every", "200ms"];
    Agent::start_with(data, &flags, env)
}

/// A one-step collection whose second assertion is the `misbehaving` plugin, told to pass.
fn ping(key: &str) -> Value {
    let mut ping = collection("ping", &format!("/switch/{key}"));
    let check = json!({"source": "body", "op": "plugin", "plugin": "misbehaving", "value": "fine"});
    ping["steps"][0]["assert"].as_array_mut().unwrap().push(check);
    ping
}

fn ids(runs: &[Value]) -> Vec<String> {
    runs.iter().map(|run| run["id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn followers_mirror_the_primary_and_every_run_arrives_once_across_an_outage() {
    let key = unique("regions");
    let (primary_data, eu_data, us_data) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let address = free_address();
    // An assertion plugin added on the primary only: followers take it from there.
    let plugins = primary_data.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    crate::plugins::fixture(&plugins, "misbehaving", "kind: assertion\nversion: 0.1.0\n");
    let plugins = plugins.to_str().unwrap();
    let primary_flags = ["--region", "hq", "--plugins", plugins];
    let primary = Agent::start_at(primary_data.path(), &address, &primary_flags, &[]);
    let (status, created) = primary.api("POST", "/api/v1/collections", Some(ping(&key)));
    assert_eq!(status, 201, "{created}");
    let monitor = json!({"name": "watch ping", "schedule": {"every": "1s"}, "collections": ["ping"]});
    assert_eq!(primary.api("POST", "/api/v1/monitors", Some(monitor)).0, 201);

    let eu = follower(eu_data.path(), "eu", &primary.base, &[]);
    let us = follower(us_data.path(), "us", &primary.base, &[]);
    // The followers hold the primary's definitions under the same ids, and refuse changes.
    wait_until("the definitions at eu", || eu.api("GET", "/api/v1/collections/ping", None).0 == 200);
    assert_eq!(eu.api("GET", "/api/v1/collections/ping", None).1["id"], created["id"]);
    let (status, refusal) = eu.api("POST", "/api/v1/collections", Some(collection("local", "/final")));
    assert_eq!(status, 409);
    assert!(refusal["error"].as_str().unwrap().contains("follows"), "{refusal}");
    wait_until("runs from eu and us at the primary", || {
        !runs(&primary, "region=eu").is_empty() && !runs(&primary, "region=us").is_empty()
    });

    // A change on the primary reaches the followers.
    let mut renamed = ping(&key);
    renamed["variables"] = json!({"changed": "yes"});
    assert_eq!(primary.api("PUT", "/api/v1/collections/ping", Some(renamed)).0, 200);
    wait_until("the change at us", || {
        us.api("GET", "/api/v1/collections/ping", None).1["spec"]["variables"]["changed"] == "yes"
    });
    // So does a maintenance window (one long past: the followers keep running): followers
    // pause and mute as their primary does.
    let window = json!({"name": "old move", "window": {"from": "2020-01-01T00:00:00Z", "to": "2020-01-01T01:00:00Z"},
                        "monitors": ["watch ping"], "mode": "pause"});
    assert_eq!(primary.api("POST", "/api/v1/windows", Some(window)).0, 201);
    wait_until("the window at eu", || eu.api("GET", "/api/v1/windows/old%20move", None).0 == 200);

    // The primary goes away for a while; the followers keep monitoring.
    primary.kill_9();
    let before = ids(&runs(&eu, "monitor=watch%20ping"));
    wait_until("eu to run on without its primary", || runs(&eu, "monitor=watch%20ping").len() >= before.len() + 3);
    let primary = Agent::start_at(primary_data.path(), &address, &primary_flags, &[]);
    let eu_runs = ids(&runs(&eu, "monitor=watch%20ping"));
    let us_runs = ids(&runs(&us, "monitor=watch%20ping"));
    wait_until("every run from eu and us at the primary", || {
        let at_primary: HashSet<String> = ids(&runs(&primary, "monitor=watch%20ping")).into_iter().collect();
        eu_runs.iter().chain(&us_runs).all(|id| at_primary.contains(id))
    });
    for region in ["eu", "us"] {
        let arrived = ids(&runs(&primary, &format!("region={region}")));
        let unique: HashSet<&String> = arrived.iter().collect();
        assert_eq!(unique.len(), arrived.len(), "{region}: a run arrived twice");
    }
    // Each run arrived with its region and report, and when it arrived is recorded.
    let run = primary.api("GET", &format!("/api/v1/runs/{}", eu_runs[0]), None).1;
    assert_eq!((run["region"].as_str(), run["status"].as_str()), (Some("eu"), Some("passed")), "{run}");
    assert_eq!(run["report"]["steps"][0]["response"]["status"], 200, "{run}");
    let plugin_check = &run["report"]["steps"][0]["assertions"][1];
    assert_eq!((plugin_check["op"].as_str(), plugin_check["passed"].as_bool()), (Some("plugin"), Some(true)), "{run}");
    assert!(run["received_at"].is_string(), "{run}");

    // The region × collection matrix.
    let (_, matrix) = primary.api("GET", "/api/v1/regions", None);
    let regions: Vec<&str> =
        matrix["regions"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(regions, ["eu", "hq", "us"], "{matrix}");
    assert!(matrix["regions"][0]["last_seen"].is_string(), "{matrix}");
    let row = &matrix["collections"][0];
    assert_eq!(row["name"], "ping");
    for region in ["eu", "hq", "us"] {
        assert_eq!(row["regions"][region]["status"], "passed", "{region}: {matrix}");
    }
    drop((eu, us));
}

#[test]
fn an_alert_needs_failures_from_as_many_regions_as_the_monitor_asks() {
    let key = unique("k-regions");
    let target = |region: &str| format!("{}/switch/{key}-{region}", server().base());
    let (primary_data, eu_data, us_data) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let hq_target = target("hq");
    let primary = Agent::start_with(primary_data.path(), &["--region", "hq"], &[("TARGET", &hq_target)]);
    let checked = json!({"name": "orders", "steps": [{"request": {"url": "@{{env.TARGET}}"},
                         "assert": [{"source": "status", "op": "eq", "value": 200}]}]});
    assert_eq!(primary.api("POST", "/api/v1/collections", Some(checked)).0, 201);
    let monitor = json!({
        "name": "orders everywhere", "schedule": {"every": "1s"}, "collections": ["orders"], "alert_regions": 2,
        "notify": [{"plugin": "webhook", "config": {"url": format!("{}/hook/{key}", server().base())}}]
    });
    let (status, reply) = primary.api("POST", "/api/v1/monitors", Some(monitor));
    assert_eq!(status, 201, "{reply}");
    let (eu_target, us_target) = (target("eu"), target("us"));
    let _eu = follower(eu_data.path(), "eu", &primary.base, &[("TARGET", &eu_target)]);
    let _us = follower(us_data.path(), "us", &primary.base, &[("TARGET", &us_target)]);

    // One region failing is that region's trouble: no alert.
    server().set_status(&format!("{key}-eu"), 503);
    wait_until("failures from eu at the primary", || runs(&primary, "region=eu&status=failed").len() >= 3);
    wait_until("passes from us after that", || runs(&primary, "region=us&status=passed").len() >= 3);
    assert!(server().received(&key).is_empty(), "{:?}", server().received(&key).first().map(|r| &r.body));

    // Two regions failing alert once; one recovering leaves fewer than two: recovered.
    server().set_status(&format!("{key}-us"), 503);
    wait_until("the failing alert", || !server().received(&key).is_empty());
    let alert = server().received(&key)[0].body.clone();
    assert_eq!(alert["transition"], "failing", "{alert}");
    assert_eq!(alert["region"], "us", "{alert}");
    let (_, log) = primary.api("GET", "/api/v1/notifications?monitor=orders%20everywhere", None);
    assert_eq!(log["notifications"][0]["failing_regions"], json!(["eu", "us"]), "{log}");
    let (_, status) = primary.api("GET", "/api/v1/monitors/orders%20everywhere/status", None);
    assert_eq!(status["health"], "down", "{status}");
    assert_eq!(status["collections"][0]["regions"]["eu"]["health"], "down", "{status}");
    assert_eq!(status["collections"][0]["regions"]["hq"]["health"], "up", "{status}");

    server().set_status(&format!("{key}-eu"), 200);
    wait_until("the recovery", || server().received(&key).len() >= 2);
    std::thread::sleep(Duration::from_millis(1500));
    let received: Vec<Value> = server().received(&key).into_iter().map(|r| r.body).collect();
    let transitions: Vec<&str> = received.iter().map(|alert| alert["transition"].as_str().unwrap()).collect();
    assert_eq!(transitions, ["failing", "recovered"]);
}
