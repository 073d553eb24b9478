//! Alert state per monitor and collection: consecutive failures and successes, and the
//! transitions worth notifying (passing → failing, failing → passing, reminders), not every
//! failed run. With several regions, each keeps its own streaks and the monitor alerts when
//! enough of them fail (`regions.rs`).

mod regions;

pub use regions::{CollectionAlert, RegionAlert};

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::assert::AssertionResult;
use crate::report::{CollectionReport, StepError};

/// A monitor's `alert_after`, `recover_after`, `remind_every` and `alert_regions`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlertPolicy {
    pub alert_after: u32,
    pub recover_after: u32,
    pub remind_every: Option<TimeDelta>,
    /// How many regions must be failing (each `alert_after` times in a row) to alert.
    pub alert_regions: u32,
    /// A region that has sent no run for this long no longer counts as failing (a follower
    /// that was shut down must not hold an alert open forever).
    pub stale_after: Option<TimeDelta>,
}

impl AlertPolicy {
    /// One region, no reminders.
    pub fn after(alert_after: u32, recover_after: u32) -> AlertPolicy {
        AlertPolicy { alert_after, recover_after, remind_every: None, alert_regions: 1, stale_after: None }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Passing, or not yet failing `alert_after` times in a row.
    #[default]
    Up,
    Down,
}

/// What is remembered between runs (stored with the monitor's status).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertState {
    pub health: Health,
    pub consecutive_failures: u32,
    pub consecutive_successes: u32,
    /// When the current run of failures began (set from the first failure of the streak).
    pub failing_since: Option<DateTime<Utc>>,
    /// When the last alert or reminder went out.
    pub last_alert: Option<DateTime<Utc>>,
}

/// A change to tell people about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "transition", rename_all = "snake_case")]
pub enum Transition {
    /// Failed `alert_after` times in a row.
    Failing { since: DateTime<Utc> },
    /// Still failing, `remind_every` after the last alert.
    Reminder { since: DateTime<Utc> },
    /// Passed `recover_after` times in a row after being down.
    Recovered { since: DateTime<Utc>, at: DateTime<Utc> },
}

/// A transition to tell people about, with what it concerns and why.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AlertEvent {
    pub monitor_id: String,
    pub monitor: String,
    pub collection_id: String,
    pub collection: String,
    /// The region of the agent that ran it (`serve --region`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The regions failing when it was sent (for a monitor run in more than one region).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failing_regions: Vec<String>,
    #[serde(flatten)]
    pub transition: Transition,
    /// The run that caused it (`GET /api/v1/runs/{run_id}`).
    pub run_id: String,
    /// When the run that caused it started.
    pub run_started_at: DateTime<Utc>,
    /// The first failing step of that run (none for a recovery).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

/// What failed: a step, with its error or its failed assertions (expected and actual).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failure {
    pub step: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<StepError>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assertions: Vec<AssertionResult>,
}

impl Failure {
    /// The first failed step of a run, if any.
    pub fn of(report: &CollectionReport) -> Option<Failure> {
        let step = report.first_failed_step()?;
        Some(Failure {
            step: step.label(),
            error: step.error.clone(),
            assertions: step.assertions.iter().filter(|a| !a.passed).cloned().collect(),
        })
    }

    /// `step 2 'pay': status: expected 200, got 503`.
    pub fn in_words(&self) -> String {
        let reasons: Vec<String> = match &self.error {
            Some(error) => vec![error.message.clone()],
            None => self
                .assertions
                .iter()
                .map(|a| format!("{}: {}", a.subject(), a.message.as_deref().unwrap_or("failed")))
                .collect(),
        };
        format!("{}: {}", self.step, reasons.join("; "))
    }
}

impl AlertEvent {
    /// One line for people: `checkout / login flow is failing: step 1 'login': ...`.
    pub fn summary(&self) -> String {
        let what = match self.transition {
            Transition::Failing { .. } => "is failing",
            Transition::Reminder { .. } => "is still failing",
            Transition::Recovered { .. } => "has recovered",
        };
        let mut line = format!("{} / {} {what}", self.monitor, self.collection);
        if self.failing_regions.len() > 1 {
            line.push_str(&format!(" in {} regions ({})", self.failing_regions.len(), self.failing_regions.join(", ")));
        }
        if let Some(failure) = &self.failure {
            line.push_str(": ");
            line.push_str(&failure.in_words());
        }
        line
    }
}

