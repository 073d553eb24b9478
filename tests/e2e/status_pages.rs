//! Status pages, badges and reports against a real agent whose monitors check the local test
//! server: what the public sees (and what it must never see), incidents opened by a failing
//! monitor and resolved by its recovery, and the uptime report as JSON and CSV.

use serde_json::{Value, json};

use crate::agent::{Agent, TOKEN, runs, wait_until};
use crate::{Files, server, unique};

/// A collection whose URL, header, body and step name carry marks the public must not see.
fn secret_collection(name: &str, key: &str) -> Value {
    json!({"name": name, "steps": [{"name": "secret_step_name", "request": {
        "url": format!("{}/switch/{key}?token=url-secret-mark", server().base()),
        "headers": {"X-Secret": "header-secret-mark"},
        "body": {"text": "body-secret-mark"}},
        "assert": [{"source": "status", "op": "eq", "value": 200}]}]})
}

fn monitor(agent: &Agent, spec: Value) {
    let (status, reply) = agent.api("POST", "/api/v1/monitors", Some(spec));
    assert_eq!(status, 201, "{reply}");
}

fn page(agent: &Agent, path: &str) -> String {
    let (status, _, body) = agent.get_with(path, &[]);
    assert_eq!(status, 200, "{path}: {body}");
    body
}

