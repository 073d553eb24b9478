//! Teams: `skopos user` and `skopos token` against a real agent, tokens scoped to roles used
//! by `skopos apply`, and a follower that sends its runs with a follower token bound to its
//! region.

use serde_json::{Value, json};

use crate::agent::{Agent, TOKEN, collection, runs, wait_until};
use crate::{Files, Outcome, server, unique};

fn skopos(files: &Files, args: &[&str], token: &str) -> Outcome {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    files.skopos(&args, &[("SKOPOS_TOKEN", token)])
}

#[test]
fn skopos_user_and_token_manage_accounts_and_scoped_tokens_through_the_agent() {
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start(data.path());
    let files = Files::new();
    let base = agent.base.as_str();

    // A person: added with a one-time link, which sets a password once.
    let added = skopos(&files, &["user", "add", "alice", "--role", "editor", "--server", base], TOKEN);
    assert_eq!(added.code, 0, "{}", added.stderr);
    let link = added.stdout.trim();
    let code = link.strip_prefix(&format!("{base}/#/invite/")).unwrap_or_else(|| panic!("a link: {link}"));
    let password = json!({"password": "alice's long password"});
    assert_eq!(agent.call("POST", &format!("/api/v1/invites/{code}"), None, Some(password.clone())).0, 200);
    assert_eq!(agent.call("POST", &format!("/api/v1/invites/{code}"), None, Some(password)).0, 422, "used up");
    let sign_in = |user: &str, password: &str| {
        agent.call("POST", "/api/v1/session", None, Some(json!({"user": user, "password": password})))
    };
    assert_eq!(sign_in("alice", "alice's long password").0, 200);
    let (wrong, wrong_reply) = sign_in("alice", "not alice's password");
    let (unknown, unknown_reply) = sign_in("mallory", "alice's long password");
    assert_eq!((wrong, unknown), (401, 401));
    assert_eq!(wrong_reply, unknown_reply, "a wrong user reads as a wrong password");

    // Tokens scoped to roles, used by `skopos apply`.
    let token = |name: &str, role: &str| {
        let made = skopos(
            &files,
            &["token", "create", "--name", name, "--role", role, "--expires", "1h", "--server", base],
            TOKEN,
        );
        assert_eq!(made.code, 0, "{}", made.stderr);
        made.stdout.trim().to_string()
    };
    let (ci, dashboard) = (token("ci", "runner"), token("dashboard", "viewer"));
    files.write("health.yaml", &format!("name: health\nsteps:\n  - request: {{ url: '{}/final' }}\n", server().base()));
    let apply = |token: &str| skopos(&files, &["apply", "health.yaml", "--server", base], token);
    let applied = apply(&ci);
    assert_eq!(applied.code, 0, "{}", applied.stderr);
    let refused = apply(&dashboard);
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("the viewer role lacks the `apply` permission"), "{}", refused.stderr);
    assert_eq!(agent.call("GET", "/api/v1/collections", Some(&dashboard), None).0, 200, "a viewer reads");

    // Listed with their owner, revoked at once.
    let listed = skopos(&files, &["token", "list", "--server", base], TOKEN);
    let ci_line =
        listed.stdout.lines().find(|line| line.contains(" ci ")).unwrap_or_else(|| panic!("{}", listed.stdout));
    assert!(ci_line.contains("runner") && ci_line.contains("admin"), "{ci_line}");
    let id = ci_line.split_whitespace().next().unwrap();
    assert_eq!(skopos(&files, &["token", "revoke", id, "--server", base], TOKEN).code, 0);
    assert_eq!(agent.call("GET", "/api/v1/collections", Some(&ci), None).0, 401);

    // Disabled: alice can no longer sign in; listed as disabled.
    assert_eq!(skopos(&files, &["user", "disable", "alice", "--server", base], TOKEN).code, 0);
    assert_eq!(sign_in("alice", "alice's long password").0, 401);
    let users = skopos(&files, &["user", "list", "--server", base], TOKEN);
    assert!(users.stdout.lines().any(|l| l.starts_with("alice") && l.ends_with("disabled")), "{}", users.stdout);
    // Only an admin manages people.
    let denied = skopos(&files, &["user", "add", "bob", "--role", "viewer", "--server", base], &dashboard);
    assert!(denied.stderr.contains("lacks the `manage_access` permission"), "{}", denied.stderr);

    // Each of those is in the audit log: who, how, from where, what; never a secret.
    let (status, audit) = agent.api("GET", "/api/v1/audit?limit=100", None);
    assert_eq!(status, 200, "{audit}");
    let entries = audit["entries"].as_array().unwrap();
    let find = |action: &str, target: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action && e["target"].as_str().unwrap_or("").starts_with(target))
            .unwrap_or_else(|| panic!("no {action} {target} in {audit}"))
    };
    assert_eq!(find("user.add", "alice")["via"], "bootstrap token");
    assert_eq!(find("user.set_password", "alice")["via"], "one-time link");
    let failed = find("session.sign_in_failed", "");
    assert!(entries.iter().any(|e| e["action"] == "session.sign_in_failed" && e["user"] == "mallory"), "{audit}");
    assert_eq!(failed["from"], "127.0.0.1");
    let created = find("collection.create", "health");
    assert_eq!((created["via"].as_str(), created["after"]["name"].as_str()), (Some("token ci"), Some("health")));
    assert_eq!(find("user.disable", "alice")["before"]["disabled"], false);
    find("token.create", "ci");
    find("token.revoke", "ci");
    for secret in [ci.as_str(), dashboard.as_str(), "alice's long password", code] {
        assert!(!audit.to_string().contains(secret), "a secret in the audit log");
    }
    let (status, refused) = agent.call("GET", "/api/v1/audit", Some(&dashboard), None);
    assert_eq!((status, refused["permission"].as_str()), (403, Some("read_audit")));
}

