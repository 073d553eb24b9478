//! The agent's embedded store (sled, one data folder): collections and monitors by id and
//! name, runs with their per-step results, the notification log, and the indexes that make "latest runs of X" and
//! "runs in a time range" range scans.

mod accounts;
mod audit;
mod definitions;
mod incidents;
mod notifications;
mod operations;
mod regions;
mod runs;
mod stats;
mod status;

pub use accounts::{Invite, TokenRecord, UserRecord};
pub use audit::{AuditQuery, AuditRecord};
pub use definitions::{Definitions, Named, Stored};
pub use incidents::{Impact, Incident, IncidentStatus, IncidentUpdate};
pub use notifications::{Delivery, NotificationRecord};
pub use operations::Silence;
pub use regions::RegionCell;
pub use runs::{RunPage, RunQuery, RunRecord, RunStatus};
pub use stats::{
    Budget, CollectionStats, DayBar, DayState, Period, PeriodLength, Recent, day_of, in_region, last_days, uptime_over,
};

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::Utc;

use skopos_core::model::{Collection, Monitor, StatusPage, Window};

/// The layout this build writes. Bump it, and add a step to [`migrate`], when keys or
/// stored values change shape.
pub const SCHEMA_VERSION: u32 = 1;
const SCHEMA_KEY: &[u8] = b"schema_version";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store: {0}")]
    Sled(sled::Error),
    /// The data folder's file system refused a read or write: full, read-only, failing.
    #[error("store: cannot use the data folder: {0}")]
    Disk(std::io::Error),
    #[error("store: a stored value cannot be read ({0}); the data folder may be damaged")]
    Corrupt(String),
    #[error("the data folder was written by a newer Skopos (schema {found}; this build knows up to {SCHEMA_VERSION})")]
    TooNew { found: u32 },
    #[error("store: a flush did not finish ({0})")]
    FlushInterrupted(String),
    #[error("no {kind} `{key}`")]
    NotFound { kind: &'static str, key: String },
    #[error("another {kind} (`{id}`) is already named `{name}`")]
    NameTaken { kind: &'static str, name: String, id: String },
}

impl From<sled::Error> for StoreError {
    fn from(error: sled::Error) -> StoreError {
        match error {
            sled::Error::Io(io) => StoreError::Disk(plain(io)),
            other => StoreError::Sled(other),
        }
    }
}

/// sled passes a failed write's error on as text (`Os { code: 28, kind: StorageFull, .. }`):
/// the OS error again, so that it reads "No space left on device (os error 28)".
fn plain(io: std::io::Error) -> std::io::Error {
    if io.raw_os_error().is_some() {
        return io;
    }
    let text = io.to_string();
    let code =
        text.split_once("code: ").and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok());
    code.map_or(io, std::io::Error::from_raw_os_error)
}

impl StoreError {
    /// Whether the file system failed (full, read-only), rather than the request.
    pub fn is_disk(&self) -> bool {
        matches!(self, StoreError::Disk(_))
    }
}

impl From<sled::transaction::TransactionError<StoreError>> for StoreError {
    fn from(error: sled::transaction::TransactionError<StoreError>) -> StoreError {
        match error {
            sled::transaction::TransactionError::Abort(error) => error,
            sled::transaction::TransactionError::Storage(error) => StoreError::from(error),
        }
    }
}

pub struct Store {
    db: sled::Db,
    pub collections: Definitions<Collection>,
    pub monitors: Definitions<Monitor>,
    /// Maintenance windows.
    pub windows: Definitions<Window>,
    pub status_pages: Definitions<StatusPage>,
    incidents: incidents::IncidentTrees,
    runs: runs::Runs,
    /// The latest run per collection and region ([`RegionCell`]).
    latest: sled::Tree,
    stats: stats::Stats,
    status: status::Status,
    operations: operations::OperationsTrees,
    notifications: sled::Tree,
    users: sled::Tree,
    tokens: sled::Tree,
    audit: sled::Tree,
    durability: Durability,
    /// Set while [`Store::check_writable`] finds the disk failing.
    disk_failing: AtomicBool,
    /// Moves on whenever something a status page shows changes apart from runs: an incident,
    /// or any definition (each [`Definitions`] moves it on).
    public_generation: Arc<AtomicU64>,
}

/// The store's page cache unless told otherwise: sled's own default (1 GiB) made an agent
/// running 2,000 monitors grow for most of an hour (the soak bench); recent runs and all
/// definitions fit in far less, and the OS caches the files too.
pub const DEFAULT_CACHE_BYTES: u64 = 128 << 20;

/// Group commit for [`Store::durable`]: one flush at a time, and a caller is done as soon as
/// any flush that began after its call has finished.
#[derive(Default)]
struct Durability {
    started: AtomicU64,
    finished: AtomicU64,
    turn: tokio::sync::Mutex<()>,
}