#[test]
fn a_status_page_follows_a_failing_monitor_into_an_incident_and_out_and_shows_nothing_from_behind_it() {
    let (shop_key, search_key) = (unique("shop"), unique("search"));
    server().set_status(&shop_key, 503);
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    for (name, key) in [("shop api", &shop_key), ("search api", &search_key)] {
        let (status, reply) = agent.api("POST", "/api/v1/collections", Some(secret_collection(name, key)));
        assert_eq!(status, 201, "{reply}");
    }
    monitor(
        &agent,
        json!({"name": "shop", "display_name": "Shop & checkout", "schedule": {"every": "1s"},
                           "collections": ["shop api"], "slo": {"target": 99.0, "window": "7d"}}),
    );
    monitor(
        &agent,
        json!({"name": "search", "tags": ["search"], "schedule": {"every": "1s"}, "collections": ["search api"]}),
    );
    monitor(&agent, json!({"name": "hidden", "schedule": {"every": "1h"}, "collections": ["search api"]}));
    let spec = json!({"name": "Acme status", "status_page": {"slug": "acme", "hosts": ["status.acme.test"],
        "description": "How Acme is doing", "show_latency": true,
        "groups": [{"name": "Checkout", "monitors": ["shop"]}, {"name": "Search", "tags": ["search"]}]}});
    let (status, reply) = agent.api("POST", "/api/v1/status-pages", Some(spec));
    assert_eq!(status, 201, "{reply}");

    wait_until("the shop's incident", || page(&agent, "/status/acme").contains("Shop &amp; checkout is down"));
    wait_until("search's runs", || !runs(&agent, "monitor=search").is_empty());
    let html = page(&agent, "/status/acme");
    for expected in [
        "<h1>Acme status</h1>",
        "How Acme is doing",
        "Major outage",
        "Checkout",
        "Search",
        "Open incidents",
        "<h3>search</h3>",
        "Operational",
        "mean response",
    ] {
        assert!(html.contains(expected), "the page lacks {expected:?}");
    }
    assert!(html.contains("<svg class=\"bars\" role=\"img\""), "daily bars");
    assert_eq!(html.matches("<rect ").count(), 2 * 90, "90 bars for each of two monitors");
    assert!(!html.contains("hidden") && !html.contains("<script"), "only the page's monitors, no scripts");

    // Nothing from behind the page: not the collections' URLs, headers, bodies, step names or errors.
    let failed = runs(&agent, "monitor=shop");
    let (_, run) = agent.api("GET", &format!("/api/v1/runs/{}", failed[0]["id"].as_str().unwrap()), None);
    let error = run["report"]["steps"][0]["assertions"][0]["message"].as_str().unwrap_or("expected").to_string();
    let summary = page(&agent, "/status/acme/api/v2/summary.json");
    let feed = page(&agent, "/status/acme/feed.atom");
    let (_, incidents) = agent.api("GET", "/api/v1/incidents?page=acme", None);
    for public in [&html, &summary, &feed] {
        for secret in [
            "url-secret-mark",
            "header-secret-mark",
            "body-secret-mark",
            "secret_step_name",
            "shop api",
            "/switch/",
            "127.0.0.1",
            &server().base(),
            &error,
            "X-Secret",
        ] {
            assert!(!public.contains(secret), "{secret:?} is public:\n{public}");
        }
    }

    // summary.json in Statuspage's shape.
    let summary: Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["status"]["indicator"], "major", "{summary}");
    let components = summary["components"].as_array().unwrap();
    let component = |name: &str| components.iter().find(|c| c["name"] == name).unwrap().clone();
    assert_eq!(component("Checkout")["group"], true);
    assert_eq!(component("Shop & checkout")["status"], "major_outage");
    assert_eq!(component("search")["status"], "operational");
    assert_eq!(component("search")["group_id"], component("Search")["id"]);
    assert_eq!(summary["incidents"][0]["name"], "Shop & checkout is down", "{summary}");
    assert_eq!(summary["incidents"][0]["impact"], "major");
    assert!(feed.contains("<entry><id>urn:skopos:incident:") && feed.contains("Shop &amp;amp; checkout"), "{feed}");

    // A person adds an update between the failure and the recovery.
    let id = incidents[0]["id"].as_str().unwrap().to_string();
    let update = json!({"status": "identified", "message": "A payment provider is timing out."});
    let (status, reply) = agent.api("POST", &format!("/api/v1/incidents/{id}/updates"), Some(update));
    assert_eq!(status, 200, "{reply}");
    let html = page(&agent, "/status/acme");
    assert!(html.contains("A payment provider is timing out.") && html.contains("Identified"), "{html}");
    let bad =
        agent.api("POST", &format!("/api/v1/incidents/{id}/updates"), Some(json!({"status": "fixed", "message": "x"})));
    assert_eq!((bad.0, bad.1["field"].as_str()), (422, Some("status")), "{}", bad.1);

    server().set_status(&shop_key, 200);
    wait_until("the recovery", || page(&agent, "/status/acme").contains("All systems operational"));
    let html = page(&agent, "/status/acme");
    let past = &html[html.find("Past incidents").unwrap()..];
    assert!(past.contains("Shop &amp; checkout is down") && past.contains("Resolved"), "{past}");
    let updates = &past[past.find("<ol").unwrap()..past.find("</ol>").unwrap()];
    let order: Vec<usize> =
        ["Resolved", "Identified", "Investigating"].iter().map(|s| updates.find(s).unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "newest update first: {updates}");
    let summary: Value = serde_json::from_str(&page(&agent, "/status/acme/api/v2/summary.json")).unwrap();
    assert_eq!(
        (summary["status"]["indicator"].as_str(), summary["incidents"].as_array().map(Vec::len)),
        (Some("none"), Some(0))
    );

    // Cacheable: an ETag, and 304 when it still matches.
    let (_, headers, _) = agent.get_with("/status/acme", &[]);
    assert_eq!(headers["cache-control"], "public, max-age=30");
    let etag = headers["etag"].to_str().unwrap().to_string();
    assert_eq!(agent.get_with("/status/acme", &[("if-none-match", &etag)]).0, 304);
    // The page's own host gets it at `/`; any other host gets the console.
    let (status, _, body) = agent.get_with("/", &[("host", "status.acme.test")]);
    assert!(status == 200 && body.contains("<h1>Acme status</h1>"), "{body}");
    assert!(!agent.get_with("/", &[]).2.contains("<h1>Acme status</h1>"));
    assert_eq!(agent.get_with("/status/nope", &[]).0, 404);

    // Badges: public for monitors on the page, otherwise with a token.
    let (status, headers, svg) = agent.get_with("/badge/shop/status.svg", &[]);
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (200, "image/svg+xml; charset=utf-8"), "{svg}");
    assert!(svg.contains("aria-label=\"Shop &amp; checkout: up\""), "{svg}");
    assert_eq!(headers["cache-control"], "public, max-age=60");
    let etag = headers["etag"].to_str().unwrap().to_string();
    assert_eq!(agent.get_with("/badge/shop/status.svg", &[("if-none-match", &etag)]).0, 304);
    assert_eq!(agent.get_with("/badge/hidden/status.svg", &[]).0, 401);
    let bearer = format!("Bearer {TOKEN}");
    let (status, headers, _) = agent.get_with("/badge/hidden/status.svg", &[("authorization", &bearer)]);
    assert_eq!((status, headers["cache-control"].to_str().unwrap()), (200, "private, max-age=60"));
    let width = |svg: &str| svg.split("width=\"").nth(1).unwrap().split('"').next().unwrap().parse::<u32>().unwrap();
    let uptime = agent.get_with("/badge/shop/uptime.svg?window=7d", &[]).2;
    assert!(uptime.contains("uptime 7d"), "{uptime}");
    assert!(width(&uptime) > width(&agent.get_with("/badge/search/status.svg", &[]).2), "wider text, wider badge");
    let (status, _, reply) = agent.get_with("/badge/shop/uptime.svg?window=1y", &[]);
    assert!(status == 400 && reply.contains("\"field\":\"window\""), "{reply}");

    // The objective's budget: some of the shop's runs failed.
    let (_, status) = agent.api("GET", "/api/v1/monitors/shop/status", None);
    assert_eq!(status["slo"]["target"], 99.0, "{status}");
    assert!(
        status["slo"]["failed"].as_u64().unwrap() >= 1 && status["slo"]["remaining"].as_f64().unwrap() < 1.0,
        "{status}"
    );
}

