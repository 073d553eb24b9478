//! The notification log: every alert a monitor raised and what became of each delivery,
//! newest first. It holds notifier names and outcomes, never their (secret) settings.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::runs::{rand_u64, time_ordered_key};
use super::{Store, StoreError, from_json, prune_before, to_json};
use skopos_core::alert::AlertEvent;

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
    /// Why the entry's template could not render (the default text was sent instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_error: Option<String>,
}

impl Store {
    pub fn insert_notification(&self, record: &NotificationRecord) -> Result<(), StoreError> {
        // Time-ordered keys: the log reads newest first by a reverse scan and prunes by a range.
        self.notifications.insert(time_ordered_key(record.sent_at, rand_u64()), to_json(record))?;
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
        prune_before(&self.notifications, cutoff)
    }
}
