//! `deploy/`: the Kubernetes manifests' own arguments and environment start a real primary and
//! a real follower that works with it (addresses and data folders swapped for local ones, the
//! OTLP collector left out); the container's default command uses flags `serve` knows.

use std::collections::HashMap;
use std::path::Path;

use serde_json::json;
use yaml_rust2::{Yaml, YamlLoader};

use crate::agent::{Agent, collection, wait_until};

fn documents(file: &str) -> Vec<Yaml> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/kubernetes").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `serve` flags of the first container of the workload in `file` (without `serve`,
/// `--listen` and `--data`, which the test sets) and its environment, secrets filled in from
/// the example secret; `OTEL_*` left out (the collector is not here).
fn workload(file: &str) -> (Vec<String>, HashMap<String, String>) {
    let secret = &documents("secret.example.yaml")[0]["stringData"];
    let workload =
        documents(file).into_iter().find(|d| matches!(d["kind"].as_str(), Some("StatefulSet" | "Deployment")));
    let container = &workload.expect("a workload")["spec"]["template"]["spec"]["containers"][0];
    let args: Vec<String> =
        container["args"].as_vec().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect();
    assert_eq!(args[0], "serve");
    let mut flags = Vec::new();
    let mut rest = args[1..].iter();
    while let Some(arg) = rest.next() {
        if arg == "--listen" || arg == "--data" {
            rest.next();
        } else {
            flags.push(arg.clone());
        }
    }
    let mut env = HashMap::new();
    for variable in container["env"].as_vec().unwrap() {
        let name = variable["name"].as_str().unwrap().to_string();
        let value = match variable["value"].as_str() {
            Some(value) => value.to_string(),
            None => {
                let key = variable["valueFrom"]["secretKeyRef"]["key"].as_str().unwrap();
                secret[key].as_str().unwrap_or_else(|| panic!("no `{key}` in the example secret")).to_string()
            }
        };
        if !name.starts_with("OTEL_") {
            env.insert(name, value);
        }
    }
    (flags, env)
}

fn start(data: &Path, (flags, env): &(Vec<String>, HashMap<String, String>)) -> Agent {
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Agent::start_with(data, &flags, &env)
}

#[test]
fn the_kubernetes_manifests_start_a_primary_and_a_follower_that_work_together() {
    let primary = workload("primary.yaml");
    let mut follower = workload("follower-us-east.yaml");
    let service = &documents("primary.yaml")[1];
    let (name, port) = (service["metadata"]["name"].as_str().unwrap(), service["spec"]["ports"][0]["port"].as_i64());
    // The follower points at the primary's Service, and presents a follower token of its
    // own (made on the primary: the example secret holds a placeholder for it).
    assert_eq!(follower.1["SKOPOS_PRIMARY"], format!("http://{name}.skopos.svc:{}", port.unwrap()));
    assert!(follower.1["SKOPOS_PRIMARY_TOKEN"].starts_with("skt_"), "{}", follower.1["SKOPOS_PRIMARY_TOKEN"]);

    let (primary_data, follower_data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let primary_agent = start(primary_data.path(), &primary);
    let token = Some(primary.1["SKOPOS_TOKEN"].as_str());
    let made = json!({"name": "us-east", "role": "follower", "region": "us-east"});
    let (status, made) = primary_agent.call("POST", "/api/v1/tokens", token, Some(made));
    assert_eq!(status, 201, "{made}");
    follower.1.insert("SKOPOS_PRIMARY_TOKEN".into(), made["token"].as_str().unwrap().to_string());
    follower.1.insert("SKOPOS_PRIMARY".into(), primary_agent.base.clone());
    let follower_agent = start(follower_data.path(), &follower);

    assert_eq!(primary_agent.call("POST", "/api/v1/collections", token, Some(collection("site", "/final"))).0, 201);
    // No notifier: the example secret's Slack address is not on loopback.
    let monitor = json!({"name": "site", "schedule": {"every": "1s"}, "collections": ["site"]});
    let (status, reply) = primary_agent.call("POST", "/api/v1/monitors", token, Some(monitor));
    assert_eq!(status, 201, "{reply}");
    wait_until("a run from us-east at the primary", || {
        let (_, page) = primary_agent.call("GET", "/api/v1/runs?region=us-east", token, None);
        page["runs"].as_array().is_some_and(|runs| !runs.is_empty())
    });
    // The follower answers with its own token.
    let follower_token = Some(follower.1["SKOPOS_TOKEN"].as_str());
    assert_eq!(follower_agent.call("GET", "/api/v1/collections/site", follower_token, None).0, 200);
}

#[test]
fn the_container_runs_serve_with_flags_it_knows() {
    let containerfile =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/Containerfile")).unwrap();
    let cmd = containerfile.lines().find_map(|line| line.strip_prefix("CMD ")).expect("a CMD line");
    let args: Vec<String> = serde_json::from_str(cmd).unwrap();
    assert_eq!(args[0], "serve");
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_skopos")).args(["serve", "--help"]).output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    for flag in args.iter().filter(|a| a.starts_with("--")) {
        assert!(help.contains(&format!("{flag} ")), "`skopos serve` has no {flag}");
    }
}
