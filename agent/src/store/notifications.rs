//! The notification log: every alert a monitor raised and what became of each delivery,
//! newest first. It holds notifier names and outcomes, never their (secret) settings.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, from_json, to_json};
use crate::alert::AlertEvent;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Delivered,
    Failed,
}

/// One alert sent (or not) through one notifier.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotificationRecord {
    /// When delivery ended (delivered, or given up).
    pub sent_at: DateTime<Utc>,
    /// What was sent.
    #[serde(flatten)]
    pub alert: AlertEvent,
    /// The notifier's plugin name (`webhook`, `slack`, ...), and its place in `notify`.
    pub notifier: String,
    pub notifier_index: usize,
    pub delivery: Delivery,
    pub attempts: u32,
    /// Why delivery failed, with secrets masked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Keys are the time in microseconds then a random tail, so the log reads newest first by a
/// reverse scan and prunes by a range.
fn key(at: DateTime<Utc>) -> [u8; 16] {
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&at.timestamp_micros().max(0).to_be_bytes());
    key[8..].copy_from_slice(&uuid::Uuid::new_v4().as_u64_pair().0.to_be_bytes());
    key
}

impl Store {
    pub fn insert_notification(&self, record: &NotificationRecord) -> Result<(), StoreError> {
        self.notifications.insert(key(record.sent_at), to_json(record))?;
        Ok(())
    }

    /// The newest `limit` entries, of one monitor (by id) when given.
    pub fn notifications(&self, monitor_id: Option<&str>, limit: usize) -> Result<Vec<NotificationRecord>, StoreError> {
        let mut found = Vec::new();
        for entry in self.notifications.iter().rev() {
            if found.len() == limit {
                break;
            }
            let record: NotificationRecord = from_json(&entry?.1)?;
            if monitor_id.is_none_or(|id| id == record.alert.monitor_id) {
                found.push(record);
            }
        }
        Ok(found)
    }

    /// Deletes entries older than `cutoff`; returns how many went.
    pub fn prune_notifications(&self, cutoff: DateTime<Utc>) -> Result<usize, StoreError> {
        let end = (cutoff.timestamp_micros().max(0) as u64).to_be_bytes();
        let mut deleted = 0;
        for entry in self.notifications.range(..end) {
            self.notifications.remove(entry?.0)?;
            deleted += 1;
        }
        Ok(deleted)
    }
}
