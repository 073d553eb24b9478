//! The notifiers for chat, paging and push services, each against a local stand-in for its
//! service that records the exact request (method, path, headers, body) its public API
//! documents; message templates; and the `alertmanager` notifier against the real Prometheus
//! Alertmanager from Debian, with two agents running the same monitor.

use std::collections::HashMap;

use base64::Engine;
use serde_json::{Value, json};

use crate::agent::{Agent, collection, wait_until};
use crate::server::Received;
use crate::{server, unique};

mod alertmanager;

/// `a=1&b=2` as a map.
fn form(received: &Received) -> HashMap<String, String> {
    url::form_urlencoded::parse(&received.raw).into_owned().collect()
}

fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

/// Every notifier's `notify` entry, each sending to its own stand-in under `/provider/KEY-NAME`.
fn entries(provider: &dyn Fn(&str) -> String) -> Value {
    json!([
        {"plugin": "alertmanager", "config": {"url": provider("alertmanager"), "labels": {"team": "payments"}}},
        {"plugin": "opsgenie", "config": {"api_key": "@{{env.GENIE_KEY}}", "url": provider("opsgenie")}},
        {"plugin": "splunk-oncall", "config": {"api_key": "vo-key", "routing_key": "checkout", "url": provider("splunk-oncall")}},
        {"plugin": "grafana-oncall", "config": {"webhook_url": format!("{}/integrations/v1/formatted_webhook/T0K/", provider("grafana-oncall"))}},
        {"plugin": "telegram", "config": {"bot_token": "@{{env.TELEGRAM_TOKEN}}", "chat_id": -100123, "url": provider("telegram")},
         "template": {"title": "{{ state }} {{ monitor }}",
                      "text": "{{ collection }} {% if failure %}broke at {{ failure.step }}{% else %}is back{% endif %} #{{ tags | join(' #') }}"}},
        {"plugin": "google-chat", "config": {"webhook_url": format!("{}/v1/spaces/AAA/messages?key=K&token=T", provider("google-chat"))}},
        {"plugin": "mattermost", "config": {"webhook_url": format!("{}/hooks/xyz", provider("mattermost")), "channel": "ops"}},
        {"plugin": "rocketchat", "config": {"webhook_url": format!("{}/hooks/abc/def", provider("rocketchat"))}},
        {"plugin": "zulip", "config": {"url": provider("zulip"), "email": "bot@zulip.test", "api_key": "zk", "stream": "alerts"}},
        {"plugin": "matrix", "config": {"url": provider("matrix"), "access_token": "mx-token", "room_id": "!ops:example.org"}},
        {"plugin": "ntfy", "config": {"url": provider("ntfy"), "topic": "checkout", "token": "tk_ntfy"}},
        {"plugin": "gotify", "config": {"url": provider("gotify"), "token": "g0tify"},
         // Renders for the samples at save time, fails for this agent's alert (it has no
         // region): the default text goes out instead.
         "template": {"title": "{{ region | length }} chars"}},
        {"plugin": "pushover", "config": {"url": provider("pushover"), "token": "app-token", "user": "user-key"}},
        {"plugin": "twilio", "config": {"url": provider("twilio"), "account_sid": "AC123", "auth_token": "@{{env.TWILIO_TOKEN}}",
                                        "from": "+15005550006", "to": ["+15551230001", "+15551230002"]}},
        {"plugin": "webex", "config": {"url": provider("webex"), "access_token": "wx-token", "room_id": "Y2lzY29"}},
    ])
}

/// What each stand-in should have received per transition (Twilio: one SMS per number).
const EXPECTED: [(&str, usize); 15] = [
    ("alertmanager", 1),
    ("opsgenie", 1),
    ("splunk-oncall", 1),
    ("grafana-oncall", 1),
    ("telegram", 1),
    ("google-chat", 1),
    ("mattermost", 1),
    ("rocketchat", 1),
    ("zulip", 1),
    ("matrix", 1),
    ("ntfy", 1),
    ("gotify", 1),
    ("pushover", 1),
    ("twilio", 2),
    ("webex", 1),
];

