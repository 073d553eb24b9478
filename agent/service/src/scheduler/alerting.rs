//! Moving alert state on and telling people: with every stored run, when an alert timer
//! (escalation, reminder) comes due, when a maintenance window or silence starts or ends, and
//! when a dependency recovers. The state machine itself is pure (`skopos_core::alert`); this
//! is where it meets the store, the clock, maintenance and the other monitors.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{ScheduledMonitor, Scheduler};
use crate::deadlines::Deadlines;
use crate::store::{RunQuery, RunRecord, StoreError};
use skopos_core::alert::{AlertEvent, CollectionAlert, Failure, Health, Notice, Quiet, Transition};

/// When each monitor's collection (by monitor id and collection id) next has something to
/// say without a run.
pub(super) type Timers = Deadlines<(String, String)>;

impl Scheduler {
    /// Moves the alert state of a monitor's collection on with a stored run, and tells people.
    pub(super) fn alert(&self, scheduled: &ScheduledMonitor, run: &RunRecord) -> Result<(), StoreError> {
        let Some(outcome) = run.status.outcome() else { return Ok(()) };
        let now = Utc::now();
        let quiet = self.quiet(scheduled, now);
        let policy = &scheduled.monitor.policy;
        let turn = self.inner.alerting.lock().unwrap_or_else(|e| e.into_inner());
        let mut state = self.inner.store.alert_state(&scheduled.id, &run.collection_id)?;
        let was_down = state.health(now, policy) == Health::Down;
        let announced = state.overall.health;
        let region = run.region.as_deref().unwrap_or_default();
        let notices = state.record(region, outcome, run.started_at, policy, quiet);
        self.keep(scheduled, &run.collection_id, &state)?;
        drop(turn);
        if state.overall.health != announced {
            self.follow_incident(scheduled, now);
        }
        self.tell(scheduled, run, &state, notices);
        if was_down && state.health(now, policy) != Health::Down {
            self.settle_dependents(&scheduled.monitor.name);
        }
        Ok(())
    }

    /// Brings one monitor's collection up to date at the present moment without a run.
    pub(super) fn settle(&self, scheduled: &ScheduledMonitor, collection_id: &str) -> Result<(), StoreError> {
        let now = Utc::now();
        let quiet = self.quiet(scheduled, now);
        let turn = self.inner.alerting.lock().unwrap_or_else(|e| e.into_inner());
        let mut state = self.inner.store.alert_state(&scheduled.id, collection_id)?;
        let before = state.clone();
        let notices = state.settle(now, &scheduled.monitor.policy, quiet);
        if state != before {
            self.keep(scheduled, collection_id, &state)?;
        }
        drop(turn);
        if state.overall.health != before.overall.health {
            self.follow_incident(scheduled, now);
        }
        if notices.is_empty() {
            return Ok(());
        }
        let query = RunQuery {
            monitor_id: Some(scheduled.id.clone()),
            collection_id: Some(collection_id.to_string()),
            limit: 1,
            ..RunQuery::default()
        };
        match self.inner.store.runs(&query)?.runs.first() {
            Some(latest) => self.tell(scheduled, latest, &state, notices),
            None => skopos_core::log_line!("skopos: `{}` has no run to alert with", scheduled.monitor.name),
        }
        Ok(())
    }

    /// Settles every collection of every monitor (a window or silence began or ended).
    pub(super) fn settle_all(&self) {
        for scheduled in self.scheduled_monitors() {
            self.settle_monitor(&scheduled);
        }
    }

    fn settle_monitor(&self, scheduled: &ScheduledMonitor) {
        let collections = match self.inner.store.alert_states(&scheduled.id) {
            Ok(states) => states.into_iter().map(|(id, _)| id).collect::<Vec<_>>(),
            Err(err) => {
                skopos_core::log_line!("skopos: cannot read the alert state of `{}`: {err}", scheduled.monitor.name);
                return;
            }
        };
        for collection_id in collections {
            if let Err(err) = self.settle(scheduled, &collection_id) {
                skopos_core::log_line!("skopos: cannot settle the alerts of `{}`: {err}", scheduled.monitor.name);
            }
        }
    }

    /// A monitor stopped being down: those that depend on it may speak now.
    fn settle_dependents(&self, name: &str) {
        for dependent in self.scheduled_monitors() {
            if dependent.monitor.depends_on.iter().any(|d| d == name) {
                self.settle_monitor(&dependent);
            }
        }
    }

    /// Settles the collections whose timers are due by `now`.
    pub(super) fn settle_due(&self, now: DateTime<Utc>) {
        let due = self.inner.timers.lock().unwrap_or_else(|e| e.into_inner()).take_due(now);
        for (_, (monitor_id, collection_id)) in due {
            let Some(scheduled) = self.scheduled(&monitor_id) else { continue };
            if let Err(err) = self.settle(&scheduled, &collection_id) {
                skopos_core::log_line!("skopos: cannot settle the alerts of `{}`: {err}", scheduled.monitor.name);
            }
        }
    }

