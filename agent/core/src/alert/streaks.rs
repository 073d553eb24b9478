//! One region's health from its runs: streaks of outcomes, read against `alert_after` and
//! `recover_after`. A health only moves when a whole streak says so: worse after `alert_after`
//! runs at least that bad, better after `recover_after` runs at least that good.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AlertPolicy, Health};
use crate::report::Outcome;

/// What is remembered between runs (stored with the monitor's status).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertState {
    pub health: Health,
    /// Failed runs in a row.
    pub consecutive_failures: u32,
    /// Passed runs in a row.
    pub consecutive_successes: u32,
    /// Runs in a row that did not pass (degraded or failed).
    #[serde(default)]
    pub consecutive_troubled: u32,
    /// Runs in a row that did not fail (passed or degraded).
    #[serde(default)]
    pub consecutive_not_failed: u32,
    /// When the current trouble began (the first run of the streak that did not pass).
    pub failing_since: Option<DateTime<Utc>>,
    /// When the last failing alert or reminder went out (kept on the monitor as a whole).
    pub last_alert: Option<DateTime<Utc>>,
}

/// Adds one to a streak that goes on, or starts it again at zero.
fn step(streak: &mut u32, goes_on: bool) {
    *streak = if goes_on { streak.saturating_add(1) } else { 0 };
}

impl AlertState {
    /// Takes a run's outcome at `at` and moves the health on.
    pub fn record(&mut self, outcome: Outcome, at: DateTime<Utc>, policy: &AlertPolicy) {
        step(&mut self.consecutive_failures, outcome == Outcome::Failed);
        step(&mut self.consecutive_troubled, outcome != Outcome::Passed);
        step(&mut self.consecutive_successes, outcome == Outcome::Passed);
        step(&mut self.consecutive_not_failed, outcome != Outcome::Failed);
        if outcome != Outcome::Passed {
            self.failing_since.get_or_insert(at);
        }
        let (alert_after, recover_after) = (policy.alert_after.max(1), policy.recover_after.max(1));
        let worse = if self.consecutive_failures >= alert_after {
            Health::Down
        } else if self.consecutive_troubled >= alert_after {
            Health::Degraded
        } else {
            Health::Up
        };
        let better = if self.consecutive_successes >= recover_after {
            Health::Up
        } else if self.consecutive_not_failed >= recover_after {
            Health::Degraded
        } else {
            Health::Down
        };
        if worse > self.health {
            self.health = worse;
        } else if better < self.health {
            self.health = better;
        }
        if self.health == Health::Up && outcome == Outcome::Passed {
            self.failing_since = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minute(n: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + n * 60, 0).unwrap()
    }

    /// The health after each run of `outcomes` (`P` passed, `D` degraded, `F` failed), as
    /// `u`, `d`, `x` (down).
    fn healths(outcomes: &str, alert_after: u32, recover_after: u32) -> String {
        let policy = AlertPolicy::after(alert_after, recover_after);
        let mut state = AlertState::default();
        outcomes
            .chars()
            .enumerate()
            .map(|(n, c)| {
                let outcome = match c {
                    'P' => Outcome::Passed,
                    'D' => Outcome::Degraded,
                    _ => Outcome::Failed,
                };
                state.record(outcome, minute(n as i64), &policy);
                match state.health {
                    Health::Up => 'u',
                    Health::Degraded => 'd',
                    Health::Down => 'x',
                }
            })
            .collect()
    }

    #[test]
    fn health_follows_streaks_in_both_directions() {
        // (outcomes, alert_after, recover_after, healths after each run)
        for (outcomes, alert_after, recover_after, expected) in [
            ("PPFFPP", 1, 1, "uuxxuu"),
            ("FPFFPFFFPFPPP", 3, 2, "uuuuuuuxxxxuu"),
            ("DDPD", 1, 1, "ddud"),
            ("DDDP", 2, 1, "uddu"),
            // Failing then degraded: down, then degraded once recover_after runs did not fail.
            ("FFDDP", 1, 2, "xxxdd"),
            ("FFDDPP", 1, 2, "xxxddu"),
            // A mix of failed and degraded runs is degraded, not down.
            ("FDFD", 2, 1, "uddd"),
            ("DFF", 2, 1, "udx"),
        ] {
            assert_eq!(
                healths(outcomes, alert_after, recover_after),
                expected,
                "{outcomes} {alert_after}/{recover_after}"
            );
        }
    }

    #[test]
    fn trouble_is_dated_from_the_first_run_that_did_not_pass() {
        let policy = AlertPolicy::after(2, 1);
        let mut state = AlertState::default();
        state.record(Outcome::Degraded, minute(0), &policy);
        state.record(Outcome::Failed, minute(1), &policy);
        state.record(Outcome::Failed, minute(2), &policy);
        assert_eq!((state.health, state.failing_since), (Health::Down, Some(minute(0))));
        state.record(Outcome::Passed, minute(3), &policy);
        assert_eq!((state.health, state.failing_since), (Health::Up, None));
    }

    #[test]
    fn a_state_stored_before_degraded_existed_reads() {
        let old = r#"{"health":"down","consecutive_failures":2,"consecutive_successes":0,
                      "failing_since":"2027-01-15T08:00:00Z","last_alert":"2027-01-15T08:01:00Z"}"#;
        let state: AlertState = serde_json::from_str(old).unwrap();
        assert_eq!((state.health, state.consecutive_failures, state.consecutive_troubled), (Health::Down, 2, 0));
    }
}