#[test]
fn a_follower_sends_its_runs_with_a_follower_token_bound_to_its_region() {
    let key = unique("follower-token");
    let (primary_data, eu_data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let primary = Agent::start_with(primary_data.path(), &["--region", "hq"], &[]);
    let body = json!({"name": "eu-agent", "role": "follower", "region": "eu"});
    let (status, made) = primary.api("POST", "/api/v1/tokens", Some(body));
    assert_eq!(status, 201, "{made}");
    let follower_token = made["token"].as_str().unwrap();
    // The follower token reads definitions and sends runs; it reads no results, changes nothing.
    assert_eq!(primary.call("GET", "/api/v1/runs", Some(follower_token), None).0, 403);
    let denied = primary.call("POST", "/api/v1/collections", Some(follower_token), Some(collection("x", "/ok")));
    assert_eq!((denied.0, denied.1["permission"].clone()), (403, Value::from("apply")));

    let flags =
        ["--region", "eu", "--primary", &primary.base, "--primary-token", follower_token, "--sync-every", "200ms"];
    let _eu = Agent::start_with(eu_data.path(), &flags, &[]);
    assert_eq!(primary.api("POST", "/api/v1/collections", Some(collection("ping", &format!("/switch/{key}")))).0, 201);
    let monitor = json!({"name": "ping-every-second", "schedule": {"every": "1s"}, "collections": ["ping"]});
    assert_eq!(primary.api("POST", "/api/v1/monitors", Some(monitor)).0, 201);
    wait_until("a run from eu at the primary", || {
        runs(&primary, "collection=ping").iter().any(|run| run["region"] == "eu")
    });
}

#[test]
fn definitions_read_only_the_environment_the_operator_allows_and_never_the_agents_own() {
    let data = tempfile::tempdir().unwrap();
    let env = [("SHOP_USER", "ann"), ("OTHER_SECRET", "do-not-send")];
    let agent = Agent::start_with(data.path(), &["--env-allow", "SHOP_*"], &env);
    let echo = |name: &str, text: &str| {
        json!({"name": name, "steps": [{"request": {"method": "POST", "url": format!("{}/echo", server().base()),
            "body": {"text": text}}, "assert": [{"source": "body", "op": "eq", "value": "user=ann"}]}]})
    };
    // The agent's own token, and a variable not allowed: refused when saved, naming each.
    for (name, variable) in [("steal", "SKOPOS_TOKEN"), ("other", "OTHER_SECRET")] {
        let (status, reply) =
            agent.api("POST", "/api/v1/collections", Some(echo(name, &format!("user=@{{{{env.{variable}}}}}"))));
        assert_eq!((status, reply["field"].as_str()), (422, Some("steps[0].request.body.text")), "{reply}");
        assert!(reply["error"].as_str().unwrap().contains(&format!("env.{variable}")), "{reply}");
    }
    let alerting = json!({"name": "m", "schedule": {"every": "1h"}, "collections": ["shop"],
        "notify": [{"plugin": "webhook", "config": {"url": "http://127.0.0.1:9/@{{env.OTHER_SECRET}}"}}]});
    // An allowed one is sent.
    assert_eq!(agent.api("POST", "/api/v1/collections", Some(echo("shop", "user=@{{env.SHOP_USER}}"))).0, 201);
    let (status, reply) = agent.api("POST", "/api/v1/monitors", Some(alerting));
    assert_eq!((status, reply["field"].as_str()), (422, Some("notify[0].config.url")), "{reply}");
    let (status, run) = agent.api("POST", "/api/v1/collections/shop/run", None);
    assert_eq!((status, run["status"].as_str()), (200, Some("passed")), "{run}");

    // With no allow list, any variable but the agent's own.
    let open_data = tempfile::tempdir().unwrap();
    let open = Agent::start_with(open_data.path(), &[], &env);
    let (status, reply) = open.api("POST", "/api/v1/collections", Some(echo("steal", "user=@{{env.SKOPOS_TOKEN}}")));
    assert_eq!(status, 422, "{reply}");
    assert!(reply["error"].as_str().unwrap().contains("the agent's own"), "{reply}");
    assert_eq!(open.api("POST", "/api/v1/collections", Some(echo("other", "user=@{{env.OTHER_SECRET}}"))).0, 201);
}

#[test]
fn sign_ins_are_rate_limited_and_sessions_are_listed_and_ended_at_once() {
    let data = tempfile::tempdir().unwrap();
    let agent = Agent::start_with(data.path(), &["--public-url", "https://skopos.example.com"], &[]);
    let (_, added) = agent.api("POST", "/api/v1/users", Some(json!({"name": "sam", "role": "viewer"})));
    let code = added["code"].as_str().unwrap();
    let password = "sam's long password";
    assert_eq!(
        agent.call("POST", &format!("/api/v1/invites/{code}"), None, Some(json!({"password": password}))).0,
        200
    );
    let sign_in = |password: &str| {
        agent.call("POST", "/api/v1/session", None, Some(json!({"user": "sam", "password": password})))
    };
    assert_eq!(sign_in(password).0, 200);
    let (sessions_status, sessions) = agent.api("GET", "/api/v1/sessions?user=sam", None);
    assert_eq!(sessions_status, 200);
    let id = sessions["sessions"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(sessions["sessions"][0]["address"], "127.0.0.1");
    assert_eq!(agent.api("DELETE", &format!("/api/v1/sessions/{id}"), None).0, 204);
    assert_eq!(agent.api("GET", "/api/v1/sessions?user=sam", None).1["sessions"], json!([]));
    // Ten wrong guesses lock the account for a while: then even the right password waits.
    for _ in 0..10 {
        assert_eq!(sign_in("a wrong guess here").0, 401);
    }
    let (status, locked) = sign_in(password);
    assert_eq!(status, 429, "{locked}");
    assert!(locked["retry_after"].as_u64().unwrap() >= 1, "{locked}");
    // Wrong tokens from one address: refused without being checked once past the limit.
    let statuses: Vec<u16> =
        (0..61).map(|n| agent.call("GET", "/api/v1/runs", Some(&format!("guess-{n}")), None).0).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 60);
    assert_eq!(*statuses.last().unwrap(), 429);
}

#[test]
fn skopos_validate_checks_environment_references_against_an_agents_allow_list() {
    let files = Files::new();
    files.write(
        "shop.yaml",
        "name: shop\nsteps:\n  - request:\n      url: 'http://127.0.0.1:9/@{{env.SHOP_USER}}'\n      headers: { X-Token: '@{{env.SKOPOS_TOKEN}}', X-Other: '@{{env.OTHER}}' }\n",
    );
    let validate = |extra: &[&str]| {
        let mut args = vec!["validate".to_string(), "shop.yaml".to_string()];
        args.extend(extra.iter().map(|a| a.to_string()));
        files.skopos(&args, &[])
    };
    assert_eq!(validate(&[]).code, 0, "without an allow list, nothing to check");
    let checked = validate(&["--env-allow", "SHOP_*"]);
    assert_eq!(checked.code, 2, "{}", checked.stderr);
    assert!(
        checked.stderr.contains("shop.yaml:5:") && checked.stderr.contains("env.SKOPOS_TOKEN"),
        "{}",
        checked.stderr
    );
    assert!(checked.stderr.contains("env.OTHER") && !checked.stderr.contains("env.SHOP_USER"), "{}", checked.stderr);
}
