//! The web console in a real headless Chromium (Debian's `chromium`, driven by
//! `playwright-core` from `tests/console`), against a real agent and the local API server:
//! sign in, build a two-step collection through the forms, run it, break an assertion, make a
//! monitor that fills its history and alerts through the webhook plugin, see it run in this
//! agent's region and in a follower's on the regions page, pause it, sign out.
//! Screenshots of every page land in `target/tmp/console-screenshots`.

use std::process::Command;

use serde_json::json;

use crate::agent::Agent;
use crate::{server, unique};

/// Where the scripts save their screenshots.
fn shots() -> std::path::PathBuf {
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("console-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    shots
}

/// The folder of the browser scripts, with their npm packages installed.
fn scripts() -> std::path::PathBuf {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/console");
    assert!(
        folder.join("node_modules/playwright-core").is_dir(),
        "run `npm ci --prefix tests/console` first (the README's test command does)"
    );
    folder
}

/// Runs the browser script `tests/console/SCRIPT` with `args` and the screenshot folder last;
/// what it printed, once it passed.
fn browser(script: &str, args: &[&str]) -> String {
    let output = Command::new("node").arg(scripts().join(script)).args(args).arg(shots()).output().expect("node runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "the browser test failed:\n{stdout}\n{stderr}");
    stdout.into_owned()
}

#[test]
fn the_console_builds_runs_and_monitors_a_collection_through_its_forms_in_a_real_browser() {
    let key = unique("console");
    server().set_status(&key, 503);
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start_with(data.path(), &["--region", "hq"], &[]);
    let follower_data = tempfile::tempdir().unwrap();
    let follower_flags =
        ["--region", "eu", "--primary", &agent.base, "--primary-token", crate::agent::TOKEN, "--sync-every", "200ms"];
    let _follower = Agent::start_with(follower_data.path(), &follower_flags, &[]);
    let step = |name: &str, path: &str| {
        json!({"name": name, "request": {"url": format!("{}{path}", server().base())},
               "assert": [{"source": "status", "op": "eq", "value": 200}]})
    };
    let broken = json!({"name": "broken", "steps": [step("home", "/slow/10"), step("pay", &format!("/switch/{key}"))]});
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(broken)).0, 201);
    let stdout = browser("console.mjs", &[&agent.base, crate::agent::TOKEN, &server().base(), &key]);
    let shots = shots();
    assert!(stdout.contains("\"ok\":true"), "{stdout}");
    let pages = [
        "sign-in",
        "step-form",
        "step-form-error",
        "run-passed",
        "run-failed",
        "monitor-form",
        "monitor-history",
        "run-detail",
        "monitors",
        "collections",
        "regions",
        "plugins",
        "collection-phone",
    ];
    for page in pages {
        assert!(shots.join(format!("{page}.png")).is_file(), "no screenshot of {page}");
    }
    // The monitor made in the browser alerted once, through the webhook plugin it configured.
    let alerts = server().received(&key);
    assert_eq!(alerts.len(), 1, "one alert for the failing collection");
    let alert = &alerts[0].body;
    assert_eq!(
        (alert["monitor"].as_str(), alert["transition"].as_str()),
        (Some("shop-watch"), Some("failing")),
        "{alert}"
    );
}

/// People's accounts and tokens through the console: see `tests/console/access.mjs`.
#[test]
fn the_console_adds_users_and_tokens_and_a_disabled_user_is_signed_out_at_once() {
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(crate::agent::collection("shared", "/ok"))).0, 201);
    let stdout = browser("access.mjs", &[&agent.base, crate::agent::TOKEN]);
    let shots = shots();
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    // The token made in the browser is a runner's: it applies, and it manages no one.
    let token = result["token"].as_str().unwrap();
    let collection = crate::agent::collection("from-ci", "/ok");
    assert_eq!(agent.call("POST", "/api/v1/collections", Some(token), Some(collection)).0, 201);
    let (status, refused) = agent.call("GET", "/api/v1/users", Some(token), None);
    assert_eq!((status, refused["permission"].as_str()), (403, Some("manage_access")), "{refused}");
    for page in ["users", "tokens", "viewer", "second-factor", "audit"] {
        assert!(shots.join(format!("{page}.png")).is_file(), "no screenshot of {page}");
    }
}

