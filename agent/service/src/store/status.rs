//! Monitor status that must survive a restart: when each monitor last ran, and the alert
//! state of each of its collections.

use chrono::{DateTime, Utc};

use super::{Store, StoreError, from_json, to_json};
use skopos_core::alert::CollectionAlert;

pub(super) struct Status {
    last_run: sled::Tree,
    alerts: sled::Tree,
}

impl Status {
    pub(super) fn open(db: &sled::Db) -> Result<Status, StoreError> {
        Ok(Status { last_run: db.open_tree("monitor_last_run")?, alerts: db.open_tree("monitor_alerts")? })
    }
}

fn alert_key(monitor_id: &str, collection_id: &str) -> Vec<u8> {
    [monitor_id.as_bytes(), &[0], collection_id.as_bytes()].concat()
}

impl Store {
    pub fn last_run(&self, monitor_id: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.status.last_run.get(monitor_id.as_bytes())?.map(|bytes| from_json(&bytes)).transpose()
    }

    pub fn set_last_run(&self, monitor_id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.status.last_run.insert(monitor_id.as_bytes(), to_json(&at))?;
        Ok(())
    }

    pub fn alert_state(&self, monitor_id: &str, collection_id: &str) -> Result<CollectionAlert, StoreError> {
        match self.status.alerts.get(alert_key(monitor_id, collection_id))? {
            Some(bytes) => from_json(&bytes),
            None => Ok(CollectionAlert::default()),
        }
    }

    pub fn set_alert_state(
        &self,
        monitor_id: &str,
        collection_id: &str,
        state: &CollectionAlert,
    ) -> Result<(), StoreError> {
        self.status.alerts.insert(alert_key(monitor_id, collection_id), to_json(state))?;
        Ok(())
    }

    /// The alert state of each of a monitor's collections, by collection id.
    pub fn alert_states(&self, monitor_id: &str) -> Result<Vec<(String, CollectionAlert)>, StoreError> {
        let prefix = [monitor_id.as_bytes(), &[0]].concat();
        self.status
            .alerts
            .scan_prefix(&prefix)
            .map(|entry| {
                let (key, bytes) = entry?;
                let collection_id = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
                Ok((collection_id, from_json(&bytes)?))
            })
            .collect()
    }

    /// Forgets a deleted monitor's status.
    pub fn clear_status(&self, monitor_id: &str) -> Result<(), StoreError> {
        self.status.last_run.remove(monitor_id.as_bytes())?;
        let prefix = [monitor_id.as_bytes(), &[0]].concat();
        for entry in self.status.alerts.scan_prefix(prefix) {
            self.status.alerts.remove(entry?.0)?;
        }
        self.clear_ping_key(monitor_id)
    }
}
