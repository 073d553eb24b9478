//! The audit log: every change (definitions, monitors' pauses, users, tokens) and every
//! sign-in, signed-in or refused, with who, when, from where and what changed, newest first.
//! Append-only: nothing but pruning by age removes an entry. It never holds a secret: tokens
//! appear by name and id, passwords not at all.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::runs::{rand_u64, time_key, time_ordered_key};
use super::{Store, StoreError, from_json, prune_before, to_json};

/// One audited event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    /// The account that acted (for a refused sign-in: the name offered).
    pub user: String,
    /// How: `session`, `bootstrap token`, `token NAME`, or `sign-in`.
    pub via: String,
    /// `collection.create`, `monitor.pause`, `user.disable`, `token.revoke`, `session.sign_in_failed`...
    pub action: String,
    /// What it acted on: a collection's or monitor's name, a user, a token's name and id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target: String,
    /// The address the request came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

impl AuditRecord {
    /// An entry for now, with nothing before or after (a sign-in, a password set).
    pub fn new(user: &str, via: &str, action: &str, target: &str, from: Option<String>) -> AuditRecord {
        AuditRecord {
            at: Utc::now(),
            user: user.to_string(),
            via: via.to_string(),
            action: action.to_string(),
            target: target.to_string(),
            from,
            before: None,
            after: None,
        }
    }
}

/// Which entries to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub user: Option<String>,
    /// An action, or the start of one (`user.` for every change to accounts).
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: usize,
}

impl Store {
    pub fn insert_audit(&self, record: &AuditRecord) -> Result<(), StoreError> {
        self.audit.insert(time_ordered_key(record.at, rand_u64()), to_json(record))?;
        Ok(())
    }

    pub fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError> {
        let lower = time_key(query.since.unwrap_or(DateTime::<Utc>::MIN_UTC));
        let upper = time_key(query.until.unwrap_or(DateTime::<Utc>::MAX_UTC));
        let mut found = Vec::new();
        for entry in self.audit.range(lower..upper).rev() {
            if found.len() == query.limit {
                break;
            }
            let record: AuditRecord = from_json(&entry?.1)?;
            let user = query.user.as_ref().is_none_or(|user| *user == record.user);
            let action = query.action.as_ref().is_none_or(|action| record.action.starts_with(action.as_str()));
            if user && action {
                found.push(record);
            }
        }
        Ok(found)
    }

    /// Deletes entries older than `cutoff`; returns how many went.
    pub fn prune_audit(&self, cutoff: DateTime<Utc>) -> Result<usize, StoreError> {
        prune_before(&self.audit, cutoff)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn entry(at: DateTime<Utc>, user: &str, action: &str) -> AuditRecord {
        AuditRecord { at, ..AuditRecord::new(user, "session", action, "t", Some("127.0.0.1".into())) }
    }

    #[test]
    fn the_audit_log_lists_newest_first_filters_and_prunes_by_age() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let now = Utc::now();
        let old = now - TimeDelta::days(500);
        store.insert_audit(&entry(old, "alice", "user.add")).unwrap();
        store.insert_audit(&entry(now - TimeDelta::minutes(2), "alice", "collection.create")).unwrap();
        store.insert_audit(&entry(now - TimeDelta::minutes(1), "bob", "user.disable")).unwrap();
        let all = store.audit(&AuditQuery { limit: 10, ..Default::default() }).unwrap();
        let actions: Vec<&str> = all.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["user.disable", "collection.create", "user.add"]);
        let users = store.audit(&AuditQuery { action: Some("user.".into()), limit: 10, ..Default::default() }).unwrap();
        assert_eq!(users.len(), 2);
        let alice = AuditQuery {
            user: Some("alice".into()),
            since: Some(now - TimeDelta::hours(1)),
            limit: 10,
            ..Default::default()
        };
        assert_eq!(store.audit(&alice).unwrap().len(), 1);
        assert_eq!(store.prune_audit(now - TimeDelta::days(400)).unwrap(), 1);
        assert_eq!(store.audit(&AuditQuery { limit: 10, ..Default::default() }).unwrap().len(), 2);
    }
}
