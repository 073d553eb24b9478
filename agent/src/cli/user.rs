//! `skopos user`: people's accounts through a running agent (`--server`, with an admin's
//! token in SKOPOS_TOKEN), or, for `add` and `invite`, directly in a data folder no agent has
//! open (`--data`). `add` and `invite` print the one-time link that sets the password.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Subcommand;
use http::Method;
use serde_json::json;
use url::Url;

use super::client::{DEFAULT_SERVER, encode, refusal, with_client};
use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK};
use skopos_service::Token;
use skopos_service::access::{Access, Role};
use skopos_service::store::Store;

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add an account (no password yet) and print the one-time link that sets it.
    Add {
        name: String,
        /// admin, editor, runner or viewer.
        #[arg(long)]
        role: String,
        #[command(flatten)]
        at: Where,
    },
    /// A new one-time link to set (or reset) a user's password.
    Invite {
        name: String,
        #[command(flatten)]
        at: Where,
    },
    /// Every account, its role and whether it can sign in.
    List {
        #[arg(long, default_value = DEFAULT_SERVER)]
        server: Url,
    },
    /// Stop an account at once: its sessions and tokens stop working.
    Disable {
        name: String,
        #[arg(long, default_value = DEFAULT_SERVER)]
        server: Url,
    },
    /// Let a disabled account sign in again.
    Enable {
        name: String,
        #[arg(long, default_value = DEFAULT_SERVER)]
        server: Url,
    },
    /// Remove an account with its tokens.
    Remove {
        name: String,
        #[arg(long, default_value = DEFAULT_SERVER)]
        server: Url,
    },
}

/// Through the agent at `--server`, or in the data folder `--data`.
#[derive(clap::Args)]
pub struct Where {
    #[arg(long, default_value = DEFAULT_SERVER, conflicts_with = "data")]
    server: Url,
    /// The agent's data folder, while no agent runs on it.
    #[arg(long)]
    data: Option<PathBuf>,
}

pub fn user(command: UserCommand) -> u8 {
    match command {
        UserCommand::Add { name, role, at } => match at.data {
            Some(data) => in_folder(&data, |access| {
                let role = Role::parse(&role).ok_or_else(|| format!("no role `{role}`"))?;
                access.add_user(&name, role).map(|(_, code)| code).map_err(|e| e.to_string())
            }),
            None => with_client("user add", at.server.clone(), |mut client| async move {
                let body = json!({"name": name, "role": role});
                let (status, reply) = client.call(Method::POST, "api/v1/users", Some(&body)).await?;
                let path = reply["invite"].as_str().filter(|_| status == 201).ok_or_else(|| refusal(status, &reply))?;
                announce(&name, &link(&at.server, path));
                Ok(())
            }),
        },
        UserCommand::Invite { name, at } => match at.data {
            Some(data) => in_folder(&data, |access| access.invite(&name).map_err(|e| e.to_string())),
            None => with_client("user invite", at.server.clone(), |mut client| async move {
                let path = format!("api/v1/users/{}/invite", encode(&name));
                let (status, reply) = client.call(Method::POST, &path, None).await?;
                let path = reply["invite"].as_str().filter(|_| status == 200).ok_or_else(|| refusal(status, &reply))?;
                announce(&name, &link(&at.server, path));
                Ok(())
            }),
        },
        UserCommand::List { server } => with_client("user list", server, |mut client| async move {
            let (status, reply) = client.call(Method::GET, "api/v1/users", None).await?;
            if status != 200 {
                return Err(refusal(status, &reply));
            }
            println!("{:<24} {:<8} STATE", "NAME", "ROLE");
            for user in reply["users"].as_array().into_iter().flatten() {
                let state = match (user["disabled"].as_bool(), user["has_password"].as_bool()) {
                    (Some(true), _) => "disabled",
                    (_, Some(false)) => "invited (no password yet)",
                    _ => "active",
                };
                println!(
                    "{:<24} {:<8} {state}",
                    user["name"].as_str().unwrap_or(""),
                    user["role"].as_str().unwrap_or("")
                );
            }
            Ok(())
        }),
        UserCommand::Disable { name, server } => patch(server, name, json!({"disabled": true}), "disabled"),
        UserCommand::Enable { name, server } => patch(server, name, json!({"disabled": false}), "enabled"),
        UserCommand::Remove { name, server } => with_client("user remove", server, |mut client| async move {
            let (status, reply) = client.call(Method::DELETE, &format!("api/v1/users/{}", encode(&name)), None).await?;
            if status != 204 {
                return Err(refusal(status, &reply));
            }
            eprintln!("skopos: user `{name}` removed, with their tokens");
            Ok(())
        }),
    }
}

fn patch(server: Url, name: String, body: serde_json::Value, done: &'static str) -> u8 {
    with_client("user", server, |mut client| async move {
        let (status, reply) =
            client.call(Method::PATCH, &format!("api/v1/users/{}", encode(&name)), Some(&body)).await?;
        if status != 200 {
            return Err(refusal(status, &reply));
        }
        eprintln!("skopos: user `{name}` {done}");
        Ok(())
    })
}

/// Works on the accounts of a data folder no agent has open; prints the link `work` makes.
fn in_folder(data: &std::path::Path, work: impl FnOnce(&Access) -> Result<String, String>) -> u8 {
    if !data.is_dir() {
        eprintln!("skopos user: no data folder at {}", data.display());
        return EXIT_INVALID;
    }
    let opened = Store::open(data)
        .map_err(|e| format!("cannot open {}: {e} (while the agent runs, use --server)", data.display()))
        .and_then(|store| {
            let store = Arc::new(store);
            let (token, _) = Token::load(&store, None).map_err(|e| e.to_string())?;
            Access::load(store, token).map_err(|e| e.to_string())
        });
    match opened.and_then(|access| work(&access)) {
        Ok(code) => {
            println!("/#/invite/{code}");
            eprintln!("skopos: open that path on the agent's address to set the password; it works once, for 72 hours");
            EXIT_OK
        }
        Err(err) => {
            eprintln!("skopos user: {err}");
            EXIT_FAILED
        }
    }
}

fn link(server: &Url, path: &str) -> String {
    format!("{}{path}", server.as_str().trim_end_matches('/'))
}

fn announce(name: &str, link: &str) {
    println!("{link}");
    eprintln!("skopos: send `{name}` that link to set their password; it works once, for 72 hours");
}
