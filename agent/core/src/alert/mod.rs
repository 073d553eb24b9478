//! Alerting as data. Each region's runs move its health (`streaks.rs`: up, degraded, down);
//! the regions together make the monitor's health (`regions.rs`: `alert_regions`, regions gone
//! silent); and each `notify` entry is told what changed as it hears it (`routing.rs`: a
//! transition table, `on`, escalation `after`), unless the monitor is muted (a maintenance
//! window, a silence) or held (a dependency is down), in which case people are told once it
//! is not. Everything here is pure: the agent stores the state and wakes it at `next_timer`.

mod regions;
mod routing;
mod streaks;
pub mod template;

pub use regions::{CollectionAlert, RegionAlert};
pub use routing::{Notice, Route};
pub use streaks::AlertState;
pub use template::MessageText;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::assert::AssertionResult;
pub use crate::model::TransitionKind;
use crate::report::{CollectionReport, StepError};

/// A monitor's `alert_after`, `recover_after`, `remind_every`, `alert_regions` and, per
/// `notify` entry, what it hears.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertPolicy {
    pub alert_after: u32,
    pub recover_after: u32,
    pub remind_every: Option<TimeDelta>,
    /// How many regions must be failing (each `alert_after` times in a row) to alert.
    pub alert_regions: u32,
    /// A region that has sent no run for this long no longer counts as failing (a follower
    /// that was shut down must not hold an alert open forever).
    pub stale_after: Option<TimeDelta>,
    /// One per `notify` entry, in order.
    pub routes: Vec<Route>,
}

impl AlertPolicy {
    /// One region, no reminders, one entry that hears everything.
    pub fn after(alert_after: u32, recover_after: u32) -> AlertPolicy {
        AlertPolicy {
            alert_after,
            recover_after,
            remind_every: None,
            alert_regions: 1,
            stale_after: None,
            routes: vec![Route::default()],
        }
    }
}

/// A monitor's health. Ordered from best to worst.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Passing, or not yet in trouble `alert_after` times in a row.
    #[default]
    Up,
    /// Only `warn` assertions failing: counts as up for uptime.
    Degraded,
    Down,
}

/// Why people are not told right now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quiet {
    /// A `mute` maintenance window or a silence covers the monitor.
    pub muted: bool,
    /// A monitor in its `depends_on` is down.
    pub held: bool,
}

impl Quiet {
    pub fn any(self) -> bool {
        self.muted || self.held
    }
}

/// A change to tell people about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "transition", rename_all = "snake_case")]
pub enum Transition {
    /// Failed `alert_after` times in a row.
    Failing { since: DateTime<Utc> },
    /// Only `warn` assertions failing, `alert_after` times in a row.
    Degraded { since: DateTime<Utc> },
    /// Still failing, `remind_every` after the last alert.
    Reminder { since: DateTime<Utc> },
    /// Passed `recover_after` times in a row after being down or degraded.
    Recovered { since: DateTime<Utc>, at: DateTime<Utc> },
}

impl Transition {
    pub fn kind(&self) -> TransitionKind {
        match self {
            Transition::Failing { .. } => TransitionKind::Failing,
            Transition::Degraded { .. } => TransitionKind::Degraded,
            Transition::Reminder { .. } => TransitionKind::Reminder,
            Transition::Recovered { .. } => TransitionKind::Recovered,
        }
    }

    /// When the trouble began.
    pub fn since(&self) -> DateTime<Utc> {
        match *self {
            Transition::Failing { since }
            | Transition::Degraded { since }
            | Transition::Reminder { since }
            | Transition::Recovered { since, .. } => since,
        }
    }
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
    /// The monitor's tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
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
            Transition::Degraded { .. } => "is degraded",
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
