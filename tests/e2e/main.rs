//! End-to-end tests: the real `skopos` binary against a real local API server.

mod access;
pub mod agent;
mod cli;
mod conformance;
mod console;
mod deploy;
mod disk;
mod flows;
mod hostile;
mod import;
mod notifiers;
mod operations;
mod plugins;
mod probes;
mod protocols;
mod regions;
mod scripts;
mod security;
mod server;
mod status_pages;
mod telemetry;
mod tls;
mod transport;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

pub use server::server;

/// One finished `skopos` invocation.
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The `--json` report, when `run` wrote one.
    pub report: Value,
    pub dir: PathBuf,
}

impl Outcome {
    pub fn step(&self, collection: usize, step: usize) -> &Value {
        &self.report["collections"][collection]["steps"][step]
    }
}

/// A collection from `tests/e2e/collections/` with each `${NAME}` replaced by its value (the
/// test server's address, a unique key): collections are data beside the tests, written as
/// users write them.
pub fn collection(file: &str, values: &[(&str, &str)]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/e2e/collections").join(file);
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for (name, value) in values {
        text = text.replace(&format!("${{{name}}}"), value);
    }
    assert!(!text.contains("${"), "{file}: a placeholder has no value: {text}");
    text
}

/// A temporary folder holding collection files.
#[derive(Default)]
pub struct Files {
    dir: Folder,
}

struct Folder(tempfile::TempDir);

impl Default for Folder {
    fn default() -> Folder {
        Folder(tempfile::tempdir().unwrap())
    }
}

impl std::ops::Deref for Folder {
    type Target = tempfile::TempDir;
    fn deref(&self) -> &tempfile::TempDir {
        &self.0
    }
}

impl Files {
    pub fn new() -> Files {
        Files::default()
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `skopos run` on `args` (paths relative to the folder), with `--json` added.
    pub fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Outcome {
        // In a subfolder, so that running a folder again does not read the report as input.
        let out = self.dir.path().join("out");
        std::fs::create_dir_all(&out).unwrap();
        let report_path = out.join("report.json");
        let mut all: Vec<String> = vec!["run".into()];
        all.extend(args.iter().map(|a| a.to_string()));
        all.extend(["--json".into(), report_path.display().to_string()]);
        let mut outcome = self.skopos(&all, env);
        outcome.report =
            std::fs::read(&report_path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or(Value::Null);
        outcome
    }

    pub fn skopos(&self, args: &[String], env: &[(&str, &str)]) -> Outcome {
        let output = Command::new(env!("CARGO_BIN_EXE_skopos"))
            .args(args)
            .env("SKOPOS_CACHE_DIR", plugin_cache())
            .envs(env.iter().copied())
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            report: Value::Null,
            dir: self.dir.path().to_path_buf(),
        }
    }
}

/// A fresh key, so tests that count server hits do not see each other's.
/// Compiled plugins, shared by every agent and run the tests start (compiling them each time
/// would cost ~1 s of CPU per process).
pub fn plugin_cache() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-cache")
}

pub fn unique(name: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("{name}-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}
