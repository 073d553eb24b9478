//! `skopos apply`: upserts collections and monitors from files into a running agent.

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use clap::Args;
use http::{HeaderMap, HeaderValue, Method, header};
use serde_json::Value;
use url::Url;

use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK, files};
use crate::model::{Collection, Monitor};
use crate::plan::is_monitor;
use crate::runner::{Connections, Outgoing, SendOptions, TlsConfigs};
use crate::source::Document;

#[derive(Args)]
pub struct ApplyArgs {
    /// Collection and monitor files, or folders of them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The agent's address.
    #[arg(long, default_value = "http://127.0.0.1:7070")]
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
    let Some(token) = std::env::var("SKOPOS_TOKEN").ok().filter(|t| !t.is_empty()) else {
        eprintln!("skopos apply: set SKOPOS_TOKEN to the agent's API token");
        return EXIT_INVALID;
    };
    let Ok(files) = files::expand(&args.paths) else { return EXIT_INVALID };
    let (mut collections, mut monitors) = (Vec::new(), Vec::new());
    for file in files {
        // Checked above, so these read.
        let Ok(mut document) = Document::read(&file) else { continue };
        if is_monitor(&document) {
            monitors.extend(document.deserialize::<Monitor>().ok());
        } else {
            collections.extend(document.deserialize::<Collection>().ok());
        }
    }
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("skopos apply: {err}");
            return EXIT_FAILED;
        }
    };
    let mut client =
        Client { server: args.server, token, connections: Connections::new(Arc::new(TlsConfigs::default()), false) };
    let result = runtime.block_on(async {
        for collection in &collections {
            client.upsert("collections", "collection", &collection.name, serde_json::to_value(collection)).await?;
        }
        for monitor in &monitors {
            client.upsert("monitors", "monitor", &monitor.name, serde_json::to_value(monitor)).await?;
        }
        if args.prune {
            let keep: Vec<&str> = monitors.iter().map(|m| m.name.as_str()).collect();
            client.prune("monitors", "monitor", &keep).await?;
            let keep: Vec<&str> = collections.iter().map(|c| c.name.as_str()).collect();
            client.prune("collections", "collection", &keep).await?;
        }
        Ok::<_, String>(())
    });
    match result {
        Ok(()) => EXIT_OK,
        Err(err) => {
            eprintln!("skopos apply: {err}");
            EXIT_FAILED
        }
    }
}

struct Client {
    server: Url,
    token: String,
    connections: Connections,
}

impl Client {
    async fn call(&mut self, method: Method, path: &str, body: Option<&Value>) -> Result<(u16, Value), String> {
        let url = self.server.join(path).map_err(|e| format!("bad server URL: {e}"))?;
        let mut headers = HeaderMap::new();
        let bearer =
            HeaderValue::from_str(&format!("Bearer {}", self.token)).map_err(|_| "the token is not a valid header")?;
        headers.insert(header::AUTHORIZATION, bearer);
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let body = body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string()));
        let request = Outgoing { method, url, headers, body };
        let options =
            SendOptions { tls: &Default::default(), follow_redirects: false, max_body_bytes: 64 * 1024 * 1024 };
        let response = self.connections.send(&request, options).await.map_err(|(e, _)| e.message)?;
        let json = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        Ok((response.status.as_u16(), json))
    }

    async fn upsert(
        &mut self,
        plural: &str,
        kind: &str,
        name: &str,
        spec: serde_json::Result<Value>,
    ) -> Result<(), String> {
        let spec = spec.map_err(|e| e.to_string())?;
        let path = format!("api/v1/{plural}/{}", encode(name));
        let (status, reply) = self.call(Method::PUT, &path, Some(&spec)).await?;
        let (status, reply, verb) = match status {
            404 => {
                let (status, reply) = self.call(Method::POST, &format!("api/v1/{plural}"), Some(&spec)).await?;
                (status, reply, "created")
            }
            _ => (status, reply, "updated"),
        };
        if !(200..300).contains(&status) {
            return Err(format!("{kind} `{name}`: {} ({status})", reply["error"].as_str().unwrap_or("failed")));
        }
        println!("{verb} {kind} `{name}`");
        Ok(())
    }

    async fn prune(&mut self, plural: &str, kind: &str, keep: &[&str]) -> Result<(), String> {
        let (status, list) = self.call(Method::GET, &format!("api/v1/{plural}"), None).await?;
        if status != 200 {
            return Err(format!("listing {plural}: {} ({status})", list["error"].as_str().unwrap_or("failed")));
        }
        for item in list.as_array().into_iter().flatten() {
            let Some(name) = item["spec"]["name"].as_str() else { continue };
            if keep.contains(&name) {
                continue;
            }
            let (status, reply) = self.call(Method::DELETE, &format!("api/v1/{plural}/{}", encode(name)), None).await?;
            if status != 204 {
                return Err(format!(
                    "deleting {kind} `{name}`: {} ({status})",
                    reply["error"].as_str().unwrap_or("failed")
                ));
            }
            println!("deleted {kind} `{name}`");
        }
        Ok(())
    }
}

fn encode(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, percent_encoding::NON_ALPHANUMERIC).to_string()
}
