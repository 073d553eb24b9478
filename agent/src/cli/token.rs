//! `skopos token`: named API tokens (`create`, `list`, `revoke`) through a running agent, and
//! replacing the bootstrap token (`skopos token` alone), through the agent (`--server`, with
//! the current token in `SKOPOS_TOKEN`) or directly in a data folder no agent has open
//! (`--data`; the way back in when the token is lost).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use http::Method;
use serde_json::json;
use url::Url;

use super::client::{DEFAULT_SERVER, encode, refusal, with_client};
use super::{EXIT_FAILED, EXIT_OK};
use skopos_service::Token;
use skopos_service::store::Store;

#[derive(Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    action: Option<TokenAction>,
    /// Replace the bootstrap token through the agent at this address (with the current token
    /// in SKOPOS_TOKEN).
    #[arg(long, conflicts_with = "data")]
    server: Option<Url>,
    /// Replace the bootstrap token in this data folder, while no agent runs on it.
    #[arg(long)]
    data: Option<PathBuf>,
}

#[derive(Subcommand)]
enum TokenAction {
    /// Make a named token with a role (no higher than yours), printed once.
    Create {
        #[arg(long)]
        name: String,
        /// admin, editor, runner, viewer or follower.
        #[arg(long)]
        role: String,
        /// How long it works: 90d, 12h, 30m (without it, until revoked).
        #[arg(long, value_name = "DURATION")]
        expires: Option<String>,
        /// The region a follower token sends runs for.
        #[arg(long)]
        region: Option<String>,
        #[arg(long, default_value = DEFAULT_SERVER)]
        server: Url,
    },
    /// Your tokens (an admin's: every token), with their last use.
    List {
        #[arg(long, default_value = DEFAULT_SERVER)]
        server: Url,
    },
    /// Revoke a token at once, by its id.
    Revoke {
        id: String,
        #[arg(long, default_value = DEFAULT_SERVER)]
        server: Url,
    },
}

pub fn token(args: TokenArgs) -> u8 {
    match (args.action, args.server, args.data) {
        (Some(TokenAction::Create { name, role, expires, region, server }), _, _) => {
            with_client("token create", server, |mut client| async move {
                let body = json!({"name": name, "role": role, "expires_in": expires, "region": region});
                let (status, reply) = client.call(Method::POST, "api/v1/tokens", Some(&body)).await?;
                let token = reply["token"].as_str().filter(|_| status == 201).ok_or_else(|| refusal(status, &reply))?;
                println!("{token}");
                let field = |key: &str| reply[key].as_str().unwrap_or_default().to_string();
                eprintln!("skopos: token `{}` ({}, id {}) is shown once", field("name"), field("role"), field("id"));
                Ok(())
            })
        }
        (Some(TokenAction::List { server }), _, _) => with_client("token list", server, |mut client| async move {
            let (status, reply) = client.call(Method::GET, "api/v1/tokens", None).await?;
            if status != 200 {
                return Err(refusal(status, &reply));
            }
            println!("{:<18} {:<16} {:<9} {:<12} {:<26} LAST USED", "ID", "NAME", "ROLE", "OWNER", "EXPIRES");
            for token in reply["tokens"].as_array().into_iter().flatten() {
                let text = |key: &str| token[key].as_str().unwrap_or("-").to_string();
                let role = match token["region"].as_str() {
                    Some(region) => format!("{}:{region}", text("role")),
                    None => text("role"),
                };
                println!(
                    "{:<18} {:<16} {:<9} {:<12} {:<26} {}",
                    text("id"),
                    text("name"),
                    role,
                    text("owner"),
                    text("expires_at"),
                    text("last_used_at")
                );
            }
            Ok(())
        }),
        (Some(TokenAction::Revoke { id, server }), _, _) => {
            with_client("token revoke", server, |mut client| async move {
                let (status, reply) =
                    client.call(Method::DELETE, &format!("api/v1/tokens/{}", encode(&id)), None).await?;
                if status != 204 {
                    return Err(refusal(status, &reply));
                }
                eprintln!("skopos: token {id} revoked");
                Ok(())
            })
        }
        (None, Some(server), _) => with_client("token", server, |mut client| async move {
            let (status, reply) = client.call(Method::POST, "api/v1/token", None).await?;
            let token = reply["token"].as_str().filter(|_| status == 200).ok_or_else(|| refusal(status, &reply))?;
            announce(token);
            Ok(())
        }),
        (None, None, data) => rotate_in_folder(data.unwrap_or_else(|| PathBuf::from("./skopos-data"))),
    }
}

fn rotate_in_folder(data: PathBuf) -> u8 {
    let rotated = if data.is_dir() {
        Store::open(&data)
            .map_err(|e| format!("cannot open {}: {e} (while the agent runs, use --server)", data.display()))
            .and_then(|store| Token::reset(&store).map_err(|e| e.to_string()))
    } else {
        Err(format!("no data folder at {}", data.display()))
    };
    match rotated {
        Ok(token) => {
            announce(&token);
            EXIT_OK
        }
        Err(err) => {
            eprintln!("skopos token: {err}");
            EXIT_FAILED
        }
    }
}

fn announce(token: &str) {
    println!("{token}");
    eprintln!("skopos: the new bootstrap token is shown once; the old one no longer works");
}
