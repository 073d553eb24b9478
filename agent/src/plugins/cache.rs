//! Compiled plugins kept on disk, keyed by the component's content hash and the engine's
//! settings, so a start-up after the first loads machine code instead of compiling
//! (~100 ms per plugin saved). A missing, stale or unreadable entry just means compiling.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where compiled plugins are kept: `$SKOPOS_CACHE_DIR`, else `$XDG_CACHE_HOME/skopos/plugins`,
/// else `~/.cache/skopos/plugins`.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("SKOPOS_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("skopos").join("plugins"))
}

/// For the agent: `$SKOPOS_CACHE_DIR`, else `cache/plugins` in its data folder.
pub fn default_dir_in(data: &Path) -> Option<PathBuf> {
    match std::env::var_os("SKOPOS_CACHE_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => Some(data.join("cache").join("plugins")),
    }
}

/// The component compiled from `wasm`, from the cache in `dir` when it holds it; whether it did.
#[allow(unsafe_code)] // loading machine code that this program wrote: see the SAFETY note
pub fn compile(engine: &Engine, wasm: &[u8], dir: Option<&Path>) -> Result<(Component, bool), String> {
    let Some(dir) = dir else {
        return Ok((from_binary(engine, wasm)?, false));
    };
    let entry = dir.join(format!("{}.cwasm", key(engine, wasm)));
    if entry.is_file() {
        // SAFETY: the file was written by `Component::serialize` of this same engine
        // configuration (the key includes its compatibility hash), into the user's own cache
        // folder; wasmtime still checks its header and version before using it.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &entry) } {
            return Ok((component, true));
        }
    }
    let component = from_binary(engine, wasm)?;
    if let Ok(bytes) = component.serialize() {
        store(&entry, &bytes);
    }
    Ok((component, false))
}

fn from_binary(engine: &Engine, wasm: &[u8]) -> Result<Component, String> {
    Component::from_binary(engine, wasm).map_err(|e| format!("not a component: {e:#}"))
}

fn key(engine: &Engine, wasm: &[u8]) -> String {
    let mut settings = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut settings);
    let digest = Sha256::new().chain_update(wasm).chain_update(settings.finish().to_le_bytes()).finalize();
    digest.iter().take(20).map(|byte| format!("{byte:02x}")).collect()
}

/// Writes the entry whole or not at all (a temporary file renamed into place); a cache that
/// cannot be written is not an error.
fn store(entry: &Path, bytes: &[u8]) {
    let Some(dir) = entry.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let temporary = entry.with_extension(format!("{}.tmp", std::process::id()));
    if std::fs::write(&temporary, bytes).is_ok() && std::fs::rename(&temporary, entry).is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
}