#[test]
fn every_notifier_sends_its_services_own_request_once_on_failing_and_once_on_recovery() {
    let key = unique("providers");
    let provider = |name: &str| format!("{}/provider/{key}-{name}", server().base());
    server().set_status(&key, 503);
    let data = tempfile::tempdir().unwrap();
    let env = [("GENIE_KEY", "genie-secret"), ("TELEGRAM_TOKEN", "7:tg"), ("TWILIO_TOKEN", "tw-secret")];
    let agent = Agent::start_with(data.path(), &["--public-url", "https://skopos.test"], &env);
    assert_eq!(
        agent.api("POST", "/api/v1/collections", Some(collection("orders api", &format!("/switch/{key}")))).0,
        201
    );
    let monitor = json!({"name": "orders", "tags": ["checkout", "tier-1"], "schedule": {"every": "1s"},
                         "collections": ["orders api"], "alert_after": 2, "notify": entries(&provider)});
    let (status, body) = agent.api("POST", "/api/v1/monitors", Some(monitor));
    assert_eq!(status, 201, "{body}");
    let received = |name: &str| server().received(&format!("{key}-{name}"));
    let all_at = |per: usize| EXPECTED.iter().all(|(name, n)| received(name).len() >= n * per);
    wait_until("every failing alert", || all_at(1));
    server().set_status(&key, 200);
    wait_until("every recovery", || all_at(2));
    std::thread::sleep(std::time::Duration::from_millis(1500));
    for (name, n) in EXPECTED {
        assert_eq!(received(name).len(), 2 * n, "{name}: {:#?}", received(name));
    }
    let first = |name: &str| received(name)[0].clone();
    let last = |name: &str| received(name).last().unwrap().clone();

    // Alertmanager v2: the labels name the check, not the agent; `endsAt` resolves it.
    let (fired, resolved) = (first("alertmanager"), last("alertmanager"));
    assert_eq!((fired.method.as_str(), fired.path.as_str()), ("POST", "/api/v2/alerts"));
    let labels = json!({"alertname": "SkoposCheckFailing", "monitor": "orders", "collection": "orders api",
                        "severity": "critical", "tag_checkout": "true", "tag_tier_1": "true", "team": "payments"});
    assert_eq!(fired.body[0]["labels"], labels);
    assert!(fired.body[0].get("endsAt").is_none() && fired.body[0]["startsAt"].is_string(), "{}", fired.body);
    assert!(fired.body[0]["generatorURL"].as_str().unwrap().starts_with("https://skopos.test/api/v1/runs/"));
    assert_eq!(resolved.body[0]["labels"], labels);
    assert!(resolved.body[0]["endsAt"].is_string(), "{}", resolved.body);

    // Opsgenie: create with an alias, close by that alias.
    let (created, closed) = (first("opsgenie"), last("opsgenie"));
    assert_eq!(
        (created.path.as_str(), created.headers["authorization"].as_str()),
        ("/v2/alerts", "GenieKey genie-secret")
    );
    let alias = created.body["alias"].as_str().unwrap();
    assert!(alias.starts_with("skopos/"), "{}", created.body);
    assert_eq!(created.body["message"], "FAILING: orders / orders api");
    assert_eq!(
        (created.body["priority"].as_str(), &created.body["tags"]),
        (Some("P1"), &json!(["checkout", "tier-1"]))
    );
    assert_eq!(closed.path, format!("/v2/alerts/{}/close?identifierType=alias", alias.replace('/', "%2F")));
    assert_eq!(closed.headers["authorization"], "GenieKey genie-secret");

    // Splunk On-Call: CRITICAL then RECOVERY for one entity.
    let (critical, recovery) = (first("splunk-oncall"), last("splunk-oncall"));
    assert_eq!(critical.path, "/integrations/generic/20131114/alert/vo-key/checkout");
    assert_eq!(
        (critical.body["message_type"].as_str(), recovery.body["message_type"].as_str()),
        (Some("CRITICAL"), Some("RECOVERY"))
    );
    assert_eq!(critical.body["entity_id"], recovery.body["entity_id"]);
    assert!(critical.body["state_message"].as_str().unwrap().starts_with("orders / orders api is failing"));

    // Grafana OnCall: one alert group, alerting then ok.
    let (alerting, ok) = (first("grafana-oncall"), last("grafana-oncall"));
    assert_eq!(alerting.path, "/integrations/v1/formatted_webhook/T0K/");
    assert_eq!((alerting.body["state"].as_str(), ok.body["state"].as_str()), (Some("alerting"), Some("ok")));
    assert_eq!(alerting.body["alert_uid"], ok.body["alert_uid"]);

    // Telegram, with the entry's template.
    let (sent, back) = (first("telegram"), last("telegram"));
    assert_eq!((sent.method.as_str(), sent.path.as_str()), ("POST", "/bot7:tg/sendMessage"));
    assert_eq!(sent.body["chat_id"], -100123);
    assert!(
        sent.body["text"]
            .as_str()
            .unwrap()
            .starts_with("FAILING orders\norders api broke at step 1 'get' #checkout #tier-1"),
        "{}",
        sent.body
    );
    assert!(back.body["text"].as_str().unwrap().starts_with("RECOVERED orders\norders api is back"), "{}", back.body);

    // Google Chat: the webhook's own query kept, one thread per check.
    let (message, reply) = (first("google-chat"), last("google-chat"));
    assert_eq!(
        message.path,
        "/v1/spaces/AAA/messages?key=K&token=T&messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"
    );
    assert_eq!(message.headers["content-type"], "application/json; charset=UTF-8");
    assert!(message.body["text"].as_str().unwrap().starts_with("*FAILING: orders / orders api*\n"));
    assert_eq!(message.body["thread"]["threadKey"], reply.body["thread"]["threadKey"]);

    // Mattermost and Rocket.Chat: attachments coloured by state.
    for chat in ["mattermost", "rocketchat"] {
        let (failing, recovered) = (first(chat), last(chat));
        assert_eq!(failing.body["attachments"][0]["color"], "#E01E5A", "{chat}");
        assert_eq!(recovered.body["attachments"][0]["color"], "#2EB67D", "{chat}");
        assert_eq!(failing.body["attachments"][0]["title"], "FAILING: orders / orders api", "{chat}");
        assert!(
            failing.body["text"].as_str().unwrap().starts_with("[FAILING] orders / orders api is failing"),
            "{chat}"
        );
    }
    assert_eq!(first("mattermost").body["channel"], "ops");
    assert_eq!(first("mattermost").path, "/hooks/xyz");

    // Zulip: a form, HTTP Basic with the bot's email and key.
    let zulip = first("zulip");
    assert_eq!(
        (zulip.path.as_str(), zulip.headers["content-type"].as_str()),
        ("/api/v1/messages", "application/x-www-form-urlencoded")
    );
    assert_eq!(zulip.headers["authorization"], basic("bot@zulip.test", "zk"));
    let fields = form(&zulip);
    assert_eq!(
        (fields["type"].as_str(), fields["to"].as_str(), fields["topic"].as_str()),
        ("stream", "alerts", "orders / orders api")
    );
    assert!(fields["content"].starts_with("**FAILING: orders / orders api**\n"), "{fields:?}");

    // Matrix: PUT with a transaction id per alert.
    let (event, recovered) = (first("matrix"), last("matrix"));
    assert_eq!(event.method, "PUT");
    assert!(
        event.path.starts_with("/_matrix/client/v3/rooms/%21ops%3Aexample.org/send/m.room.message/skopos"),
        "{}",
        event.path
    );
    assert_ne!(event.path, recovered.path);
    assert_eq!(event.headers["authorization"], "Bearer mx-token");
    assert_eq!(
        (event.body["msgtype"].as_str(), event.body["format"].as_str()),
        (Some("m.text"), Some("org.matrix.custom.html"))
    );
    assert!(event.body["formatted_body"].as_str().unwrap().starts_with("<b>FAILING: orders / orders api</b>"));

    // ntfy: JSON publishing at the server's root.
    let (push, done) = (first("ntfy"), last("ntfy"));
    assert_eq!((push.path.as_str(), push.headers["authorization"].as_str()), ("", "Bearer tk_ntfy"));
    assert_eq!(
        (push.body["topic"].as_str(), push.body["priority"].as_i64(), done.body["priority"].as_i64()),
        (Some("checkout"), Some(5), Some(3))
    );
    assert!(push.body["click"].as_str().unwrap().starts_with("https://skopos.test/"));

    // Gotify: the template failed for this alert, so its default title went out.
    let gotify = first("gotify");
    assert_eq!((gotify.path.as_str(), gotify.headers["x-gotify-key"].as_str()), ("/message", "g0tify"));
    assert_eq!(
        (gotify.body["title"].as_str(), gotify.body["priority"].as_i64()),
        (Some("FAILING: orders / orders api"), Some(8))
    );

    // Pushover and Twilio: forms.
    let pushover = form(&first("pushover"));
    assert_eq!(first("pushover").path, "/1/messages.json");
    assert_eq!(
        (pushover["token"].as_str(), pushover["user"].as_str(), pushover["priority"].as_str()),
        ("app-token", "user-key", "1")
    );
    assert_eq!(form(&last("pushover"))["priority"], "0");
    let sms: Vec<HashMap<String, String>> = received("twilio").iter().map(form).collect();
    assert_eq!(received("twilio")[0].path, "/2010-04-01/Accounts/AC123/Messages.json");
    assert_eq!(received("twilio")[0].headers["authorization"], basic("AC123", "tw-secret"));
    let numbers: Vec<&str> = sms.iter().map(|fields| fields["To"].as_str()).collect();
    assert_eq!(numbers, ["+15551230001", "+15551230002", "+15551230001", "+15551230002"]);
    assert!(sms[0]["Body"].starts_with("[FAILING] orders / orders api") && sms[0]["From"] == "+15005550006");

    // Webex: markdown with a text fallback.
    let webex = first("webex");
    assert_eq!((webex.path.as_str(), webex.headers["authorization"].as_str()), ("/v1/messages", "Bearer wx-token"));
    assert_eq!(webex.body["roomId"], "Y2lzY29");
    assert!(webex.body["markdown"].as_str().unwrap().starts_with("**FAILING: orders / orders api**"));

    // Every delivery is logged as delivered; the failed template is recorded beside it.
    let (_, log) = agent.api("GET", "/api/v1/notifications?monitor=orders&limit=100", None);
    let notifications = log["notifications"].as_array().unwrap();
    assert_eq!(notifications.iter().filter(|n| n["delivery"] == "delivered").count(), 30, "{log}");
    let gotify_log: Vec<&Value> = notifications.iter().filter(|n| n["notifier"] == "gotify").collect();
    assert!(
        gotify_log.iter().all(|n| n["template_error"].as_str().unwrap().contains("title: line 1")),
        "{gotify_log:?}"
    );
}

