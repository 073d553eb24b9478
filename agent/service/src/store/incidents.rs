//! Incidents shown on status pages: opened and resolved by the health of monitors, or posted
//! by people for a page, each with its timeline of updates. They hold only what people wrote
//! and monitor names, never anything from the runs behind them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::runs::{key_id, rand_u64, time_ordered_key};
use super::{Store, StoreError, from_json, to_json};

/// Where an incident stands, as Atlassian Statuspage names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

/// How bad it is: `minor` for degraded service, `major` for an outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    None,
    Minor,
    Major,
    Critical,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentUpdate {
    pub at: DateTime<Utc>,
    pub status: IncidentStatus,
    pub message: String,
    /// The user who wrote it; none when the agent did (a monitor failed or recovered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// Time-ordered: 32 hex digits, the first 16 the start in microseconds.
    pub id: String,
    pub title: String,
    /// The page (slug) of an incident posted by hand; none for one a monitor opened, which
    /// shows on every page that shows the monitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// The monitors affected, by name.
    #[serde(default)]
    pub monitors: Vec<String>,
    pub impact: Impact,
    pub status: IncidentStatus,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Newest last.
    pub updates: Vec<IncidentUpdate>,
}

impl Incident {
    pub fn new(title: String, impact: Impact, first: IncidentUpdate) -> Incident {
        let key = time_ordered_key(first.at, rand_u64());
        Incident {
            id: key_id(&key),
            title,
            page: None,
            monitors: Vec::new(),
            impact,
            status: first.status,
            started_at: first.at,
            updated_at: first.at,
            resolved_at: (first.status == IncidentStatus::Resolved).then_some(first.at),
            updates: vec![first],
        }
    }

    /// Adds an update; `resolved` closes the incident.
    pub fn push(&mut self, update: IncidentUpdate) {
        self.status = update.status;
        self.updated_at = update.at;
        self.resolved_at = (update.status == IncidentStatus::Resolved).then_some(update.at);
        self.updates.push(update);
    }

    pub fn is_open(&self) -> bool {
        self.status != IncidentStatus::Resolved
    }

    /// Whether it shows on the page `slug` showing `monitors`.
    pub fn shows_on(&self, slug: &str, monitors: &[&str]) -> bool {
        match &self.page {
            Some(page) => page == slug,
            None => self.monitors.iter().any(|m| monitors.contains(&m.as_str())),
        }
    }
}

fn key_of(id: &str) -> Option<Vec<u8>> {
    (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| (0..16).map(|i| u8::from_str_radix(&id[2 * i..2 * i + 2], 16).unwrap_or(0)).collect())
}

pub(super) struct IncidentTrees {
    incidents: sled::Tree,
    /// Monitor name → id of the open incident its health opened.
    open_by_monitor: sled::Tree,
}

impl IncidentTrees {
    pub(super) fn open(db: &sled::Db) -> Result<IncidentTrees, StoreError> {
        Ok(IncidentTrees { incidents: db.open_tree("incidents")?, open_by_monitor: db.open_tree("incidents_open")? })
    }
}

impl Store {
    pub fn put_incident(&self, incident: &Incident) -> Result<(), StoreError> {
        let key = key_of(&incident.id).ok_or_else(|| StoreError::Corrupt("incident id".into()))?;
        self.incidents.incidents.insert(key, to_json(incident))?;
        self.touch_public();
        Ok(())
    }

    pub fn incident(&self, id: &str) -> Result<Option<Incident>, StoreError> {
        let Some(key) = key_of(id) else { return Ok(None) };
        self.incidents.incidents.get(key)?.map(|bytes| from_json(&bytes)).transpose()
    }

    pub fn delete_incident(&self, id: &str) -> Result<Option<Incident>, StoreError> {
        let Some(key) = key_of(id) else { return Ok(None) };
        let Some(bytes) = self.incidents.incidents.remove(key)? else { return Ok(None) };
        let incident: Incident = from_json(&bytes)?;
        self.touch_public();
        for monitor in &incident.monitors {
            if self.incidents.open_by_monitor.get(monitor)?.is_some_and(|open| open == incident.id.as_bytes()) {
                self.incidents.open_by_monitor.remove(monitor)?;
            }
        }
        Ok(Some(incident))
    }

    /// Newest first, those for which `keep` holds, up to `limit`.
    pub fn incidents(&self, limit: usize, keep: impl Fn(&Incident) -> bool) -> Result<Vec<Incident>, StoreError> {
        let mut found = Vec::new();
        for entry in self.incidents.incidents.iter().rev() {
            if found.len() == limit {
                break;
            }
            let incident: Incident = from_json(&entry?.1)?;
            if keep(&incident) {
                found.push(incident);
            }
        }
        Ok(found)
    }

    /// The open incident a monitor's health opened, if any.
    pub fn open_incident_of(&self, monitor: &str) -> Result<Option<Incident>, StoreError> {
        let Some(id) = self.incidents.open_by_monitor.get(monitor)? else { return Ok(None) };
        let incident = self.incident(&String::from_utf8_lossy(&id))?;
        Ok(incident.filter(Incident::is_open))
    }

    /// Remembers (or, with none, forgets) the open incident a monitor's health opened.
    pub fn set_open_incident_of(&self, monitor: &str, id: Option<&str>) -> Result<(), StoreError> {
        match id {
            Some(id) => self.incidents.open_by_monitor.insert(monitor, id.as_bytes())?,
            None => self.incidents.open_by_monitor.remove(monitor)?,
        };
        Ok(())
    }
}
