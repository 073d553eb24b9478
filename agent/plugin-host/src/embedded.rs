//! The first-party plugins built into the binary (see `agent/plugin-host/build.rs`), with
//! their machine code precompiled at build time when the build could.

use std::borrow::Cow;
use std::path::Path;

use super::{Described, LoadError, Manifest, PluginPackage};

/// A first-party plugin as the build embeds it (`embedded_plugins.rs`).
struct BuiltIn {
    name: &'static str,
    wasm: &'static [u8],
    manifest: &'static str,
    /// Hex SHA-256 of `wasm`.
    digest: &'static str,
    /// Its machine code and what its `describe` said (JSON), when the build precompiled it.
    precompiled: Option<(&'static [u8], &'static str)>,
}

include!(concat!(env!("OUT_DIR"), "/embedded_plugins.rs"));

/// A built-in plugin's machine code, compiled when the binary was built, and what it said
/// of itself then: the agent starts without compiling or instantiating it, and maps the code
/// when the plugin is first used.
pub struct Precompiled {
    pub code: &'static [u8],
    pub described: Described,
    /// The contract version it was built against (`0.4.0`).
    pub contract: String,
}

/// Every built-in plugin, ready to load; `--plugins DIR` can add more and replace these.
pub fn embedded() -> Result<Vec<PluginPackage>, LoadError> {
    PLUGINS
        .iter()
        .map(|BuiltIn { name, wasm, manifest, digest, precompiled }| {
            let problem = |message: String| LoadError { origin: format!("built-in `{name}`"), message };
            let file = Path::new("plugins").join(name).join("plugin.yaml");
            let manifest = Manifest::parse(&file, manifest).map_err(|e| problem(e.to_string()))?;
            let precompiled = match precompiled {
                None => None,
                Some((code, described)) => Some(precompiled_from(code, described).map_err(problem)?),
            };
            Ok(PluginPackage {
                origin: "built-in".into(),
                wasm: Cow::Borrowed(wasm),
                digest: digest.to_string(),
                manifest,
                precompiled,
            })
        })
        .collect()
}

fn precompiled_from(code: &'static [u8], described: &str) -> Result<Precompiled, String> {
    #[derive(serde::Deserialize)]
    struct Built {
        #[serde(flatten)]
        described: Described,
        contract: String,
    }
    let built: Built = serde_json::from_str(described).map_err(|e| format!("its build-time description: {e}"))?;
    Ok(Precompiled { code, described: built.described, contract: built.contract })
}
