//! `skopos apply`: upserts collections, monitors, maintenance windows and status pages from
//! files into a running agent.

use std::path::PathBuf;

use clap::Args;
use http::Method;
use serde_json::Value;
use url::Url;

use super::client::{Client, DEFAULT_SERVER, encode, refusal, with_client};
use super::{EXIT_INVALID, files};
use skopos_core::document::Document;
use skopos_core::model::{Collection, Monitor, StatusPage, Window};
use skopos_core::plan::{DefinitionKind, kind_of};

#[derive(Args)]
pub struct ApplyArgs {
    /// Collection and monitor files, or folders of them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The agent's address.
    #[arg(long, default_value = DEFAULT_SERVER)]
    server: Url,
    /// Also delete collections and monitors the files no longer define.
    #[arg(long)]
    prune: bool,
}

pub fn apply(args: ApplyArgs) -> u8 {
    let loaded = files::load(&args.paths, &[]);
    if !loaded.problems.is_empty() {
        for problem in &loaded.problems {
            eprintln!("{problem}");
        }
        eprintln!("{} problem(s) found; nothing was applied", loaded.problems.len());
        return EXIT_INVALID;
    }
    let Ok(files) = files::expand(&args.paths) else { return EXIT_INVALID };
    let (mut collections, mut monitors, mut windows, mut pages) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for file in files {
        // Checked above, so these read.
        let Ok(mut document) = Document::read(&file) else { continue };
        match kind_of(&document) {
            DefinitionKind::Monitor => monitors.extend(document.deserialize::<Monitor>().ok()),
            DefinitionKind::Window => windows.extend(document.deserialize::<Window>().ok()),
            DefinitionKind::StatusPage => pages.extend(document.deserialize::<StatusPage>().ok()),
            DefinitionKind::Collection => collections.extend(document.deserialize::<Collection>().ok()),
        }
    }
    with_client("apply", args.server, |mut client| async move {
        for collection in &collections {
            upsert(&mut client, "collections", "collection", &collection.name, serde_json::to_value(collection))
                .await?;
        }
        for monitor in &monitors {
            upsert(&mut client, "monitors", "monitor", &monitor.name, serde_json::to_value(monitor)).await?;
        }
        for window in &windows {
            upsert(&mut client, "windows", "window", &window.name, serde_json::to_value(window)).await?;
        }
        for page in &pages {
            upsert(&mut client, "status-pages", "status page", &page.name, serde_json::to_value(page)).await?;
        }
        if args.prune {
            let keep: Vec<&str> = pages.iter().map(|p| p.name.as_str()).collect();
            prune(&mut client, "status-pages", "status page", &keep).await?;
            let keep: Vec<&str> = windows.iter().map(|w| w.name.as_str()).collect();
            prune(&mut client, "windows", "window", &keep).await?;
            let keep: Vec<&str> = monitors.iter().map(|m| m.name.as_str()).collect();
            prune(&mut client, "monitors", "monitor", &keep).await?;
            let keep: Vec<&str> = collections.iter().map(|c| c.name.as_str()).collect();
            prune(&mut client, "collections", "collection", &keep).await?;
        }
        Ok(())
    })
}

/// Replaces the definition named `name`, or creates it when there is none.
async fn upsert(
    client: &mut Client,
    plural: &str,
    kind: &str,
    name: &str,
    spec: serde_json::Result<Value>,
) -> Result<(), String> {
    let spec = spec.map_err(|e| e.to_string())?;
    let path = format!("api/v1/{plural}/{}", encode(name));
    let (status, reply) = client.call(Method::PUT, &path, Some(&spec)).await?;
    let (status, reply, verb) = match status {
        404 => {
            let (status, reply) = client.call(Method::POST, &format!("api/v1/{plural}"), Some(&spec)).await?;
            (status, reply, "created")
        }
        _ => (status, reply, "updated"),
    };
    if !(200..300).contains(&status) {
        return Err(format!("{kind} `{name}`: {}", refusal(status, &reply)));
    }
    println!("{verb} {kind} `{name}`");
    // A heartbeat monitor's ping URL is shown once, when its key is made.
    if let Some(url) = reply.get("ping_url").and_then(Value::as_str) {
        println!("  ping URL (shown once; POST /api/v1/monitors/NAME/ping-key makes a new one): {url}");
    }
    Ok(())
}

/// Deletes every definition whose name is not in `keep`.
async fn prune(client: &mut Client, plural: &str, kind: &str, keep: &[&str]) -> Result<(), String> {
    for item in client.list(plural).await? {
        let Some(name) = item["spec"]["name"].as_str() else { continue };
        if keep.contains(&name) {
            continue;
        }
        let (status, reply) = client.call(Method::DELETE, &format!("api/v1/{plural}/{}", encode(name)), None).await?;
        if status != 204 {
            return Err(format!("deleting {kind} `{name}`: {}", refusal(status, &reply)));
        }
        println!("deleted {kind} `{name}`");
    }
    Ok(())
}