#[test]
fn a_template_error_is_refused_with_its_line_when_the_monitor_is_saved() {
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(collection("shop", "/final"))).0, 201);
    let monitor = json!({"name": "shop", "schedule": {"every": "1m"}, "collections": ["shop"],
                         "notify": [{"plugin": "slack", "config": {"webhook_url": "https://hooks.slack.com/x"},
                                     "template": {"text": "{{ monitor }} is down\n{{ monitr }}"}}]});
    let (status, body) = agent.api("POST", "/api/v1/monitors", Some(monitor));
    assert_eq!(status, 422, "{body}");
    let text = body.to_string();
    assert!(text.contains("notify[0].template.text") && text.contains("line 2 of the template"), "{text}");
}

/// `skopos plugin new notifier NAME` writes a crate that builds, and whose own test delivers
/// a sample alert through `skopos plugin test` to a local receiver.
#[test]
fn a_new_notifier_crate_builds_and_its_own_test_passes() {
    let dir = tempfile::tempdir().unwrap();
    let skopos = env!("CARGO_BIN_EXE_skopos");
    let made = std::process::Command::new(skopos)
        .args(["plugin", "new", "notifier", "chat-ops", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let lib = std::fs::read_to_string(dir.path().join("chat-ops/src/lib.rs")).unwrap();
    assert!(lib.lines().count() < 50, "{lib}");
    let tested = std::process::Command::new(env!("CARGO"))
        .arg("test")
        .current_dir(dir.path().join("chat-ops"))
        .env("SKOPOS", skopos)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    let output = String::from_utf8_lossy(&tested.stdout) + String::from_utf8_lossy(&tested.stderr);
    assert!(tested.status.success(), "{output}");
    assert!(output.contains("test a_sample_alert_reaches_the_receiver ... ok"), "{output}");
}
