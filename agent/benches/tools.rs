//! The `tools` scenario of the run bench (issue 7): the same checks, written once as a Postman
//! collection and imported with `skopos import postman`, run by `skopos run`, `newman run`,
//! `hurl --test` and `stepci run` against the same local server: sequentially (one collection
//! of chained steps) and as 50 collections at once. Newman and Step CI have no way to run
//! several collections in one process, so 50 of their processes run at once.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::{Measurement, best_of, children_cpu, hurl, measure, newman, on_path, skopos};

const SEQUENTIAL_STEPS: usize = 1_000;
const COLLECTIONS: usize = 50;
const STEPS_EACH: usize = 100;

pub fn tools_scenario(dir: &Path, server: SocketAddr) {
    let folder = dir.join("tools");
    std::fs::create_dir_all(&folder).unwrap();
    let newman_bin = tool("newman");
    let stepci_bin = tool("stepci");

    // Sequential: one collection of chained steps.
    let postman = folder.join("sequential.postman.json");
    std::fs::write(&postman, newman(server, SEQUENTIAL_STEPS)).unwrap();
    import(&postman, &folder.join("sequential"));
    let m = best_of(3, || {
        measure(Command::new(skopos()).arg("run").arg(folder.join("sequential")).arg("-q"), SEQUENTIAL_STEPS)
    });
    m.print("tools sequential", "skopos run (imported)");
    if let Some(newman_bin) = &newman_bin {
        let m =
            measure(Command::new(newman_bin).arg("run").arg(&postman).args(["--reporters", "cli"]), SEQUENTIAL_STEPS);
        m.print("tools sequential", "newman run");
    }
    if on_path("hurl") {
        let file = folder.join("sequential.hurl");
        std::fs::write(&file, hurl(server, SEQUENTIAL_STEPS)).unwrap();
        let m = best_of(3, || measure(Command::new("hurl").arg("--test").arg(&file), SEQUENTIAL_STEPS));
        m.print("tools sequential", "hurl --test");
    }
    if let Some(stepci_bin) = &stepci_bin {
        let file = folder.join("sequential.stepci.yaml");
        std::fs::write(&file, stepci(server, SEQUENTIAL_STEPS)).unwrap();
        let m = measure(
            Command::new(stepci_bin).arg("run").arg(&file).env(STEPCI_QUIET.0, STEPCI_QUIET.1),
            SEQUENTIAL_STEPS,
        );
        m.print("tools sequential", "stepci run");
    }

    // 50 collections at once.
    let steps = COLLECTIONS * STEPS_EACH;
    let parallel = folder.join("parallel");
    let mut postman_files = Vec::new();
    for c in 0..COLLECTIONS {
        let file = folder.join(format!("p{c:02}.postman.json"));
        let text =
            newman(server, STEPS_EACH).replace("\"name\":\"sequential\"", &format!("\"name\":\"parallel {c:02}\""));
        std::fs::write(&file, text).unwrap();
        import(&file, &parallel);
        postman_files.push(file);
    }
    let m = best_of(3, || measure(Command::new(skopos()).arg("run").arg(&parallel).arg("-q"), steps));
    m.print("tools 50 collections", "skopos run (imported)");
    if let Some(newman_bin) = &newman_bin {
        let commands = postman_files.iter().map(|file| {
            let mut command = Command::new(newman_bin);
            command.arg("run").arg(file).args(["--reporters", "cli"]);
            command
        });
        all_at_once(commands.collect(), steps).print("tools 50 collections", "newman run × 50 processes");
    }
    if on_path("hurl") {
        let files: Vec<_> = (0..COLLECTIONS)
            .map(|c| {
                let file = folder.join(format!("p{c:02}.hurl"));
                std::fs::write(&file, hurl(server, STEPS_EACH)).unwrap();
                file
            })
            .collect();
        let m = best_of(3, || measure(Command::new("hurl").args(["--test", "--jobs", "2"]).args(&files), steps));
        m.print("tools 50 collections", "hurl --test --jobs 2");
    }
    if let Some(stepci_bin) = &stepci_bin {
        let commands = (0..COLLECTIONS).map(|c| {
            let file = folder.join(format!("p{c:02}.stepci.yaml"));
            std::fs::write(&file, stepci(server, STEPS_EACH)).unwrap();
            let mut command = Command::new(stepci_bin);
            command.arg("run").arg(file).env(STEPCI_QUIET.0, STEPCI_QUIET.1);
            command
        });
        all_at_once(commands.collect(), steps).print("tools 50 collections", "stepci run × 50 processes");
    }
}

/// Step CI sends usage data to its makers unless told not to; nothing here leaves 127.0.0.1.
const STEPCI_QUIET: (&str, &str) = ("STEPCI_DISABLE_ANALYTICS", "1");

/// A tool on PATH, or installed by `npm ci --prefix tests/console`.
pub(crate) fn tool(name: &str) -> Option<std::path::PathBuf> {
    if on_path(name) {
        return Some(name.into());
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/console/node_modules/.bin").join(name);
    local.is_file().then_some(local)
}

pub(crate) fn import(postman: &Path, out: &Path) {
    let status = Command::new(skopos())
        .args(["import", "postman"])
        .arg(postman)
        .arg("-o")
        .arg(out)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "importing {} failed", postman.display());
}

/// Starts every command, waits for all: wall time and their CPU time together.
fn all_at_once(mut commands: Vec<Command>, steps: usize) -> Measurement {
    let before = children_cpu();
    let start = Instant::now();
    let children: Vec<_> =
        commands.iter_mut().map(|c| c.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()).collect();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a run failed");
    }
    Measurement { wall: start.elapsed().as_secs_f64(), cpu: children_cpu() - before, steps }
}

/// The same chained steps as a Step CI workflow.
fn stepci(server: SocketAddr, steps: usize) -> String {
    let mut out = String::from("version: \"1.1\"\nname: chained\ntests:\n  chained:\n    steps:\n");
    for step in 1..=steps {
        let (id, token) = if step == 1 {
            ("0".into(), "none".into())
        } else {
            ("${{captures.id}}".to_string(), "${{captures.token}}".to_string())
        };
        out.push_str(&format!(
            "      - name: step {step}\n        http:\n          url: http://{server}/item/{id}\n          method: GET\n          headers:\n            Authorization: Bearer {token}\n          captures:\n            id:\n              jsonpath: $.id\n            token:\n              jsonpath: $.token\n          check:\n            status: 200\n            jsonpath:\n              $.items[0].qty: 2\n"
        ));
    }
    out
}