impl AlertState {
    /// Takes a run's outcome; returns the transition to notify, if any.
    pub fn record(&mut self, passed: bool, at: DateTime<Utc>, policy: &AlertPolicy) -> Option<Transition> {
        if passed {
            self.consecutive_failures = 0;
            self.consecutive_successes = self.consecutive_successes.saturating_add(1);
            if self.health == Health::Down && self.consecutive_successes >= policy.recover_after.max(1) {
                return Some(self.recover(at));
            }
            if self.health == Health::Up {
                self.failing_since = None;
            }
            return None;
        }
        self.consecutive_successes = 0;
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        let since = *self.failing_since.get_or_insert(at);
        match self.health {
            Health::Up if self.consecutive_failures >= policy.alert_after.max(1) => Some(self.go_down(since, at)),
            Health::Down => self.remind(since, at, policy),
            Health::Up => None,
        }
    }

    /// Down since `since`, alerted at `at`.
    fn go_down(&mut self, since: DateTime<Utc>, at: DateTime<Utc>) -> Transition {
        self.health = Health::Down;
        self.failing_since = Some(since);
        self.last_alert = Some(at);
        Transition::Failing { since }
    }

    /// Up again at `at`.
    fn recover(&mut self, at: DateTime<Utc>) -> Transition {
        let since = self.failing_since.take().unwrap_or(at);
        self.health = Health::Up;
        self.last_alert = None;
        Transition::Recovered { since, at }
    }

    /// Still down: a reminder when `remind_every` has passed since the last alert.
    fn remind(&mut self, since: DateTime<Utc>, at: DateTime<Utc>, policy: &AlertPolicy) -> Option<Transition> {
        let remind = policy.remind_every?;
        let due = self.last_alert.is_none_or(|last| at - last >= remind);
        due.then(|| {
            self.last_alert = Some(at);
            Transition::Reminder { since }
        })
    }
}

impl AlertEvent {
    /// The JSON document the alert is as data (what the `webhook` notifier POSTs): the
    /// event, plus a one-line `summary` for people.
    pub fn payload(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).expect("alert events serialize");
        if let serde_json::Value::Object(fields) = &mut value {
            fields.insert("summary".into(), serde_json::Value::String(self.summary()));
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minute(n: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + n * 60, 0).unwrap()
    }

    fn policy(alert_after: u32, recover_after: u32, remind_minutes: Option<i64>) -> AlertPolicy {
        AlertPolicy {
            remind_every: remind_minutes.map(TimeDelta::minutes),
            ..AlertPolicy::after(alert_after, recover_after)
        }
    }

    /// Runs outcomes (`F` fail, `P` pass) one a minute; the transitions by minute.
    fn replay(outcomes: &str, policy: &AlertPolicy) -> Vec<(i64, Transition)> {
        let mut state = AlertState::default();
        outcomes
            .chars()
            .enumerate()
            .filter_map(|(n, c)| state.record(c == 'P', minute(n as i64), policy).map(|t| (n as i64, t)))
            .collect()
    }

    #[test]
    fn one_alert_when_failing_starts_and_one_when_it_recovers() {
        let transitions = replay("PPFFFFPP", &policy(1, 1, None));
        assert_eq!(
            transitions,
            vec![
                (2, Transition::Failing { since: minute(2) }),
                (6, Transition::Recovered { since: minute(2), at: minute(6) })
            ]
        );
    }

    #[test]
    fn alert_after_and_recover_after_need_streaks() {
        // A failure between passes restarts the count towards recovery.
        let transitions = replay("FPFFPFFFPFPPP", &policy(3, 2, None));
        assert_eq!(
            transitions,
            vec![
                // The streak that reached 3 began at minute 5.
                (7, Transition::Failing { since: minute(5) }),
                (11, Transition::Recovered { since: minute(5), at: minute(11) })
            ]
        );
    }

    #[test]
    fn reminders_repeat_while_failing() {
        let transitions = replay("FFFFFFP", &policy(1, 1, Some(2)));
        assert_eq!(
            transitions,
            vec![
                (0, Transition::Failing { since: minute(0) }),
                (2, Transition::Reminder { since: minute(0) }),
                (4, Transition::Reminder { since: minute(0) }),
                (6, Transition::Recovered { since: minute(0), at: minute(6) })
            ]
        );
    }

    #[test]
    fn state_round_trips_through_json() {
        let mut state = AlertState::default();
        state.record(false, minute(0), &policy(1, 1, None));
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(serde_json::from_str::<AlertState>(&json).unwrap(), state);
    }
}
