//! `skopos serve` watching its data folder: a full or read-only disk is said once (not once
//! per failed run), and once the folder takes writes again the agent restarts itself in place
//! to reopen the store, which sled cannot do while open (it keeps failing after its first
//! write error). Monitors keep running and alerting meanwhile; their runs are not stored.

use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use skopos_service::store::Store;

/// Set in the restarted process, which then says that it is back.
pub const RESTARTED: &str = "SKOPOS_RESTARTED_TO_REOPEN_STORE";

const CHECK_EVERY: Duration = Duration::from_secs(2);
/// Written and removed to learn whether the folder has room again: room for sled to open
/// and write several segments, so that the restart does not find the disk full at once.
const ROOM_NEEDED: usize = 16 << 20;

/// Checks the store every two seconds, forever; restarts the process when a failing disk
/// recovers. `listen` is the address the agent is serving on, which the restart keeps.
pub async fn watch(store: Arc<Store>, data: PathBuf, listen: SocketAddr) {
    loop {
        tokio::time::sleep(CHECK_EVERY).await;
        let checking = store.clone();
        let Ok(Err(error)) = tokio::task::spawn_blocking(move || checking.check_writable()).await else { continue };
        if !error.is_disk() {
            skopos_core::log_line!("skopos: the store failed a write check: {error}");
            continue;
        }
        skopos_core::log_line!(
            "skopos: {error}. Runs are not being stored until {} takes writes again; \
             then Skopos restarts itself to reopen the store",
            data.display()
        );
        loop {
            tokio::time::sleep(CHECK_EVERY).await;
            let folder = data.clone();
            if let Ok(true) = tokio::task::spawn_blocking(move || has_room(&folder)).await {
                break;
            }
        }
        skopos_core::log_line!("skopos: {} takes writes again: restarting to reopen the store", data.display());
        let error = restart(listen);
        skopos_core::log_line!("skopos: cannot restart ({error}); stopping so that a supervisor can");
        std::process::exit(75); // EX_TEMPFAIL
    }
}

fn has_room(data: &Path) -> bool {
    let probe = data.join(".room-check");
    let written = std::fs::File::create(&probe).and_then(|mut file| {
        std::io::Write::write_all(&mut file, &vec![0u8; ROOM_NEEDED])?;
        file.sync_all()
    });
    let _ = std::fs::remove_file(&probe);
    written.is_ok()
}

/// Replaces this process with a fresh `skopos` with the same arguments (and the same process
/// id, so supervisors see no exit), serving on the same address. Returns only on failure.
fn restart(listen: SocketAddr) -> std::io::Error {
    let mut arguments: Vec<std::ffi::OsString> = Vec::new();
    let mut given = std::env::args_os().skip(1);
    while let Some(argument) = given.next() {
        let text = argument.to_string_lossy();
        if text == "--listen" {
            given.next();
        } else if !text.starts_with("--listen=") {
            arguments.push(argument);
        }
    }
    let program = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("skopos"));
    std::process::Command::new(program)
        .args(arguments)
        .arg("--listen")
        .arg(listen.to_string())
        .env(RESTARTED, "1")
        .exec()
}
