//! The monitor's health across regions, and what people are told of it. Every region that
//! runs a monitor keeps its own streaks (an [`AlertState`]); the monitor is down for a
//! collection when at least `alert_regions` of them are down (degraded when that many are in
//! trouble), leaving out regions gone silent. One region with `alert_regions: 1` behaves
//! exactly as a single agent always has.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::routing::{self, Notice};
use super::{AlertPolicy, AlertState, Health, Quiet, Transition, TransitionKind};
use crate::report::Outcome;

/// What is stored per monitor and collection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CollectionAlert {
    /// The monitor as a whole: `health` is what people were told (announced), with
    /// `failing_since` (when the trouble began) and `last_alert`; the streak counts are
    /// those of the region that ran last.
    #[serde(flatten)]
    pub overall: AlertState,
    /// Each region's own streaks, by region name (`""` for an agent without `--region`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub regions: BTreeMap<String, RegionAlert>,
    /// When the trouble now announced was first announced: escalations count from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerted_at: Option<DateTime<Utc>>,
    /// What each `notify` entry was last told, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub told: Vec<Health>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegionAlert {
    #[serde(flatten)]
    pub state: AlertState,
    /// When this region's latest run started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_run: Option<DateTime<Utc>>,
}

impl CollectionAlert {
    /// Takes a run's outcome from `region` at `at`; returns whom to tell what.
    pub fn record(
        &mut self,
        region: &str,
        outcome: Outcome,
        at: DateTime<Utc>,
        policy: &AlertPolicy,
        quiet: Quiet,
    ) -> Vec<Notice> {
        // A state stored before regions existed belongs to the first region that reports.
        if self.regions.is_empty() && self.overall != AlertState::default() {
            self.regions.insert(region.to_string(), RegionAlert { state: self.overall.clone(), last_run: None });
        }
        let entry = self.regions.entry(region.to_string()).or_default();
        entry.state.record(outcome, at, policy);
        entry.last_run = Some(entry.last_run.map_or(at, |last| last.max(at)));
        let streaks = entry.state.clone();
        let overall = &mut self.overall;
        overall.consecutive_failures = streaks.consecutive_failures;
        overall.consecutive_successes = streaks.consecutive_successes;
        overall.consecutive_troubled = streaks.consecutive_troubled;
        overall.consecutive_not_failed = streaks.consecutive_not_failed;
        self.settle(at, policy, quiet)
    }

    /// Brings what people were told up to date at `at` without a run: an escalation came
    /// due, a reminder is due, or the monitor is no longer muted or held.
    pub fn settle(&mut self, at: DateTime<Utc>, policy: &AlertPolicy, quiet: Quiet) -> Vec<Notice> {
        let announced = self.overall.health;
        self.told.resize(policy.routes.len(), announced);
        if quiet.any() {
            return Vec::new();
        }
        let health = self.health(at, policy);
        if health != announced {
            if announced == Health::Up {
                let earliest = self.troubled(at, policy).filter_map(|(_, r)| r.state.failing_since).min();
                self.overall.failing_since = Some(earliest.unwrap_or(at));
                self.alerted_at = Some(at);
            }
            if health == Health::Down {
                self.overall.last_alert = Some(at);
            }
            self.overall.health = health;
        }
        let since = self.overall.failing_since.unwrap_or(at);
        let mut notices =
            routing::tell(&policy.routes, &mut self.told, (health, self.alerted_at), at, |kind| match kind {
                TransitionKind::Failing => Transition::Failing { since },
                TransitionKind::Degraded => Transition::Degraded { since },
                TransitionKind::Reminder => Transition::Reminder { since },
                TransitionKind::Recovered => Transition::Recovered { since, at },
            });
        if health == Health::Up {
            self.overall.failing_since = None;
            self.overall.last_alert = None;
            self.alerted_at = None;
        } else if notices.is_empty() {
            notices.extend(self.remind(at, policy));
        }
        notices
    }

    /// Still down: a reminder to the entries told so, `remind_every` after the last alert.
    fn remind(&mut self, at: DateTime<Utc>, policy: &AlertPolicy) -> Option<Notice> {
        let every = policy.remind_every?;
        let last = self.overall.last_alert?;
        if self.overall.health != Health::Down || at - last < every {
            return None;
        }
        self.overall.last_alert = Some(at);
        let entries: Vec<usize> = (policy.routes.iter().zip(&self.told).enumerate())
            .filter(|(_, (route, told))| **told == Health::Down && route.hears(TransitionKind::Reminder))
            .map(|(index, _)| index)
            .collect();
        let since = self.overall.failing_since.unwrap_or(at);
        (!entries.is_empty()).then_some(Notice { transition: Transition::Reminder { since }, entries })
    }

    /// When [`CollectionAlert::settle`] has something to say without a run: an escalation
    /// or a reminder coming due.
    pub fn next_timer(&self, policy: &AlertPolicy) -> Option<DateTime<Utc>> {
        let announced = self.overall.health;
        let escalations = policy.routes.iter().enumerate().filter_map(|(index, route)| {
            let told = self.told.get(index).copied().unwrap_or(announced);
            route.due(announced, told, self.alerted_at)
        });
        let reminder = match (announced, policy.remind_every, self.overall.last_alert) {
            (Health::Down, Some(every), Some(last)) => Some(last + every),
            _ => None,
        };
        escalations.chain(reminder).min()
    }

    /// The monitor's health at `at` from its regions.
    pub fn health(&self, at: DateTime<Utc>, policy: &AlertPolicy) -> Health {
        let need = policy.alert_regions.max(1) as usize;
        let down = self.troubled(at, policy).filter(|(_, r)| r.state.health == Health::Down).count();
        if down >= need {
            Health::Down
        } else if self.troubled(at, policy).count() >= need {
            Health::Degraded
        } else {
            Health::Up
        }
    }

    /// The regions down or degraded at `at`, leaving out those silent for longer than
    /// `stale_after`.
    fn troubled<'a>(
        &'a self,
        at: DateTime<Utc>,
        policy: &'a AlertPolicy,
    ) -> impl Iterator<Item = (&'a str, &'a RegionAlert)> + 'a {
        self.regions
            .iter()
            .filter(|(_, region)| region.state.health != Health::Up)
            .filter(move |(_, region)| {
                let silent = region.last_run.map(|last| at - last);
                policy.stale_after.is_none_or(|stale| silent.is_none_or(|silent| silent <= stale))
            })
            .map(|(name, region)| (name.as_str(), region))
    }

    /// The names of the regions in trouble at `at` (for the alert).
    pub fn failing_regions(&self, at: DateTime<Utc>, policy: &AlertPolicy) -> Vec<String> {
        self.troubled(at, policy).map(|(name, _)| name.to_string()).filter(|n| !n.is_empty()).collect()
    }
}

#[cfg(test)]
mod tests;
