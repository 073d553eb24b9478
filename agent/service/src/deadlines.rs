//! A queue of deadlines, at most one per key, in time order: what the scheduler sleeps until
//! for alert timers (per monitor and collection) and heartbeat deadlines (per monitor).

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;

use chrono::{DateTime, Utc};

pub struct Deadlines<K> {
    due: BTreeSet<(DateTime<Utc>, K)>,
    by_key: HashMap<K, DateTime<Utc>>,
}

impl<K> Default for Deadlines<K> {
    fn default() -> Self {
        Deadlines { due: BTreeSet::new(), by_key: HashMap::new() }
    }
}

impl<K: Ord + Hash + Clone> Deadlines<K> {
    /// Sets `key`'s deadline (`None`: it has none), replacing the one it had.
    pub fn set(&mut self, key: K, at: Option<DateTime<Utc>>) {
        if let Some(old) = self.by_key.remove(&key) {
            self.due.remove(&(old, key.clone()));
        }
        if let Some(at) = at {
            self.due.insert((at, key.clone()));
            self.by_key.insert(key, at);
        }
    }

    pub fn earliest(&self) -> Option<DateTime<Utc>> {
        self.due.first().map(|(at, _)| *at)
    }

    /// Takes the deadlines due by `now`, earliest first, with their keys.
    pub fn take_due(&mut self, now: DateTime<Utc>) -> Vec<(DateTime<Utc>, K)> {
        let mut taken = Vec::new();
        while self.earliest().is_some_and(|at| at <= now) {
            let (at, key) = self.due.pop_first().expect("a first deadline");
            self.by_key.remove(&key);
            taken.push((at, key));
        }
        taken
    }

    /// Drops the deadlines of the keys `doomed` picks.
    pub fn remove_where(&mut self, doomed: impl Fn(&K) -> bool) {
        let keys: Vec<K> = self.by_key.keys().filter(|key| doomed(key)).cloned().collect();
        for key in keys {
            self.set(key, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn one_deadline_per_key_taken_in_time_order() {
        let mut deadlines = Deadlines::default();
        deadlines.set("a", Some(at(30)));
        deadlines.set("b", Some(at(10)));
        deadlines.set("a", Some(at(20)));
        deadlines.set("c", Some(at(40)));
        assert_eq!(deadlines.earliest(), Some(at(10)));
        assert_eq!(deadlines.take_due(at(25)), [(at(10), "b"), (at(20), "a")]);
        assert_eq!(deadlines.earliest(), Some(at(40)));
        deadlines.set("c", None);
        deadlines.set("c", Some(at(50)));
        assert_eq!(deadlines.take_due(at(45)), []);
        deadlines.remove_where(|key| *key == "c");
        assert_eq!(deadlines.earliest(), None);
    }
}