    /// Stores the state and sets the collection's timer from it.
    fn keep(
        &self,
        scheduled: &ScheduledMonitor,
        collection_id: &str,
        state: &CollectionAlert,
    ) -> Result<(), StoreError> {
        self.inner.store.set_alert_state(&scheduled.id, collection_id, state)?;
        let next = state.next_timer(&scheduled.monitor.policy);
        let key = (scheduled.id.clone(), collection_id.to_string());
        self.inner.timers.lock().unwrap_or_else(|e| e.into_inner()).set(key, next);
        if next.is_some() {
            self.inner.changed.notify_one();
        }
        Ok(())
    }

    /// Sets the timers of a monitor from its stored states (when it is scheduled, so timers
    /// that were running when the agent stopped fire after it starts).
    pub(super) fn load_timers(&self, scheduled: &ScheduledMonitor) -> Result<(), StoreError> {
        let states = self.inner.store.alert_states(&scheduled.id)?;
        let mut timers = self.inner.timers.lock().unwrap_or_else(|e| e.into_inner());
        timers.remove_where(|(monitor_id, _)| *monitor_id == scheduled.id);
        for (collection_id, state) in states {
            timers.set((scheduled.id.clone(), collection_id), state.next_timer(&scheduled.monitor.policy));
        }
        Ok(())
    }

    /// The monitor's announced health changed: its status page incident follows.
    fn follow_incident(&self, scheduled: &ScheduledMonitor, at: DateTime<Utc>) {
        let store = &self.inner.store;
        let name = &scheduled.monitor.name;
        let followed = crate::status_page::health_of(store, &scheduled.id).and_then(|health| {
            let shown = store.monitors.get(name)?.and_then(|m| m.spec.display_name).unwrap_or_else(|| name.clone());
            crate::incidents::follow(store, (name, &shown), health, at)
        });
        if let Err(err) = followed {
            skopos_core::log_line!("skopos: cannot update the incident of `{name}`: {err}");
        }
    }

    /// Whether people may be told about this monitor now.
    fn quiet(&self, scheduled: &ScheduledMonitor, at: DateTime<Utc>) -> Quiet {
        let monitor = &scheduled.monitor;
        let muted = self.maintenance(scheduled, at).muted;
        let held = monitor.depends_on.iter().any(|name| self.is_down(name, at));
        Quiet { muted, held }
    }

    /// Whether the monitor named `name` is down at `at` in any of its collections.
    fn is_down(&self, name: &str, at: DateTime<Utc>) -> bool {
        let dependency = {
            let monitors = self.inner.monitors.lock().unwrap_or_else(|e| e.into_inner());
            monitors.values().find(|entry| entry.scheduled.monitor.name == name).map(|entry| entry.scheduled.clone())
        };
        let Some(dependency) = dependency else { return false };
        let states = self.inner.store.alert_states(&dependency.id).unwrap_or_default();
        states.iter().any(|(_, state)| state.health(at, &dependency.monitor.policy) == Health::Down)
    }

    /// Hands each notice to the alert sink, with the entries it goes to.
    fn tell(&self, scheduled: &ScheduledMonitor, run: &RunRecord, state: &CollectionAlert, notices: Vec<Notice>) {
        let policy = &scheduled.monitor.policy;
        for notice in notices {
            let failure = match notice.transition {
                Transition::Recovered { .. } => None,
                _ => run.report.as_ref().and_then(Failure::of),
            };
            let event = AlertEvent {
                monitor_id: scheduled.id.clone(),
                monitor: scheduled.monitor.name.clone(),
                collection_id: run.collection_id.clone(),
                collection: run.collection.clone(),
                region: run.region.clone(),
                failing_regions: state.failing_regions(run.started_at, policy),
                tags: scheduled.monitor.tags.clone(),
                transition: notice.transition,
                run_id: run.id.clone(),
                run_started_at: run.started_at,
                failure,
            };
            let entries: Vec<_> =
                notice.entries.iter().filter_map(|i| scheduled.monitor.notify.get(*i).cloned()).collect();
            (self.inner.alerts)(event, &entries);
        }
    }

    pub(super) fn scheduled(&self, id: &str) -> Option<Arc<ScheduledMonitor>> {
        let monitors = self.inner.monitors.lock().unwrap_or_else(|e| e.into_inner());
        monitors.get(id).map(|entry| entry.scheduled.clone())
    }

    pub(super) fn scheduled_monitors(&self) -> Vec<Arc<ScheduledMonitor>> {
        let monitors = self.inner.monitors.lock().unwrap_or_else(|e| e.into_inner());
        monitors.values().map(|entry| entry.scheduled.clone()).collect()
    }
}
