//! What operating monitors stores besides definitions: silences (ad-hoc mutes made by people,
//! with a comment and an end) and heartbeat ping keys (kept as SHA-256 digests, like tokens:
//! the key itself is shown once).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, from_json, to_json};

/// A mute made by a person: the monitors named, and those with any of the tags, until `until`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub monitors: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub starts_at: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub comment: String,
    /// The user who made it.
    pub created_by: String,
}

impl Silence {
    /// A fresh id for a new silence.
    pub fn new_id() -> String {
        uuid::Uuid::new_v4().simple().to_string()
    }

    pub fn active_at(&self, at: DateTime<Utc>) -> bool {
        self.starts_at <= at && at < self.until
    }

    pub fn covers(&self, monitor: &str, tags: &[String]) -> bool {
        skopos_core::model::selects(&self.monitors, &self.tags, monitor, tags)
    }
}

pub(super) struct OperationsTrees {
    silences: sled::Tree,
    /// Digest of a ping key → monitor id.
    ping_keys: sled::Tree,
    /// Monitor id → digest of its ping key.
    ping_key_of: sled::Tree,
}

impl OperationsTrees {
    pub(super) fn open(db: &sled::Db) -> Result<OperationsTrees, StoreError> {
        Ok(OperationsTrees {
            silences: db.open_tree("silences")?,
            ping_keys: db.open_tree("heartbeat_keys")?,
            ping_key_of: db.open_tree("heartbeat_key_of")?,
        })
    }
}

impl Store {
    pub fn insert_silence(&self, silence: &Silence) -> Result<(), StoreError> {
        self.operations.silences.insert(silence.id.as_bytes(), to_json(silence))?;
        Ok(())
    }

    /// Every silence not yet over at `now`; those that are over are forgotten.
    pub fn silences(&self, now: DateTime<Utc>) -> Result<Vec<Silence>, StoreError> {
        let mut kept = Vec::new();
        for entry in self.operations.silences.iter() {
            let (key, bytes) = entry?;
            let silence: Silence = from_json(&bytes)?;
            if silence.until <= now {
                self.operations.silences.remove(key)?;
            } else {
                kept.push(silence);
            }
        }
        kept.sort_by_key(|silence| silence.until);
        Ok(kept)
    }

    /// Ends a silence; `None` when there was none with that id.
    pub fn delete_silence(&self, id: &str) -> Result<Option<Silence>, StoreError> {
        self.operations.silences.remove(id.as_bytes())?.map(|bytes| from_json(&bytes)).transpose()
    }

    /// Gives a heartbeat monitor a new ping key (by its digest); the old one stops working.
    pub fn set_ping_key(&self, monitor_id: &str, digest: &[u8]) -> Result<(), StoreError> {
        self.clear_ping_key(monitor_id)?;
        self.operations.ping_keys.insert(digest, monitor_id.as_bytes())?;
        self.operations.ping_key_of.insert(monitor_id.as_bytes(), digest)?;
        Ok(())
    }

    /// The digest of a monitor's ping key, if it has one.
    pub fn ping_key_of(&self, monitor_id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.operations.ping_key_of.get(monitor_id.as_bytes())?.map(|digest| digest.to_vec()))
    }

    /// Every ping key digest with its monitor id.
    pub fn ping_keys(&self) -> Result<Vec<(Vec<u8>, String)>, StoreError> {
        self.operations
            .ping_keys
            .iter()
            .map(|entry| {
                let (digest, id) = entry?;
                Ok((digest.to_vec(), String::from_utf8_lossy(&id).into_owned()))
            })
            .collect()
    }

    pub fn clear_ping_key(&self, monitor_id: &str) -> Result<(), StoreError> {
        if let Some(old) = self.operations.ping_key_of.remove(monitor_id.as_bytes())? {
            self.operations.ping_keys.remove(old)?;
        }
        Ok(())
    }
}
