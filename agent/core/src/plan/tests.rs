use std::path::Path;

use serde_json::Map;

use super::*;

fn problems(file: &str, text: &str) -> Vec<String> {
    let mut document = match Document::parse(Path::new(file), text) {
        Ok(document) => document,
        Err(diagnostic) => return vec![diagnostic.to_string()],
    };
    let collection: Collection = match document.deserialize() {
        Ok(collection) => collection,
        Err(diagnostic) => return vec![diagnostic.to_string()],
    };
    match compile(&document, collection, &Map::new()) {
        Ok(_) => vec![],
        Err(problems) => problems.iter().map(ToString::to_string).collect(),
    }
}

const GOOD: &str = "\
name: checkout
variables: { base: 'http://127.0.0.1:1' }
steps:
  - name: login
    request:
      method: post
      url: '@{{vars.base}}/login'
      body: { json: { user: '@{{env.U}}' } }
    assert:
      - { source: status, op: eq, value: 200 }
  - request:
      url: '@{{vars.base}}/cart/@{{login.body.id}}'
      headers: { Authorization: 'Bearer @{{step1.body.token}}' }
      query: { page: 1, tag: [a, b] }
";

#[test]
fn a_good_collection_compiles() {
    assert_eq!(problems("c.yaml", GOOD), Vec::<String>::new());
    let mut document = Document::parse(Path::new("c.yaml"), GOOD).unwrap();
    let collection = document.deserialize().unwrap();
    let plan = compile(&document, collection, &Map::new()).unwrap();
    assert_eq!(plan.steps[0].method, Method::POST);
    assert_eq!(plan.steps[0].label, "step 1 'login'");
    assert_eq!(plan.steps[1].query.len(), 3);
    assert_eq!(plan.steps[1].timeout, Duration::from_secs(30));
    // Step 1 is used by step 2, so released after it; step 2 is used by nobody.
    assert_eq!(plan.release_after, vec![vec![], vec![0, 1]]);
}

#[test]
fn unknown_fields_get_a_location_and_a_suggestion() {
    let text = GOOD.replace("      method: post", "      metod: post");
    assert_eq!(
        problems("c.yaml", &text),
        vec![
            "c.yaml:6:7: steps[0].request.metod: unknown field `metod`, expected one of `method`, `url`, `query`, `headers`, `cookies`, `body`, `follow_redirects`, `max_redirects`, `auth`, `grpc` (did you mean `method`?)"
        ]
    );
}

#[test]
fn unknown_operators_get_a_suggestion() {
    let text = GOOD.replace("op: eq", "op: equals");
    let problems = problems("c.yaml", &text);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].starts_with("c.yaml:10:31: steps[0].assert[0].op: unknown variant `equals`"), "{problems:?}");
    assert!(problems[0].ends_with("(did you mean `eq`?)"), "{problems:?}");
}

#[test]
fn references_to_later_or_missing_steps_are_found_before_running() {
    let text = GOOD
        .replace("'@{{vars.base}}/login'", "'@{{vars.base}}/login/@{{step2.status}}'")
        .replace("@{{login.body.id}}", "@{{logon.body.id}}")
        .replace("@{{vars.base}}/cart", "@{{vars.bsae}}/cart");
    let problems = problems("c.yaml", &text);
    assert_eq!(
        problems,
        vec![
            "c.yaml:7:12: steps[0].request.url: `@{{step2.status}}` refers to step 2, which runs later; only earlier steps can be referenced",
            "c.yaml:12:12: steps[1].request.url: `@{{vars.bsae}}`: variable `bsae` is not defined in `variables` (or given with --var); did you mean `vars.base`?",
            "c.yaml:12:12: steps[1].request.url: `@{{logon.body.id}}`: there is no step `logon`; did you mean `login`?",
        ]
    );
}

#[test]
fn unknown_sources_and_bad_syntax_in_references() {
    let text = GOOD.replace("@{{login.body.id}}", "@{{login.cookie.id}}").replace("@{{env.U}}", "@{{env.U");
    let problems = problems("c.yaml", &text);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("steps[0].request.body.json.user: `@{{` is not closed by `}}`"), "{problems:?}");
    assert!(problems[1].contains("unknown part `cookie.id`"), "{problems:?}");
}

