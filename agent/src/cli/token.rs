//! `skopos token`: replaces the agent's API token with a new one, printed once. Through the
//! running agent (`--server`, authenticated with the current `SKOPOS_TOKEN`), or directly in
//! a data folder no agent has open (`--data`; the way back in when the token is lost).

use std::path::PathBuf;

use clap::Args;
use http::Method;
use url::Url;

use super::client::{refusal, with_client};
use super::{EXIT_FAILED, EXIT_OK};
use skopos_service::Token;
use skopos_service::store::Store;

#[derive(Args)]
pub struct TokenArgs {
    /// Rotate through the agent at this address (with the current token in SKOPOS_TOKEN).
    #[arg(long, conflicts_with = "data")]
    server: Option<Url>,
    /// Rotate in this data folder, while no agent runs on it.
    #[arg(long)]
    data: Option<PathBuf>,
}

pub fn token(args: TokenArgs) -> u8 {
    match (args.server, args.data) {
        (Some(server), _) => with_client("token", server, |mut client| async move {
            let (status, reply) = client.call(Method::POST, "api/v1/token", None).await?;
            let token = reply["token"].as_str().filter(|_| status == 200).ok_or_else(|| refusal(status, &reply))?;
            announce(token);
            Ok(())
        }),
        (None, data) => {
            let data = data.unwrap_or_else(|| PathBuf::from("./skopos-data"));
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
    }
}

fn announce(token: &str) {
    println!("{token}");
    eprintln!("skopos: the new API token is shown once; the old one no longer works");
}
