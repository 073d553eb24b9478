//! A follower takes the primary's added plugins (those loaded from its `--plugins DIR`) at
//! start, so collections using custom assertion plugins run in every region. They are kept in
//! the follower's data folder and used from there when the primary cannot be reached.

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use http::Method;
use serde::{Deserialize, Serialize};

use super::FollowOptions;
use crate::client::{encode, refusal};

/// A plugin's files as the primary serves them (`GET /api/v1/plugins/{name}/files`).
#[derive(Debug, Serialize, Deserialize)]
pub struct PluginFiles {
    pub name: String,
    /// The manifest, as written.
    pub manifest: String,
    /// The component, base64.
    pub wasm: String,
}

/// Replaces the plugins in `dir` with the primary's added ones; how many there are. On
/// failure `dir` is left as the last successful pull made it.
pub async fn pull_plugins(options: &FollowOptions, dir: &Path) -> Result<usize, String> {
    let mut client = options.client();
    let pulled = tokio::time::timeout(Duration::from_secs(30), async {
        let (status, list) = client.call(Method::GET, "api/v1/plugins", None).await?;
        if status != 200 {
            return Err(refusal(status, &list));
        }
        let added = list["plugins"].as_array().into_iter().flatten().filter(|p| p["source"] != "built-in");
        let mut files = Vec::new();
        for name in added.filter_map(|plugin| plugin["name"].as_str().map(str::to_string)) {
            let (status, reply) =
                client.call(Method::GET, &format!("api/v1/plugins/{}/files", encode(&name)), None).await?;
            if status != 200 {
                return Err(format!("plugin `{name}`: {}", refusal(status, &reply)));
            }
            files.push(serde_json::from_value::<PluginFiles>(reply).map_err(|e| format!("plugin `{name}`: {e}"))?);
        }
        Ok(files)
    })
    .await
    .map_err(|_| "the primary did not answer within 30 s".to_string())??;
    let fresh = dir.with_extension("new");
    let _ = std::fs::remove_dir_all(&fresh);
    std::fs::create_dir_all(&fresh).map_err(|e| format!("{}: {e}", fresh.display()))?;
    for plugin in &pulled {
        let file_name = Path::new(&plugin.name).file_name().filter(|n| n.to_str() == Some(plugin.name.as_str()));
        let stem = file_name.ok_or_else(|| format!("`{}` is not a plugin name", plugin.name))?;
        let wasm = base64::engine::general_purpose::STANDARD.decode(&plugin.wasm).map_err(|e| e.to_string())?;
        let write = |ext: &str, bytes: &[u8]| {
            let path = fresh.join(stem).with_extension(ext);
            std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))
        };
        write("wasm", &wasm)?;
        write("yaml", plugin.manifest.as_bytes())?;
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::rename(&fresh, dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(pulled.len())
}
