//! Compiled plugins kept on disk, keyed by the component's content hash and the engine's
//! settings, with what the plugin's `describe` said: a start-up after the first maps machine
//! code instead of compiling (~100 ms per plugin, 2 s for `json-schema`) and instantiates
//! nothing. A missing, stale or unreadable entry just means compiling.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use super::Described;

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

/// Hex SHA-256 of a component's bytes: what the cache is keyed by.
pub fn digest(wasm: &[u8]) -> String {
    hex(&Sha256::digest(wasm))
}

/// One plugin's place in the cache: its compiled code and its description.
pub struct Entry {
    compiled: Option<PathBuf>,
}

impl Entry {
    /// The entry for the component with this `digest`, compiled by `engine`, in `dir`.
    pub fn new(engine: &Engine, digest: &str, dir: Option<&Path>) -> Entry {
        let mut settings = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut settings);
        let key = Sha256::new().chain_update(digest).chain_update(settings.finish().to_le_bytes()).finalize();
        Entry { compiled: dir.map(|dir| dir.join(format!("{}.cwasm", hex(&key[..20])))) }
    }

    /// The component compiled from `wasm`, from the cache when it holds it; whether it did.
    #[allow(unsafe_code)] // loading machine code that this program wrote: see the SAFETY note
    pub fn component(&self, engine: &Engine, wasm: &[u8]) -> Result<(Component, bool), String> {
        if let Some(compiled) = self.compiled.as_deref().filter(|path| path.is_file()) {
            // SAFETY: the file was written by `Component::serialize` of this same engine
            // configuration (the key includes its compatibility hash), into the user's own
            // cache folder; wasmtime still checks its header and version before using it.
            if let Ok(component) = unsafe { Component::deserialize_file(engine, compiled) } {
                return Ok((component, true));
            }
        }
        let component = Component::from_binary(engine, wasm).map_err(|e| format!("not a component: {e:#}"))?;
        if let (Some(compiled), Ok(bytes)) = (&self.compiled, component.serialize()) {
            store(compiled, &bytes);
        }
        Ok((component, false))
    }

    /// A built-in plugin from the machine code precompiled when the binary was built: written
    /// into the cache once and mapped from there (so only the pages used are read), or
    /// copied into memory when there is no cache folder or it cannot be written. Code that does not suit this machine or
    /// engine is refused by wasmtime's checks, and the component is compiled after all.
    #[allow(unsafe_code)] // loading machine code this program's build wrote: see the SAFETY note
    pub fn precompiled(&self, engine: &Engine, code: &[u8], wasm: &[u8]) -> Result<Component, String> {
        // SAFETY: `code` was made by `Engine::precompile_component` when this binary was built
        // (`build.rs`) and embedded in it, or written from there into the user's own cache
        // folder; wasmtime checks its header, version and engine settings before using it.
        let written = self.compiled.as_deref().filter(|path| {
            if !path.is_file() {
                store(path, code);
            }
            path.is_file()
        });
        // A cache folder that cannot be written (a read-only file system) means a copy.
        let mapped = match written {
            Some(path) => unsafe { Component::deserialize_file(engine, path) },
            None => unsafe { Component::deserialize(engine, code) },
        };
        match mapped {
            Ok(component) => Ok(component),
            Err(_) => self.component(engine, wasm).map(|(component, _)| component),
        }
    }

    /// What the plugin said of itself, when a previous start recorded it.
    pub fn described(&self) -> Option<Described> {
        let text = std::fs::read(self.compiled.as_ref()?.with_extension("json")).ok()?;
        serde_json::from_slice(&text).ok()
    }

    pub fn remember(&self, described: &Described) {
        if let (Some(compiled), Ok(text)) = (&self.compiled, serde_json::to_vec(described)) {
            store(&compiled.with_extension("json"), &text);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Writes a file whole or not at all (a temporary file renamed into place); a cache that
/// cannot be written is not an error.
fn store(path: &Path, bytes: &[u8]) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let temporary = path.with_extension(format!("{}.tmp", std::process::id()));
    if std::fs::write(&temporary, bytes).is_ok() && std::fs::rename(&temporary, path).is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
}