/// Single sign-on against a real OpenID provider (`oidc-provider` from npm, run by Node on
/// loopback) in Chromium: see `tests/console/sso.mjs`.
#[test]
fn single_sign_on_makes_accounts_with_the_role_the_provider_gives() {
    use std::io::BufRead;
    let folder = scripts();
    let address = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    };
    let callback = format!("http://{address}/api/v1/sso/callback");
    let logs = tempfile::tempdir().unwrap();
    let mut provider = Command::new("node")
        .arg(folder.join("oidc-provider.mjs"))
        .args(["skopos", "provider-secret", &callback])
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(logs.path().join("oidc-provider.log")).unwrap())
        .spawn()
        .expect("node runs");
    let mut line = String::new();
    let mut stdout = std::io::BufReader::new(provider.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    // The provider writes to its standard output as it goes: keep reading it, or it fails.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let issuer = line.trim().strip_prefix("issuer ").unwrap_or_else(|| panic!("the provider said {line}")).to_string();
    let data = tempfile::tempdir().unwrap();
    let flags = [
        "--oidc-issuer",
        &issuer,
        "--oidc-client-id",
        "skopos",
        "--oidc-roles",
        "skopos-admins=admin,skopos-devs=editor",
    ];
    let agent = Agent::start_at(data.path(), &address, &flags, &[("SKOPOS_OIDC_CLIENT_SECRET", "provider-secret")]);
    let shots = shots();
    let output = Command::new("node").arg(folder.join("sso.mjs")).args([&agent.base, shots.to_str().unwrap()]).output();
    let _ = provider.kill();
    let _ = provider.wait();
    let output = output.expect("node runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    let provider_log = std::fs::read_to_string(logs.path().join("oidc-provider.log")).unwrap_or_default();
    assert!(output.status.success(), "the browser test failed:\n{stdout}\n{stderr}\nthe provider:\n{provider_log}");
    // The accounts were made at the first sign-in, with the provider's roles.
    let (_, users) = agent.api("GET", "/api/v1/users", None);
    let role =
        |name: &str| users["users"].as_array().unwrap().iter().find(|u| u["name"] == name).map(|u| u["role"].clone());
    assert_eq!(
        (role("olga"), role("dan"), role("eve")),
        (Some(json!("admin")), Some(json!("editor")), None),
        "{users}"
    );
    let (_, audit) = agent.api("GET", "/api/v1/audit?action=session.", None);
    let via_sso = audit["entries"].as_array().unwrap().iter().filter(|e| e["via"] == "single sign-on").count();
    assert_eq!(via_sso, 3, "{audit}");
    assert!(shots.join("sso-admin.png").is_file());
}

/// Degraded and down monitors, silences, windows and a heartbeat's ping URL through the
/// console: see `tests/console/operations.mjs`.
#[test]
fn the_console_shows_degraded_silences_a_monitor_adds_a_window_and_gives_a_ping_url() {
    let key = unique("console-ops");
    server().set_status(&key, 503);
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    let slow = json!({"name": "slow api", "steps": [{"request": {"url": format!("{}/slow/200", server().base())},
        "assert": [{"source": "latency", "op": "lt", "value": 50, "severity": "warn"}]}]});
    for collection in [crate::agent::collection("shop api", &format!("/switch/{key}")), slow] {
        assert_eq!(agent.api("POST", "/api/v1/collections", Some(collection)).0, 201);
    }
    for (name, collection) in [("shop", "shop api"), ("slow", "slow api")] {
        let monitor = json!({"name": name, "schedule": {"every": "1s"}, "collections": [collection]});
        assert_eq!(agent.api("POST", "/api/v1/monitors", Some(monitor)).0, 201);
    }
    let stdout = browser("operations.mjs", &[&agent.base, crate::agent::TOKEN]);
    let shots = shots();
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    // The ping URL shown in the browser works, and the window made there is stored.
    let ping = result["ping_url"].as_str().unwrap().strip_prefix(&agent.base).unwrap().to_string();
    assert_eq!(agent.call("GET", &ping, None, None).0, 200);
    let (_, window) = agent.api("GET", "/api/v1/windows/weekly%20upgrade", None);
    assert_eq!(window["spec"]["window"], json!({"cron": "0 2 * * SUN", "duration": "2h"}), "{window}");
    assert_eq!(window["spec"]["monitors"], json!(["slow"]));
    let (_, audit) = agent.api("GET", "/api/v1/audit", None);
    let actions: Vec<&str> = audit["entries"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    for action in ["silence.create", "silence.end", "window.create"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    for page in ["monitors-states", "maintenance", "heartbeat-ping-url"] {
        assert!(shots.join(format!("{page}.png")).is_file(), "no screenshot of {page}");
    }
}

/// The dashboard, a status page opened and resolved by a monitor with an update posted in the
/// console between, its accessibility in light and dark mode, and a report: see
/// `tests/console/status.mjs`.
#[test]
fn the_dashboard_lists_down_first_and_a_status_page_follows_an_incident_and_passes_axe() {
    let key = unique("console-status");
    server().set_status(&key, 503);
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    let search = crate::agent::collection("search api", &format!("/switch/{}", unique("console-search")));
    for collection in [crate::agent::collection("shop api", &format!("/switch/{key}")), search] {
        assert_eq!(agent.api("POST", "/api/v1/collections", Some(collection)).0, 201);
    }
    for (name, collection) in [("shop", "shop api"), ("search", "search api")] {
        let monitor = json!({"name": name, "tags": [name], "schedule": {"every": "1s"}, "collections": [collection]});
        assert_eq!(agent.api("POST", "/api/v1/monitors", Some(monitor)).0, 201);
    }
    let page = json!({"name": "Acme status", "status_page": {"slug": "acme", "show_latency": true,
        "groups": [{"name": "Checkout", "monitors": ["shop"]}, {"name": "Search", "tags": ["search"]}]}});
    assert_eq!(agent.api("POST", "/api/v1/status-pages", Some(page)).0, 201);
    let fixed = format!("{}/switch/{}", server().base(), unique("console-fixed"));
    browser("status.mjs", &[&agent.base, crate::agent::TOKEN, &fixed]);
    let (_, incidents) = agent.api("GET", "/api/v1/incidents?page=acme", None);
    let statuses: Vec<&str> =
        incidents[0]["updates"].as_array().unwrap().iter().filter_map(|u| u["status"].as_str()).collect();
    assert_eq!(statuses, ["investigating", "identified", "resolved"], "{incidents}");
    assert_eq!(incidents[0]["updates"][1]["by"], "admin", "the update posted in the console is the admin's");
    for shot in
        ["dashboard-light", "dashboard-dark", "status-page-light", "status-page-dark", "report-light", "report-dark"]
    {
        assert!(shots().join(format!("{shot}.png")).is_file(), "no screenshot {shot}");
    }
}
