//! Building the first-party plugins in `plugins/` from a source checkout, for tests and
//! development (`cargo build --release --target wasm32-wasip2` on that workspace).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Builds `plugins/` once per process; the folder holding the `.wasm` files.
pub fn first_party_plugins() -> Result<&'static PathBuf, String> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT.get_or_init(build).as_ref().map_err(Clone::clone)
}

fn build() -> Result<PathBuf, String> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .args(["build", "--release", "--target", "wasm32-wasip2", "--manifest-path"])
        .arg(workspace.join("Cargo.toml"))
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("building plugins/ failed (is the wasm32-wasip2 target installed?)".into());
    }
    Ok(workspace.join("target/wasm32-wasip2/release"))
}
