//! Wasm plugins: the built-in ones (embedded in the binary), more from `--plugins DIR`, in
//! `skopos run` and in the agent; notifiers delivering real alerts to local receivers that
//! check each service's wire format, and email to a real SMTP server (aiosmtpd).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use hmac::{Hmac, Mac};
use serde_json::{Value, json};

use crate::agent::{Agent, collection, log_path, wait_until};
use crate::{Files, server, unique};

/// A folder with the test fixture `stem` from `plugins/fixtures` and its manifest.
pub fn fixture(dir: &Path, stem: &str, manifest: &str) {
    std::fs::copy(skopos_plugin_host::built_plugins().join(format!("{stem}.wasm")), dir.join(format!("{stem}.wasm")))
        .unwrap();
    std::fs::write(dir.join(format!("{stem}.yaml")), manifest).unwrap();
}

#[test]
fn built_in_and_added_assertion_plugins_judge_steps() {
    let files = Files::new();
    let plugins = files.path().join("plugins");
    std::fs::create_dir(&plugins).unwrap();
    fixture(&plugins, "misbehaving", "kind: assertion\nversion: 0.1.0\n");
    files.write(
        "token.yaml",
        &format!(
            "name: token\nsteps:\n  - request: {{ url: '{}/jwt/3600' }}\n    assert:\n      - {{ source: body, op: plugin, plugin: jwt-expiry, value: {{ from: body.access_token, min_valid_seconds: 60, claims: {{ iss: e2e }} }} }}\n      - {{ source: body, op: plugin, plugin: jwt-expiry, value: {{ from: body.access_token, min_valid_seconds: 7200 }} }}\n      - {{ source: body, op: plugin, plugin: json-schema, value: {{ schema: {{ required: [access_token], properties: {{ access_token: {{ type: string }} }} }} }} }}\n      - {{ source: body, op: plugin, plugin: misbehaving, value: loop }}\n",
            server().base()
        ),
    );
    let outcome = files.run(&["token.yaml", "--plugins", "plugins"], &[]);
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    assert!(
        outcome.stderr.contains("loaded assertion plugin `misbehaving` 0.1.0 from plugins/misbehaving.wasm"),
        "{}",
        outcome.stderr
    );
    let assertions = &outcome.step(0, 0)["assertions"];
    assert_eq!(assertions[0]["passed"], true, "{assertions}");
    assert_eq!(assertions[0]["actual"]["claims"]["iss"], "e2e");
    assert_eq!(assertions[1]["passed"], false);
    let message = assertions[1]["message"].as_str().unwrap();
    assert!(message.contains("wanted at least 7200 s"), "{message}");
    assert_eq!(assertions[2]["passed"], true, "{assertions}");
    assert_eq!(assertions[3]["message"], "plugin `misbehaving` failed: did not finish within 2000 ms");

    // Built-in plugins need no flag.
    let builtin = files.run(&["token.yaml"], &[]);
    assert_eq!(builtin.step(0, 0)["assertions"][0]["passed"], true, "{}", builtin.stderr);
    let missing = files.run(&["token.yaml", "--plugins", "no-such-folder"], &[]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
}

/// A plugin assertion's `value` is checked against the plugin's settings schema when the
/// file is validated, run or saved, not found wrong on every run afterwards.
#[test]
fn a_plugin_assertion_whose_value_the_plugin_refuses_is_refused_with_its_place() {
    let files = Files::new();
    let text = "name: schema-less\nsteps:\n  - request: { url: 'http://127.0.0.1:1/' }\n    assert:\n      - source: body\n        op: plugin\n        plugin: json-schema\n        value: { pointer: /a }\n      - { source: body, op: plugin, plugin: jsn-schema }\n";
    files.write("bad.yaml", text);
    for command in [vec!["validate", "bad.yaml"], vec!["run", "bad.yaml"]] {
        let outcome = files.skopos(&command.iter().map(|a| a.to_string()).collect::<Vec<_>>(), &[]);
        assert_eq!(outcome.code, 2, "{command:?}: {}", outcome.stderr);
        assert!(outcome.stderr.contains("bad.yaml:8:9"), "{command:?}: {}", outcome.stderr);
        assert!(outcome.stderr.contains("steps[0].assert[0].value"), "{}", outcome.stderr);
        assert!(outcome.stderr.contains("\"schema\" is a required property"), "{}", outcome.stderr);
        assert!(outcome.stderr.contains("bad.yaml:9:"), "{}", outcome.stderr);
        assert!(outcome.stderr.contains("did you mean `json-schema`?"), "{}", outcome.stderr);
    }
    let data = tempfile::tempdir().unwrap();
    let agent = crate::agent::Agent::start_with(data.path(), &[], &[]);
    let collection = serde_json::json!({"name": "schema-less", "steps": [{"request": {"url": "http://127.0.0.1:1/"},
        "assert": [{"source": "body", "op": "plugin", "plugin": "json-schema", "value": {"pointer": "/a"}}]}]});
    let (status, error) = agent.api("POST", "/api/v1/collections", Some(collection));
    assert_eq!(status, 422, "{error}");
    assert_eq!(error["field"], "steps[0].assert[0].value", "{error}");
    assert_eq!(agent.api("GET", "/api/v1/collections", None).1, serde_json::json!([]), "nothing was stored");
}

#[test]
fn the_agent_lists_its_plugins_and_a_folder_can_replace_a_built_in_one() {
    let data = tempfile::tempdir().unwrap();
    let plugins = tempfile::tempdir().unwrap();
    std::fs::copy(skopos_plugin_host::built_plugins().join("jwt_expiry.wasm"), plugins.path().join("jwt.wasm"))
        .unwrap();
    std::fs::write(plugins.path().join("jwt.yaml"), "kind: assertion\nversion: 0.1.0\n").unwrap();
    std::fs::write(plugins.path().join("orphan.wasm"), b"\0asm").unwrap();
    let agent = Agent::start_with(data.path(), &["--plugins", plugins.path().to_str().unwrap()], &[]);
    let collection = json!({"name": "token", "steps": [{"request": {"url": format!("{}/jwt/30", server().base())},
        "assert": [{"source": "body", "op": "plugin", "plugin": "jwt-expiry",
                    "value": {"from": "body.access_token", "min_valid_seconds": 300}}]}]});
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(collection)).0, 201);
    let (_, run) = agent.api("POST", "/api/v1/collections/token/run", None);
    let assertion = &run["report"]["steps"][0]["assertions"][0];
    assert_eq!(run["status"], "failed", "{run}");
    assert!(assertion["message"].as_str().unwrap().contains("wanted at least 300 s"), "{assertion}");
    let (status, listed) = agent.api("GET", "/api/v1/plugins", None);
    assert_eq!(status, 200);
    let names: Vec<&str> = listed["plugins"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    let notifiers = [
        "alertmanager",
        "discord",
        "email",
        "google-chat",
        "gotify",
        "grafana-oncall",
        "matrix",
        "mattermost",
        "ntfy",
        "opsgenie",
        "pagerduty",
        "pushover",
        "rocketchat",
        "slack",
        "splunk-oncall",
        "teams",
        "telegram",
        "twilio",
        "webex",
        "webhook",
        "zulip",
    ];
    let probes = ["dns", "postgres", "redis", "smtp", "tcp", "tls"];
    assert_eq!(names, [&["json-schema", "jwt-expiry"][..], &notifiers, &probes, &["javascript"]].concat());
    let jwt = &listed["plugins"][1];
    assert_eq!(jwt["source"], plugins.path().join("jwt.wasm").display().to_string(), "{listed}");
    assert_eq!(
        (jwt["kind"].as_str(), jwt["calls"].as_u64(), jwt["errors"].as_u64()),
        (Some("assertion"), Some(1), Some(0))
    );
    assert_eq!(jwt["config_schema"]["required"], json!(["from"]));
    let slack = listed["plugins"].as_array().unwrap().iter().find(|p| p["name"] == "slack").unwrap();
    assert_eq!(slack["capabilities"], json!({"http": ["hooks.slack.com"], "email": false}));

    // A monitor's notifier settings are checked against the plugin's config schema.
    let monitor =
        |notify: Value| json!({"name": "m", "schedule": {"every": "1m"}, "collections": ["token"], "notify": [notify]});
    let (status, error) = agent.api("POST", "/api/v1/monitors", Some(monitor(json!({"plugin": "slak", "config": {}}))));
    assert_eq!((status, error["field"].as_str()), (422, Some("notify[0].plugin")), "{error}");
    assert!(
        error["error"].as_str().unwrap().contains("no notifier plugin `slak` is loaded (did you mean `slack`?"),
        "{error}"
    );
    let bad_slack = json!({"plugin": "slack", "config": {"channel": 5, "webhook_url": "@{{env.SLACK}}", "icon": "x"}});
    let (status, error) = agent.api("POST", "/api/v1/monitors", Some(monitor(bad_slack)));
    assert_eq!(status, 422, "{error}");
    let problems: Vec<(&str, &str)> = error["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["field"].as_str().unwrap(), p["error"].as_str().unwrap()))
        .collect();
    assert_eq!(problems.len(), 2, "{error}");
    assert!(problems.iter().any(|(field, e)| *field == "notify[0].config" && e.contains("icon")), "{problems:?}");
    assert!(
        problems.iter().any(|(field, e)| *field == "notify[0].config.channel" && e.contains("not of type \"string\"")),
        "{problems:?}"
    );
    let good =
        json!({"plugin": "pagerduty", "config": {"routing_key": "@{{env.PD}}", "severity": "@{{env.SEVERITY}}"}});
    assert_eq!(agent.api("POST", "/api/v1/monitors", Some(monitor(good))).0, 201);

    let logged = std::fs::read_to_string(log_path(data.path())).unwrap();
    assert!(logged.contains("replacing the one from built-in"), "{logged}");
    assert!(logged.contains("orphan.wasm: no manifest"), "{logged}");
}

/// A real SMTP server (aiosmtpd) on loopback that requires STARTTLS with a self-signed
/// certificate; every message it gets is a JSON line on its stdout.
pub struct SmtpReceiver {
    child: Child,
    pub port: u16,
    lines: std::sync::mpsc::Receiver<Value>,
    /// The server's certificate (PEM), for `--smtp-ca-file`.
    certificate: tempfile::TempDir,
}

const SMTP_SERVER: &str = r#"
import asyncio, json, ssl, sys
from aiosmtpd.controller import Controller
class Print:
    async def handle_DATA(self, server, session, envelope):
        print(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos, "tls": bool(session.ssl),
                          "data": envelope.content.decode("utf-8", "replace")}), flush=True)
        return "250 OK"
