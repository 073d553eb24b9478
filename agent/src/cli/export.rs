//! `skopos export DIR`: writes a running agent's collections, monitors, maintenance windows and
//! status pages back as YAML files,
//! one per definition, that `skopos apply DIR` reads again without loss.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::Value;
use url::Url;

use super::client::{DEFAULT_SERVER, with_client};
use skopos_core::document::write_yaml;

#[derive(Args)]
pub struct ExportArgs {
    /// The folder to write to (created when missing); files of the same name are replaced,
    /// others left alone.
    dir: PathBuf,
    /// The agent's address.
    #[arg(long, default_value = DEFAULT_SERVER)]
    server: Url,
}

pub fn export(args: ExportArgs) -> u8 {
    with_client("export", args.server, |mut client| async move {
        let collections = client.list("collections").await?;
        let monitors = client.list("monitors").await?;
        let windows = client.list("windows").await?;
        let pages = client.list("status-pages").await?;
        std::fs::create_dir_all(&args.dir).map_err(|e| format!("cannot create {}: {e}", args.dir.display()))?;
        let mut taken = HashSet::new();
        for (kind, items) in
            [("collection", &collections), ("monitor", &monitors), ("window", &windows), ("status-page", &pages)]
        {
            for item in items {
                let spec = &item["spec"];
                let name = file_name(kind, spec["name"].as_str().unwrap_or("unnamed"), &mut taken);
                write(&args.dir.join(name), spec)?;
            }
        }
        println!(
            "wrote {} collection(s), {} monitor(s), {} window(s) and {} status page(s) to {}",
            collections.len(),
            monitors.len(),
            windows.len(),
            pages.len(),
            args.dir.display()
        );
        Ok(())
    })
}

fn write(path: &Path, spec: &Value) -> Result<(), String> {
    std::fs::write(path, write_yaml(spec)).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// `collection.checkout-flow.yaml`: the kind, then the name in lower case with anything but
/// letters and digits as `-`; a number is added when two names come out the same.
pub(super) fn file_name(kind: &str, name: &str, taken: &mut HashSet<String>) -> String {
    skopos_core::document::unique_slug(
        name,
        char::is_alphanumeric,
        "unnamed",
        |slug| format!("{kind}.{slug}.yaml"),
        taken,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_readable_and_unique() {
        let mut taken = HashSet::new();
        assert_eq!(file_name("collection", "Checkout flow: EU", &mut taken), "collection.checkout-flow-eu.yaml");
        assert_eq!(file_name("collection", "checkout flow eu", &mut taken), "collection.checkout-flow-eu-2.yaml");
        assert_eq!(file_name("monitor", "../../etc", &mut taken), "monitor.etc.yaml");
        assert_eq!(file_name("monitor", "✓", &mut taken), "monitor.unnamed.yaml");
    }
}
