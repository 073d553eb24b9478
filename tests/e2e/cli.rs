//! The command line: `validate`, invalid input, exit codes.

use crate::{Files, server, unique};

#[test]
fn validate_accepts_good_files_and_locates_every_problem() {
    let files = Files::new();
    files.write("good.yaml", &format!("name: g\nsteps:\n  - request: {{ url: '{}/final' }}\n", server().base()));
    let outcome = files.skopos(&["validate".into(), "good.yaml".into()], &[]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert_eq!(outcome.stdout.trim(), "1 collection(s), 1 step(s), 0 monitor(s): valid");

    let bad = "name: b\nsteps:\n  - name: first\n    request: { url: 'http://127.0.0.1:1/@{{second.body.id}}' }\n    assert:\n      - { source: body, property: a, op: matchez, value: x }\n  - name: second\n    request: { url: 'http://127.0.0.1:1/' }\n";
    files.write("bad.yaml", bad);
    let outcome = files.skopos(&["validate".into(), "bad.yaml".into()], &[]);
    assert_eq!(outcome.code, 2);
    assert!(
        outcome.stderr.contains("bad.yaml:6:42: steps[0].assert[0].op: unknown variant `matchez`"),
        "{}",
        outcome.stderr
    );
    assert!(outcome.stderr.contains("(did you mean `matches`?)"), "{}", outcome.stderr);
    let fixed = bad.replace("matchez", "matches");
    files.write("bad.yaml", &fixed);
    let outcome = files.skopos(&["validate".into(), "bad.yaml".into()], &[]);
    assert_eq!(
        outcome.stderr.lines().next().unwrap(),
        "bad.yaml:4:21: steps[0].request.url: `@{{second.body.id}}` refers to step 2, which runs later; only earlier steps can be referenced"
    );
}

#[test]
fn invalid_input_runs_nothing_and_exits_2() {
    let files = Files::new();
    let key = unique("count");
    files.write("ok.yaml", &format!("name: ok\nsteps:\n  - request: {{ url: '{}/count/{key}' }}\n", server().base()));
    files.write("broken.json", "{\n  \"name\": \"x\",\n  \"steps\": [\n    {\"request\": {\"url\": \"http://127.0.0.1:1/\", \"timeout\": 5}}\n  ]\n}\n");
    let outcome = files.run(&["."], &[]);
    assert_eq!(outcome.code, 2);
    assert!(
        outcome.stderr.contains("broken.json:4:48: steps[0].request.timeout: unknown field `timeout`"),
        "{}",
        outcome.stderr
    );
    assert!(outcome.stderr.contains("nothing was run"));
    assert_eq!(server().count(&format!("count/{key}")), 0);
}

#[test]
fn syntax_errors_and_duplicate_names_are_invalid_input() {
    let files = Files::new();
    files.write("a.yaml", "name: a\nsteps: [\n");
    let outcome = files.run(&["a.yaml"], &[]);
    assert_eq!(outcome.code, 2);
    assert!(outcome.stderr.starts_with("a.yaml:3:1: invalid YAML"), "{}", outcome.stderr);

    files.write("a.yaml", "name: same\nsteps:\n  - request: { url: 'http://127.0.0.1:1/' }\n");
    files.write("b.yaml", "name: same\nsteps:\n  - request: { url: 'http://127.0.0.1:1/' }\n");
    let outcome = files.run(&["."], &[]);
    assert_eq!(outcome.code, 2);
    assert!(
        outcome.stderr.contains("b.yaml:1:7: name: another collection is already named `same`"),
        "{}",
        outcome.stderr
    );
}

#[test]
fn missing_paths_and_bad_vars_are_invalid_input() {
    let files = Files::new();
    let outcome = files.run(&["nope.yaml"], &[]);
    assert_eq!(outcome.code, 2);
    assert!(outcome.stderr.contains("nope.yaml:1:1: no such file or folder"), "{}", outcome.stderr);
    let outcome = files.skopos(&["run".into(), "x.yaml".into(), "--var".into(), "novalue".into()], &[]);
    assert_eq!(outcome.code, 2);
}

const MONITOR: &str = "name: production checkout\nschedule: { every: 1m }\ncollections: [checkout flow]\nalert_after: 2\nremind_every: 1h\nnotify:\n  - plugin: slack\n    config: { webhook_url: '@{{env.SLACK_WEBHOOK}}' }\n";

#[test]
fn monitors_are_validated_against_the_collections_given() {
    let files = Files::new();
    files.write("checkout.yaml", "name: checkout flow\nsteps:\n  - request: { url: 'http://127.0.0.1:1/' }\n");
    files.write("monitor.yaml", MONITOR);
    let outcome = files.skopos(&["validate".into(), ".".into()], &[]);
    assert_eq!(outcome.code, 0, "{}", outcome.stderr);
    assert_eq!(outcome.stdout.trim(), "1 collection(s), 1 step(s), 1 monitor(s): valid");

    // `run` passes over monitors, and still runs the collections.
    let outcome = files.run(&["."], &[]);
    assert!(outcome.stderr.contains("monitor `production checkout` is for `skopos serve`"), "{}", outcome.stderr);
    assert_eq!(outcome.report["summary"]["collections"]["failed"], 1);

    let broken =
        MONITOR.replace("every: 1m", "cron: '61 * * * *'").replace("@{{env.SLACK_WEBHOOK}}", "@{{step1.body.url}}");
    files.write("monitor.yaml", &broken);
    let outcome = files.skopos(&["validate".into(), ".".into()], &[]);
    assert_eq!(outcome.code, 2);
    let lines: Vec<&str> = outcome.stderr.lines().collect();
    assert_eq!(
        lines[0],
        "./monitor.yaml:2:19: schedule.cron: `61 * * * *` is not a cron expression: Minutes must be less than 59. ('61' specified.)"
    );
    assert_eq!(
        lines[1],
        "./monitor.yaml:8:28: notify[0].config.webhook_url: `@{{step1.body.url}}`: notifier settings can only use `@{{env.NAME}}`"
    );
    assert_eq!(lines[2], "2 problem(s) found");

    files.write("monitor.yaml", &MONITOR.replace("[checkout flow]", "[checkout flw]"));
    let outcome = files.skopos(&["validate".into(), ".".into()], &[]);
    assert_eq!(
        outcome.stderr.lines().next().unwrap(),
        "./monitor.yaml:3:15: collections[0]: no collection named `checkout flw` in the files given; did you mean `checkout flow`?"
    );

    // Windows are checked against the monitors given, the same way.
    files.write("monitor.yaml", MONITOR);
    let window = "name: upgrade\nwindow: { cron: '0 2 * * SUN', duration: 2h }\nmonitors: [production chekout]\n";
    files.write("window.yaml", window);
    let outcome = files.skopos(&["validate".into(), ".".into()], &[]);
    assert_eq!(
        outcome.stderr.lines().next().unwrap(),
        "./window.yaml:3:12: monitors[0]: no monitor named `production chekout` in the files given; did you mean `production checkout`?"
    );
}
