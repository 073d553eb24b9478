//! The first-party plugins built into the binary (see `agent/build.rs`).

use std::borrow::Cow;
use std::path::Path;

use super::{LoadError, Manifest, PluginPackage};

include!(concat!(env!("OUT_DIR"), "/embedded_plugins.rs"));

/// Every built-in plugin, ready to load; `--plugins DIR` can add more and replace these.
pub fn embedded() -> Result<Vec<PluginPackage>, LoadError> {
    PLUGINS
        .iter()
        .map(|(name, wasm, manifest, digest)| {
            let file = Path::new("plugins").join(name).join("plugin.yaml");
            let manifest = Manifest::parse(&file, manifest)
                .map_err(|e| LoadError { origin: format!("built-in `{name}`"), message: e.to_string() })?;
            Ok(PluginPackage {
                origin: "built-in".into(),
                wasm: Cow::Borrowed(wasm),
                digest: digest.to_string(),
                manifest,
            })
        })
        .collect()
}
