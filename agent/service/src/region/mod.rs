//! Agents in several regions. A follower (`skopos serve --region eu --primary URL`) mirrors its
//! primary's collections and monitors into its own store, runs them on its own schedule (on
//! through any outage of the primary), and sends every run to the primary, which stores each
//! one once, shows them per region, and alerts on them (`alert::regions`). The follower sends
//! no alerts of its own. At start it takes the primary's added plugins (`plugins.rs`).

mod follow;
mod plugins;

pub use follow::{FollowOptions, follow};
pub use plugins::{PluginFiles, pull_plugins};

use serde::{Deserialize, Serialize};

use crate::store::{RunRecord, Stored};
use skopos_core::model::{Collection, Monitor, Window};

/// Every definition on the primary, as a follower mirrors them (`GET /api/v1/definitions`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub collections: Vec<Stored<Collection>>,
    pub monitors: Vec<Stored<Monitor>>,
    /// Maintenance windows: a follower pauses and mutes as its primary does (absent from a
    /// primary older than windows).
    #[serde(default)]
    pub windows: Vec<Stored<Window>>,
}

/// Runs a follower sends (`POST /api/v1/regions/{region}/runs`), oldest first, each under the
/// id it has on the follower.
#[derive(Debug, Serialize, Deserialize)]
pub struct RunBatch {
    pub runs: Vec<RunRecord>,
}

/// The primary's answer to a [`RunBatch`]: every run in it is now stored there.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Receipt {
    /// Runs stored by this request.
    pub stored: usize,
    /// Runs the primary already had (sent again after a lost answer).
    pub duplicates: usize,
}

/// A region name: 1 to 64 of `A-Z a-z 0-9 . _ -`.
pub fn check_region_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty() || name.len() > 64 || !name.chars().all(allowed) {
        return Err(format!("`{name}` is not a region name (1 to 64 letters, digits, `.`, `_` or `-`)"));
    }
    Ok(())
}
