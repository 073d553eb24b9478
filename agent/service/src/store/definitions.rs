//! Collections and monitors: stored by id, found by id or by name.

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sled::Transactional;

use super::{StoreError, from_json, to_json};

/// A stored definition with its id and timestamps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stored<T> {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub spec: T,
}

/// Something with a name that is unique among its kind.
pub trait Named {
    fn name(&self) -> &str;
}

impl Named for skopos_core::model::Collection {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for skopos_core::model::Monitor {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for skopos_core::model::Window {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for skopos_core::model::StatusPage {
    fn name(&self) -> &str {
        &self.name
    }
}

/// One kind of definition: a tree by id and a tree from name to id.
pub struct Definitions<T> {
    kind: &'static str,
    by_id: sled::Tree,
    by_name: sled::Tree,
    /// Moved on by every change, of any kind: what status pages show may have changed.
    changes: Arc<AtomicU64>,
    spec: PhantomData<T>,
}

impl<T: Named + Serialize + DeserializeOwned + Clone> Definitions<T> {
    pub(super) fn open(
        db: &sled::Db,
        kind: &'static str,
        changes: Arc<AtomicU64>,
    ) -> Result<Definitions<T>, StoreError> {
        Ok(Definitions {
            kind,
            by_id: db.open_tree(format!("{kind}s"))?,
            by_name: db.open_tree(format!("{kind}_names"))?,
            changes,
            spec: PhantomData,
        })
    }

    fn changed(&self) {
        self.changes.fetch_add(1, Ordering::Relaxed);
    }

    /// Creates, or replaces the one with the same name (keeping its id). With `id`, renames
    /// or replaces that one; another definition's name is refused.
    pub fn put(&self, id: Option<&str>, spec: T) -> Result<Stored<T>, StoreError> {
        let now = Utc::now();
        let name = spec.name().to_string();
        let existing = match id {
            Some(id) => Some(self.get(id)?.ok_or_else(|| self.not_found(id))?),
            None => self.by_name(&name)?,
        };
        if let (Some(existing), Some(holder)) = (&existing, self.by_name(&name)?)
            && holder.id != existing.id
        {
            return Err(StoreError::NameTaken { kind: self.kind, name, id: holder.id });
        }
        let stored = Stored {
            id: existing.as_ref().map_or_else(|| uuid::Uuid::new_v4().to_string(), |e| e.id.clone()),
            created_at: existing.as_ref().map_or(now, |e| e.created_at),
            updated_at: now,
            spec,
        };
        let old_name = existing.map(|e| e.spec.name().to_string());
        (&self.by_id, &self.by_name).transaction(|(by_id, by_name)| {
            if let Some(old) = &old_name {
                by_name.remove(old.as_bytes())?;
            }
            by_id.insert(stored.id.as_bytes(), to_json(&stored))?;
            by_name.insert(name.as_bytes(), stored.id.as_bytes())?;
            Ok::<_, sled::transaction::ConflictableTransactionError<StoreError>>(())
        })?;
        self.changed();
        Ok(stored)
    }

    /// By id, or else by name.
    pub fn get(&self, id_or_name: &str) -> Result<Option<Stored<T>>, StoreError> {
        if let Some(bytes) = self.by_id.get(id_or_name.as_bytes())? {
            return from_json(&bytes).map(Some);
        }
        self.by_name(id_or_name)
    }

    fn by_name(&self, name: &str) -> Result<Option<Stored<T>>, StoreError> {
        match self.by_name.get(name.as_bytes())? {
            None => Ok(None),
            Some(id) => match self.by_id.get(&id)? {
                Some(bytes) => from_json(&bytes).map(Some),
                None => Err(StoreError::Corrupt(format!("{} name `{name}` points at a missing id", self.kind))),
            },
        }
    }

    /// All of them, by name.
    pub fn list(&self) -> Result<Vec<Stored<T>>, StoreError> {
        self.by_name
            .iter()
            .map(|entry| {
                let (_, id) = entry?;
                let bytes = self.by_id.get(&id)?.ok_or_else(|| StoreError::Corrupt("dangling name".into()))?;
                from_json(&bytes)
            })
            .collect()
    }

    /// Removes by id or name; `false` when there was none.
    pub fn delete(&self, id_or_name: &str) -> Result<bool, StoreError> {
        let Some(stored) = self.get(id_or_name)? else { return Ok(false) };
        (&self.by_id, &self.by_name).transaction(|(by_id, by_name)| {
            by_id.remove(stored.id.as_bytes())?;
            by_name.remove(stored.spec.name().as_bytes())?;
            Ok::<_, sled::transaction::ConflictableTransactionError<StoreError>>(())
        })?;
        self.changed();
        Ok(true)
    }

    /// Makes this kind hold exactly `wanted` (ids, timestamps and all), as a follower mirrors
    /// its primary. Returns the ids that changed or went; empty when it already did.
    pub fn mirror(&self, wanted: &[Stored<T>]) -> Result<Vec<String>, StoreError> {
        let mut changed = Vec::new();
        for stored in self.list()? {
            if !wanted.iter().any(|w| w.id == stored.id) {
                self.delete(&stored.id)?;
                changed.push(stored.id);
            }
        }
        for stored in wanted {
            let bytes = to_json(stored);
            let existing = self.by_id.get(stored.id.as_bytes())?;
            if existing.as_deref() == Some(bytes.as_slice()) {
                continue;
            }
            let existing: Option<Stored<T>> = existing.map(|bytes| from_json(&bytes)).transpose()?;
            let name = stored.spec.name().to_string();
            let old_name = existing.map(|e| e.spec.name().to_string());
            (&self.by_id, &self.by_name).transaction(|(by_id, by_name)| {
                if let Some(old) = &old_name
                    && by_name.get(old.as_bytes())?.is_some_and(|id| id == stored.id.as_bytes())
                {
                    by_name.remove(old.as_bytes())?;
                }
                // A name another definition still holds here moves to this one; that one is
                // renamed or removed further on, as on the primary.
                by_id.insert(stored.id.as_bytes(), bytes.as_slice())?;
                by_name.insert(name.as_bytes(), stored.id.as_bytes())?;
                Ok::<_, sled::transaction::ConflictableTransactionError<StoreError>>(())
            })?;
            changed.push(stored.id.clone());
        }
        if !changed.is_empty() {
            self.changed();
        }
        Ok(changed)
    }

    fn not_found(&self, key: &str) -> StoreError {
        StoreError::NotFound { kind: self.kind, key: key.to_string() }
    }
}
