//! Running a one-shot command (`apply`, `export`, `token`) against an agent's API.

use std::future::Future;

use url::Url;

pub use skopos_service::client::{Client, DEFAULT_SERVER, encode, refusal};

use super::{EXIT_FAILED, EXIT_INVALID, EXIT_OK};

/// Runs a one-shot command against the agent at `server`: exit 0 when it succeeds, 1 when it
/// fails (the error printed as `skopos COMMAND: ...`), 2 without a token.
pub fn with_client<F, Fut>(command: &str, server: Url, work: F) -> u8
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let Some(client) = Client::from_env(server) else {
        eprintln!("skopos {command}: set SKOPOS_TOKEN to the agent's API token");
        return EXIT_INVALID;
    };
    let result = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(work(client)),
        Err(err) => Err(err.to_string()),
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(err) => {
            eprintln!("skopos {command}: {err}");
            EXIT_FAILED
        }
    }
}
