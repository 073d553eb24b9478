//! The data folder's disk failing: full (and then with room again) while the agent runs, and
//! read-only at start. Each on a small tmpfs mounted for the test (the tests run as root, as
//! CI does).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::agent::{Agent, collection, wait_until};

/// A tmpfs of `size` mounted on a temporary folder, unmounted when dropped.
struct Tmpfs {
    folder: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str, read_only: bool) -> Tmpfs {
        let folder = tempfile::tempdir().unwrap();
        let options = format!("size={size}{}", if read_only { ",ro" } else { "" });
        let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", &options, "tmpfs"]).arg(folder.path()).status();
        assert!(mounted.unwrap().success(), "mounting a tmpfs needs root");
        Tmpfs { folder }
    }

    fn path(&self) -> &Path {
        self.folder.path()
    }

    /// Writes zeros into `name` until the file system is full.
    fn fill(&self, name: &str) -> PathBuf {
        let path = self.path().join(name);
        let mut file = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while file.write_all(&chunk).and_then(|_| file.sync_all()).is_ok() {}
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.folder.path()).status();
    }
}

#[test]
fn a_full_disk_is_said_once_and_the_agent_reopens_its_store_when_there_is_room() {
    let disk = Tmpfs::mount("48m", false);
    let data = disk.path().join("data");
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("agent.log");
    let mut agent = Agent::start_logging(&data, &log, "127.0.0.1:0", &[], &[]);
    for n in 0..5 {
        assert_eq!(agent.api("POST", "/api/v1/collections", Some(collection(&format!("c{n}"), "/final"))).0, 201);
        let monitor = json!({"name": format!("m{n}"), "schedule": {"every": "1s"}, "collections": [format!("c{n}")]});
        assert_eq!(agent.api("POST", "/api/v1/monitors", Some(monitor)).0, 201);
    }
    let run_ids = |agent: &Agent| {
        let (_, page) = agent.api("GET", "/api/v1/runs?limit=200", None);
        page["runs"].as_array().unwrap().iter().map(|run| run["id"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    wait_until("ten runs", || run_ids(&agent).len() >= 10);
    let before_full = run_ids(&agent);

    let filler = disk.fill("filler");
    let mut attempt = 0;
    let mut create = |agent: &Agent| {
        attempt += 1;
        agent.api("POST", "/api/v1/collections", Some(collection(&format!("late{attempt}"), "/final")))
    };
    wait_until("a write refused as the disk is full", || create(&agent).0 == 507);
    let (_, error) = create(&agent);
    let message = error["error"].as_str().unwrap();
    assert!(
        message.contains("cannot use the data folder") && message.contains("No space left on device (os error 28)"),
        "{message}"
    );
    assert_eq!(agent.api("GET", "/api/v1/collections/c0", None).0, 200, "reads go on");
    wait_until("the agent to say it once", || {
        std::fs::read_to_string(&log).unwrap().contains("Runs are not being stored")
    });
    std::thread::sleep(std::time::Duration::from_secs(3));
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.matches("Runs are not being stored").count(), 1, "{text}");
    assert!(!text.contains("restarting to reopen"), "no room yet: {text}");
    let per_run_lines = text.lines().filter(|line| line.contains("cannot store a run")).count();
    assert!(per_run_lines <= 30, "5 monitors a second for 3 s after the check must not log each run: {per_run_lines}");

    std::fs::remove_file(filler).unwrap();
    wait_until("the agent to restart in place", || {
        std::fs::read_to_string(&log).unwrap().contains("stores runs again")
    });
    assert!(std::fs::read_to_string(&log).unwrap().contains("takes writes again: restarting to reopen the store"));
    assert!(agent.is_running(), "restarted in place: the same process");
    assert_eq!(create(&agent).0, 201, "on the same address");
    for id in before_full {
        assert_eq!(
            agent.api("GET", &format!("/api/v1/runs/{id}"), None).0,
            200,
            "run {id} from before the disk filled"
        );
    }
    let after = run_ids(&agent).len();
    wait_until("monitors to store runs again", || run_ids(&agent).len() > after);
}

#[test]
fn a_read_only_data_folder_is_a_clear_error_at_start() {
    let disk = Tmpfs::mount("4m", true);
    let output = Command::new(env!("CARGO_BIN_EXE_skopos"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(disk.path().join("data"))
        .env("SKOPOS_TOKEN", crate::agent::TOKEN)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot use the data folder: Read-only file system (os error 30)"), "{stderr}");
}