context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(sys.argv[2], sys.argv[3])
controller = Controller(Print(), hostname="127.0.0.1", port=int(sys.argv[1]),
                        tls_context=context, require_starttls=True)
controller.start()
print(json.dumps({"ready": True}), flush=True)
sys.stdin.read()
controller.stop()
"#;

impl SmtpReceiver {
    pub fn start() -> SmtpReceiver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let certificate = tempfile::tempdir().unwrap();
        let signed = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
        let (cert, key) = (certificate.path().join("smtp.pem"), certificate.path().join("smtp.key"));
        std::fs::write(&cert, signed.cert.pem()).unwrap();
        std::fs::write(&key, signed.signing_key.serialize_pem()).unwrap();
        let mut child = Command::new("python3")
            .args(["-c", SMTP_SERVER, &port.to_string()])
            .args([&cert, &key])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let (send, lines) = std::sync::mpsc::channel();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = send.send(serde_json::from_str(&line).unwrap_or(Value::Null));
            }
        });
        let ready = lines.recv_timeout(std::time::Duration::from_secs(20));
        assert!(
            ready.is_ok_and(|line| line["ready"] == true),
            "the SMTP receiver did not start (is aiosmtpd installed? python3 -m pip install aiosmtpd)"
        );
        SmtpReceiver { child, port, lines, certificate }
    }

    fn next(&self) -> Value {
        self.lines.recv_timeout(std::time::Duration::from_secs(15)).expect("an email")
    }
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn notifiers_send_each_service_its_own_format_once_on_failing_and_once_on_recovery() {
    const SECRET: &str = "hook-signing-secret";
    let key = unique("notifiers");
    let hook = |service: &str| format!("{}/hook/{key}-{service}", server().base());
    let smtp = SmtpReceiver::start();
    server().set_status(&key, 503);
    let data = tempfile::tempdir().unwrap();
    let smtp_url = format!("smtp://127.0.0.1:{}?tls=required", smtp.port);
    let ca = smtp.certificate.path().join("smtp.pem").display().to_string();
    let flags = [
        "--smtp-url",
        &smtp_url,
        "--smtp-ca-file",
        &ca,
        "--smtp-from",
        "Skopos <alerts@skopos.test>",
        "--public-url",
        "https://skopos.test",
    ];
    let agent = Agent::start_with(data.path(), &flags, &[("HOOK_SECRET", SECRET), ("PD_KEY", "R0UT1NG")]);
    assert_eq!(
        agent.api("POST", "/api/v1/collections", Some(collection("orders api", &format!("/switch/{key}")))).0,
        201
    );
    let monitor = json!({
        "name": "orders", "schedule": {"every": "1s"}, "collections": ["orders api"], "alert_after": 2,
        "notify": [
            {"plugin": "slack", "config": {"webhook_url": hook("slack")}},
            {"plugin": "pagerduty", "config": {"routing_key": "@{{env.PD_KEY}}", "url": hook("pagerduty"), "severity": "error"}},
            {"plugin": "discord", "config": {"webhook_url": hook("discord")}},
            {"plugin": "teams", "config": {"webhook_url": hook("teams")}},
            {"plugin": "webhook", "config": {"url": hook("webhook"), "secret": "@{{env.HOOK_SECRET}}"}},
            {"plugin": "email", "config": {"to": ["oncall@example.test"]}},
        ]
    });
    assert_eq!(agent.api("POST", "/api/v1/monitors", Some(monitor)).0, 201);
    let received = |service: &str| server().received(&format!("{key}-{service}"));
    wait_until("every failing alert", || {
        ["slack", "pagerduty", "discord", "teams", "webhook"].iter().all(|s| !received(s).is_empty())
    });
    let mail = smtp.next();

    let slack = &received("slack")[0].body;
    assert!(
        slack["text"].as_str().unwrap().starts_with("[FAILING] orders / orders api is failing: step 1 'get'"),
        "{slack}"
    );
    assert_eq!(slack["blocks"][0]["type"], "header");
    assert_eq!(slack["blocks"][0]["text"]["text"], ":red_circle: FAILING: orders / orders api");
    assert_eq!(slack["blocks"][1]["text"]["text"], "*Step step 1 'get'*\n• `status`: expected `200`, got `503`");
    let context = slack["blocks"][2]["elements"][0]["text"].as_str().unwrap();
    assert!(context.contains("<https://skopos.test/api/v1/runs/"), "{context}");

    let pagerduty = &received("pagerduty")[0].body;
    let dedup_key = pagerduty["dedup_key"].as_str().unwrap().to_string();
    assert!(dedup_key.starts_with("skopos/"), "{pagerduty}");
    assert_eq!(
        (pagerduty["event_action"].as_str(), pagerduty["routing_key"].as_str()),
        (Some("trigger"), Some("R0UT1NG"))
    );
    assert_eq!(pagerduty["payload"]["severity"], "error");
    assert_eq!(pagerduty["payload"]["component"], "orders api");
    assert_eq!(pagerduty["payload"]["group"], "orders");
    assert!(pagerduty["payload"]["summary"].as_str().unwrap().starts_with("orders / orders api is failing"));
    assert_eq!(pagerduty["payload"]["custom_details"]["assertions"][0]["actual"], "503");
    assert!(pagerduty["links"][0]["href"].as_str().unwrap().starts_with("https://skopos.test/api/v1/runs/"));

    let discord = &received("discord")[0].body;
    assert_eq!(discord["embeds"][0]["color"], 0xE01E5A);
    assert_eq!(discord["embeds"][0]["title"], "FAILING: orders / orders api");
    assert_eq!(discord["allowed_mentions"], json!({"parse": []}));
    assert!(discord["content"].as_str().unwrap().starts_with("[FAILING]"));

    let teams = &received("teams")[0].body;
    assert_eq!(teams["type"], "message");
    let card = &teams["attachments"][0];
    assert_eq!(card["contentType"], "application/vnd.microsoft.card.adaptive");
    assert_eq!(card["content"]["type"], "AdaptiveCard");
    assert_eq!(card["content"]["body"][0]["color"], "Attention");
    assert_eq!(card["content"]["body"][2]["facts"][2], json!({"title": "Step", "value": "step 1 'get'"}));

    let webhook = &received("webhook")[0];
    assert_eq!(webhook.body["transition"], "failing");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(&webhook.raw);
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(webhook.headers["x-skopos-signature"], format!("sha256={expected}"));

    assert_eq!(mail["to"], json!(["oncall@example.test"]));
    assert_eq!(mail["tls"], true, "the mail was not sent over STARTTLS");
    assert_eq!(mail["from"], "alerts@skopos.test");
    let data_text = mail["data"].as_str().unwrap();
    assert!(data_text.contains("Subject: [Skopos] FAILING: orders / orders api"), "{data_text}");
    assert!(data_text.contains("status: expected 200, got 503"), "{data_text}");

    // Later failures alert nobody again; the recovery is one resolve for each.
    let runs = |status: &str| {
        agent.api("GET", &format!("/api/v1/runs?monitor=orders&status={status}&limit=1000"), None).1["runs"]
            .as_array()
            .unwrap()
            .len()
    };
    let failed = runs("failed");
    wait_until("two more failed runs", || runs("failed") >= failed + 2);
    server().set_status(&key, 200);
    wait_until("every recovery", || {
        ["slack", "pagerduty", "discord", "teams", "webhook"].iter().all(|s| received(s).len() >= 2)
    });
    let recovery_mail = smtp.next();
    wait_until("a passing run after the recovery", || runs("passed") >= 3);
    for service in ["slack", "pagerduty", "discord", "teams", "webhook"] {
        assert_eq!(received(service).len(), 2, "{service}: {:?}", received(service));
    }
    assert!(smtp.lines.try_recv().is_err(), "a third email");
    let resolve = &received("pagerduty")[1].body;
    assert_eq!(resolve, &json!({"routing_key": "R0UT1NG", "event_action": "resolve", "dedup_key": dedup_key}));
    assert_eq!(
        received("slack")[1].body["blocks"][0]["text"]["text"],
        ":large_green_circle: RECOVERED: orders / orders api"
    );
    assert_eq!(received("discord")[1].body["embeds"][0]["color"], 0x2EB67D);
    assert!(recovery_mail["data"].as_str().unwrap().contains("Subject: [Skopos] RECOVERED: orders / orders api"));

    let (_, log) = agent.api("GET", "/api/v1/notifications?monitor=orders&limit=100", None);
    let delivered = log["notifications"].as_array().unwrap().iter().filter(|n| n["delivery"] == "delivered").count();
    assert_eq!(delivered, 12, "{log}");
    let logged = std::fs::read_to_string(log_path(data.path())).unwrap();
    assert!(!logged.contains(SECRET) && !logged.contains("R0UT1NG"), "{logged}");
}