#[test]
fn the_uptime_report_counts_runs_per_period_as_json_and_csv_and_names_a_bad_field() {
    let key = unique("report");
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    let (status, reply) = agent.api("POST", "/api/v1/collections", Some(secret_collection("report api", &key)));
    assert_eq!(status, 201, "{reply}");
    monitor(&agent, json!({"name": "reported", "schedule": {"every": "1s"}, "collections": ["report api"]}));
    wait_until("three runs", || runs(&agent, "monitor=reported").len() >= 3);
    server().set_status(&key, 500);
    wait_until("a failed run", || runs(&agent, "monitor=reported").iter().any(|r| r["status"] == "failed"));
    let (status, _) = agent.api(
        "PUT",
        "/api/v1/monitors/reported",
        Some(json!({"name": "reported", "paused": true,
        "schedule": {"every": "1s"}, "collections": ["report api"]})),
    );
    assert_eq!(status, 200);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let stored = runs(&agent, "monitor=reported");
    let (status, report) = agent.api("GET", "/api/v1/reports/uptime?monitor=reported&by=month", None);
    assert_eq!(status, 200, "{report}");
    let total = &report["total"];
    let failed = stored.iter().filter(|r| r["status"] == "failed").count() as u64;
    assert_eq!(total["runs"].as_u64(), Some(stored.len() as u64), "{report}");
    assert_eq!(total["failed"].as_u64(), Some(failed), "{report}");
    assert!(total["p95_ms"].as_f64().unwrap() > 0.0 && total["downtime_s"].is_number(), "{report}");
    assert_eq!(
        report["periods"].as_array().unwrap().iter().map(|p| p["runs"].as_u64().unwrap()).sum::<u64>(),
        stored.len() as u64
    );

    let (status, headers, csv) = agent.get_with(
        "/api/v1/reports/uptime?monitor=reported&by=day&from=2026-01-01&to=2026-01-03",
        &[("authorization", &format!("Bearer {TOKEN}")), ("accept", "text/csv")],
    );
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (200, "text/csv; charset=utf-8"), "{csv}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "start,end,runs,passed,degraded,failed,maintenance,uptime_percent,mean_ms,p95_ms,downtime_s");
    assert_eq!(
        lines[1..],
        [
            "2026-01-01,2026-01-02,0,0,0,0,0,,,,0",
            "2026-01-02,2026-01-03,0,0,0,0,0,,,,0",
            "2026-01-03,2026-01-04,0,0,0,0,0,,,,0"
        ]
    );
    for (query, field) in
        [("monitor=reported&by=year", "by"), ("monitor=reported&from=yesterday", "from"), ("by=day", "monitor")]
    {
        let (status, reply) = agent.api("GET", &format!("/api/v1/reports/uptime?{query}"), None);
        assert_eq!((status, reply["field"].as_str()), (400, Some(field)), "{query}: {reply}");
    }
}

#[test]
fn status_page_files_are_validated_with_their_lines_and_applied_and_exported_again() {
    let files = Files::new();
    files.write(
        "page.yaml",
        "name: Acme\nstatus_page:\n  slug: Not A Slug\n  groups:\n    - name: Web\n      tags: [web]\n",
    );
    files.write(
        "other.yaml",
        "name: Other\nstatus_page:\n  slug: other\n  groups:\n    - name: Web\n      monitors: [nope]\n",
    );
    files.write("monitor.yaml", "name: web\nschedule: { every: 1m }\ncollections: [web]\n");
    files.write("web.yaml", "name: web\nsteps:\n  - request: { url: \"http://127.0.0.1:9/\" }\n");
    let skopos = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        files.skopos(&args, &[("SKOPOS_TOKEN", TOKEN)])
    };
    let dir = files.path().to_str().unwrap().to_string();
    let checked = skopos(&["validate", &dir]);
    assert_eq!(checked.code, 2, "{}", checked.stderr);
    assert!(checked.stderr.contains("page.yaml:3:9") && checked.stderr.contains("not a slug"), "{}", checked.stderr);
    assert!(
        checked.stderr.contains("other.yaml:6:18") && checked.stderr.contains("no monitor named `nope`"),
        "{}",
        checked.stderr
    );

    std::fs::remove_file(files.path().join("other.yaml")).unwrap();
    files.write(
        "page.yaml",
        "name: Acme\nstatus_page:\n  slug: acme\n  groups:\n    - name: Web\n      monitors: [web]\n",
    );
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    let applied = skopos(&["apply", &dir, "--server", &agent.base]);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    assert!(applied.stdout.contains("created status page `Acme`"), "{}", applied.stdout);
    assert!(page(&agent, "/status/acme").contains("<h3>web</h3>"));
    let out = tempfile::tempdir().unwrap();
    let exported = skopos(&["export", out.path().to_str().unwrap(), "--server", &agent.base]);
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    let written = std::fs::read_to_string(out.path().join("status-page.acme.yaml")).unwrap();
    assert_eq!(
        written,
        "name: Acme\nstatus_page:\n  slug: acme\n  groups:\n    - name: Web\n      monitors:\n        - web\n"
    );
}