impl Store {
    /// Opens (or creates) the store in `dir`, migrating an older layout, with a
    /// [`DEFAULT_CACHE_BYTES`] page cache.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Store::open_with_cache(dir, DEFAULT_CACHE_BYTES)
    }

    /// [`Store::open`] with a page cache of `cache_bytes` (sled's estimate; the memory it
    /// really takes is somewhat more).
    pub fn open_with_cache(dir: &Path, cache_bytes: u64) -> Result<Store, StoreError> {
        let db = sled::Config::new().path(dir).cache_capacity(cache_bytes).open()?;
        migrate(&db)?;
        let public_generation = Arc::new(AtomicU64::new(0));
        let store = Store {
            collections: Definitions::open(&db, "collection", public_generation.clone())?,
            monitors: Definitions::open(&db, "monitor", public_generation.clone())?,
            windows: Definitions::open(&db, "window", public_generation.clone())?,
            status_pages: Definitions::open(&db, "status_page", public_generation.clone())?,
            incidents: incidents::IncidentTrees::open(&db)?,
            runs: runs::Runs::open(&db)?,
            latest: db.open_tree("runs_latest_by_region")?,
            stats: stats::Stats::open(&db)?,
            status: status::Status::open(&db)?,
            operations: operations::OperationsTrees::open(&db)?,
            notifications: db.open_tree("notifications")?,
            users: db.open_tree("users")?,
            tokens: db.open_tree("api_tokens")?,
            audit: db.open_tree("audit")?,
            durability: Durability::default(),
            disk_failing: AtomicBool::new(false),
            public_generation,
            db,
        };
        store.count_stored_runs()?;
        Ok(store)
    }

    /// A small agent-wide setting (the API token's hash, ...).
    pub fn setting(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.db.get(format!("setting/{key}"))?.map(|v| v.to_vec()))
    }

    pub fn set_setting(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.db.insert(format!("setting/{key}"), value)?;
        Ok(())
    }

    /// Writes and flushes a small record: fails when the data folder cannot take writes.
    /// sled keeps failing after its first write error, even once the disk has room again,
    /// so a failure here lasts until the store is opened anew.
    pub fn check_writable(&self) -> Result<(), StoreError> {
        let checked =
            self.db.insert("setting/writable-at", Utc::now().to_rfc3339().as_bytes()).and_then(|_| self.db.flush());
        self.disk_failing.store(checked.is_err(), Ordering::Relaxed);
        checked.map(|_| ()).map_err(StoreError::from)
    }

    /// Whether the last [`Store::check_writable`] failed (callers then need not log each
    /// failed write: the check reports it once).
    pub fn disk_failing(&self) -> bool {
        self.disk_failing.load(Ordering::Relaxed)
    }

    /// Says that something status pages show changed (an incident; definitions say so
    /// themselves), so that built pages are built anew.
    fn touch_public(&self) {
        self.public_generation.fetch_add(1, Ordering::Relaxed);
    }

    pub fn public_generation(&self) -> u64 {
        self.public_generation.load(Ordering::Relaxed)
    }

    /// Waits until everything written so far is on disk.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    /// [`Store::flush`] without blocking the thread. Many callers at once share a few flushes
    /// (the scheduler fires thousands of monitors in the same instant). sled's own
    /// `flush_async` deadlocks when called concurrently (sled issue 1308, fixed only in its
    /// unreleased main branch), so this runs the blocking flush on tokio's blocking pool.
    pub async fn durable(&self) -> Result<(), StoreError> {
        let Durability { started, finished, turn } = &self.durability;
        let needed = started.load(Ordering::SeqCst) + 1;
        let _turn = turn.lock().await;
        if finished.load(Ordering::SeqCst) >= needed {
            return Ok(());
        }
        let number = started.fetch_add(1, Ordering::SeqCst) + 1;
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || db.flush())
            .await
            .map_err(|e| StoreError::FlushInterrupted(e.to_string()))??;
        finished.store(number, Ordering::SeqCst);
        Ok(())
    }
}

fn migrate(db: &sled::Db) -> Result<(), StoreError> {
    let found = match db.get(SCHEMA_KEY)? {
        None => 0,
        Some(bytes) => {
            u32::from_be_bytes(bytes.as_ref().try_into().map_err(|_| StoreError::Corrupt("schema version".into()))?)
        }
    };
    if found > SCHEMA_VERSION {
        return Err(StoreError::TooNew { found });
    }
    // Version 0 is an empty folder; later versions add their upgrade steps here, in order.
    if found < SCHEMA_VERSION {
        db.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
    }
    Ok(())
}

/// Deletes the entries of a log under time-ordered keys that are older than `cutoff`; returns
/// how many went.
fn prune_before(log: &sled::Tree, cutoff: chrono::DateTime<Utc>) -> Result<usize, StoreError> {
    let mut deleted = 0;
    for entry in log.range(..runs::time_key(cutoff)) {
        log.remove(entry?.0)?;
        deleted += 1;
    }
    Ok(deleted)
}

fn to_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("stored types serialize")
}

fn from_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests;