#[test]
fn operators_values_regexes_and_urls_are_checked() {
    let text = GOOD
        .replace("{ source: status, op: eq, value: 200 }", "{ source: body, property: id, op: matches, value: '(' }")
        .replace("'@{{vars.base}}/login'", "'ftp://x/login'");
    let problems = problems("c.yaml", &text);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with("c.yaml:7:12: steps[0].request.url: `ftp://x/login` is not an http or https URL"),
        "{problems:?}"
    );
    assert_eq!(problems[1], "c.yaml:10:59: steps[0].assert[0].value: invalid regular expression `(`: unclosed group");
}

#[test]
fn step_names_must_be_referable_and_unique() {
    let text = GOOD.replace(
        "  - request:\n      url: '@{{vars.base}}/cart",
        "  - name: login\n    request:\n      url: '@{{vars.base}}/cart",
    );
    let problems = problems("c.yaml", &text);
    assert_eq!(problems, vec!["c.yaml:11:11: steps[1].name: another step is already named `login`"]);
    let text = GOOD.replace("name: login", "name: step2");
    assert!(problems_contain(&text, "step 1 cannot be named `step2`"));
}

fn problems_contain(text: &str, needle: &str) -> bool {
    problems("c.yaml", text).iter().any(|p| p.contains(needle))
}

#[test]
fn json_files_are_located_too() {
    let text = r#"{
  "name": "j",
  "steps": [
    {"request": {"url": "http://127.0.0.1:1/"}, "assert": [{"source": "status", "op": "lt", "value": "x"}]}
  ]
}"#;
    let problems = problems("c.json", text);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].starts_with("c.json:4:"), "{problems:?}");
    assert!(problems[0].contains("steps[0].assert[0].value: `lt` compares numbers"), "{problems:?}");
}

#[test]
fn missing_required_fields_name_the_parent() {
    let problems = problems("c.yaml", "name: x\nsteps:\n  - request: { method: GET }\n");
    assert_eq!(problems, vec!["c.yaml:3:5: steps[0].request: missing field `url`"]);
}

#[test]
fn body_takes_one_kind() {
    let text = GOOD.replace("body: { json: { user: '@{{env.U}}' } }", "body: { json: {}, text: hi }");
    assert!(problems_contain(&text, "a body has at most one of `json`, `text`, `form`, `multipart` or `graphql`"));
}

#[test]
fn defaults_cannot_refer_to_steps() {
    let text = GOOD.replace("variables:", "defaults: { headers: { X-Id: '@{{login.body.id}}' } }\nvariables:");
    assert_eq!(
        problems("c.yaml", &text),
        vec![
            "c.yaml:2:30: defaults.headers.X-Id: `@{{login.body.id}}`: defaults apply to every step, the first included, so they cannot refer to steps; set it on the steps that need it"
        ]
    );
}

fn monitor_problems(text: &str) -> Vec<String> {
    let mut document = Document::parse(Path::new("m.yaml"), text).unwrap();
    let monitor: crate::model::Monitor = document.deserialize().unwrap();
    match compile_monitor(&document, monitor) {
        Ok(_) => vec![],
        Err(problems) => problems.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn notifier_settings_use_env_only_at_any_depth() {
    let text = "\
name: m
schedule: { every: 1m }
collections: [a]
notify:
  - plugin: webhook
    config:
      url: '@{{env.HOOK}}'
      headers: { Authorization: 'Bearer @{{login.body.token}}' }
  - plugin: webhook
    config: { headers: {}, retries: '@{{vars.x}}' }
";
    assert_eq!(
        monitor_problems(text),
        [
            "m.yaml:8:33: notify[0].config.headers.Authorization: `@{{login.body.token}}`: notifier settings can only use `@{{env.NAME}}`",
            "m.yaml:10:37: notify[1].config.retries: `@{{vars.x}}`: notifier settings can only use `@{{env.NAME}}`",
        ]
    );
    assert_eq!(
        monitor_problems(
            &text[..text.find("  - plugin: webhook\n    config: { headers").unwrap()]
                .replace("login.body.token", "env.T")
        ),
        Vec::<String>::new()
    );
}