#[test]
fn a_hostile_notifier_is_refused_and_the_agent_carries_on() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let data = tempfile::tempdir().unwrap();
    let plugins = tempfile::tempdir().unwrap();
    fixture(plugins.path(), "rogue_notifier", "kind: notifier\nversion: 0.1.0\ncapabilities: { http: [] }\n");
    let agent = Agent::start_with(data.path(), &["--plugins", plugins.path().to_str().unwrap()], &[]);
    let key = unique("rogue");
    server().set_status(&key, 500);
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(collection("down", &format!("/switch/{key}")))).0, 201);
    let target = format!("http://{}/exfiltrate", listener.local_addr().unwrap());
    let monitor = json!({
        "name": "rogue", "schedule": {"every": "1s"}, "collections": ["down"],
        "notify": [
            {"plugin": "rogue", "config": {"try": "fetch", "target": target}},
            {"plugin": "rogue", "config": {"try": "file"}},
            {"plugin": "rogue", "config": {"try": "env"}},
            {"plugin": "rogue", "config": {"try": "email"}},
        ]
    });
    assert_eq!(agent.api("POST", "/api/v1/monitors", Some(monitor)).0, 201);
    let log = || {
        agent.api("GET", "/api/v1/notifications?monitor=rogue&limit=10", None).1["notifications"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    wait_until("four deliveries", || log().len() >= 4);
    let mut errors: Vec<String> =
        log().iter().map(|n| n["error"].as_str().unwrap_or("delivered").to_string()).collect();
    errors.sort();
    assert!(errors[0].starts_with("cannot read /etc/passwd"), "{errors:?}");
    assert_eq!(errors[1], "environment: 0 variables []");
    assert!(errors[2].contains("/exfiltrate: refused by the host"), "{errors:?}");
    assert_eq!(errors[3], "this plugin's manifest does not grant the `email` capability");
    assert!(listener.accept().is_err(), "the plugin reached a host it was not granted");
    assert_eq!(agent.call("GET", "/healthz", None, None).0, 200);
    let (_, listed) = agent.api("GET", "/api/v1/plugins", None);
    let rogue = listed["plugins"].as_array().unwrap().iter().find(|p| p["name"] == "rogue").unwrap().clone();
    assert_eq!((rogue["calls"].as_u64(), rogue["errors"].as_u64()), (Some(4), Some(4)), "{rogue}");
}

#[test]
fn skopos_plugin_test_tries_a_plugin_before_a_monitor_depends_on_it() {
    let files = Files::new();
    let key = unique("plugin-test");
    let config = format!(r#"{{"url": "{}/hook/{key}", "secret": "@{{{{env.SIGNING}}}}"}}"#, server().base());
    let args = |list: &[&str]| list.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let sent = files.skopos(&args(&["plugin", "test", "webhook", "--config", &config]), &[("SIGNING", "s3cret")]);
    assert_eq!(sent.code, 0, "{}{}", sent.stdout, sent.stderr);
    assert_eq!(
        sent.stdout,
        "delivered: sample monitor / checkout is failing: step 2 'pay': status: expected 200, got 503\n"
    );
    let received = server().received(&key);
    assert_eq!(received.len(), 1);
    assert!(received[0].headers["x-skopos-signature"].starts_with("sha256="));
    assert_eq!(received[0].body["failure"]["assertions"][0]["actual"], 503);

    fixture(files.path(), "rogue_notifier", "kind: notifier\nversion: 0.1.0\n");
    let refused = files.skopos(&args(&["plugin", "test", "rogue_notifier.wasm", "--config", r#"{"try": "env"}"#]), &[]);
    assert_eq!((refused.code, refused.stdout.as_str()), (1, "not delivered: environment: 0 variables []\n"));
    let no_http = files.skopos(
        &args(&[
            "plugin",
            "test",
            "rogue_notifier.wasm",
            "--config",
            &format!(r#"{{"try": "fetch", "target": "{}/"}}"#, server().base()),
        ]),
        &[],
    );
    assert!(no_http.stdout.contains("refused by the host"), "{}", no_http.stdout);

    files.write("response.json", r#"{"status": 200, "body": {"id": "seven"}}"#);
    let schema = r#"{"schema": {"properties": {"id": {"type": "integer"}}}}"#;
    let judged =
        files.skopos(&args(&["plugin", "test", "json-schema", "--response", "response.json", "--value", schema]), &[]);
    assert_eq!(
        (judged.code, judged.stdout.as_str()),
        (1, "failed: /id: \"seven\" is not of type \"integer\" (actual: \"1 error\")\n")
    );

    std::fs::copy(files.path().join("rogue_notifier.wasm"), files.path().join("bare.wasm")).unwrap();
    let bare = files.skopos(&args(&["plugin", "test", "bare.wasm"]), &[]);
    assert_eq!(bare.code, 2);
    assert!(bare.stderr.contains("bare.yaml") && bare.stderr.contains("manifest"), "{}", bare.stderr);
    let unknown = files.skopos(&args(&["plugin", "test", "slak"]), &[]);
    assert!(unknown.stderr.contains("no built-in plugin named `slak`"), "{}", unknown.stderr);

    let listed = files.skopos(&args(&["plugin", "list"]), &[]);
    assert!(
        listed.stdout.lines().any(|l| l.starts_with("pagerduty") && l.contains("events.pagerduty.com")),
        "{}",
        listed.stdout
    );
}
