//! Alerting across regions. Every region that runs a monitor keeps its own streaks (an
//! [`AlertState`]); the monitor alerts for a collection when at least `alert_regions` of them
//! are down, and recovers when fewer are. One region with `alert_regions: 1` behaves exactly
//! as a single agent always has.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AlertPolicy, AlertState, Health, Transition};

/// What is stored per monitor and collection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CollectionAlert {
    /// The monitor as a whole: `health` is whether people were told it is failing, with
    /// `failing_since` and `last_alert`; the streak counts are those of the region that ran last.
    #[serde(flatten)]
    pub overall: AlertState,
    /// Each region's own streaks, by region name (`""` for an agent without `--region`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub regions: BTreeMap<String, RegionAlert>,
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
    /// Takes a run's outcome from `region`; returns the transition to notify, if any.
    pub fn record(
        &mut self,
        region: &str,
        passed: bool,
        at: DateTime<Utc>,
        policy: &AlertPolicy,
    ) -> Option<Transition> {
        // A state stored before regions existed belongs to the first region that reports.
        if self.regions.is_empty() && self.overall != AlertState::default() {
            self.regions.insert(region.to_string(), RegionAlert { state: self.overall.clone(), last_run: None });
        }
        let entry = self.regions.entry(region.to_string()).or_default();
        entry.state.record(passed, at, policy);
        entry.last_run = Some(entry.last_run.map_or(at, |last| last.max(at)));
        self.overall.consecutive_failures = entry.state.consecutive_failures;
        self.overall.consecutive_successes = entry.state.consecutive_successes;

        let failing = self.failing(at, policy);
        let enough = failing.len() >= policy.alert_regions.max(1) as usize;
        let earliest = failing.iter().filter_map(|(_, region)| region.state.failing_since).min();
        let overall = &mut self.overall;
        match (overall.health, enough) {
            (Health::Up, true) => Some(overall.go_down(earliest.unwrap_or(at), at)),
            (Health::Down, false) => Some(overall.recover(at)),
            (Health::Down, true) => overall.remind(overall.failing_since.unwrap_or(at), at, policy),
            (Health::Up, false) => None,
        }
    }

    /// The regions down at `at`, leaving out those silent for longer than `stale_after`.
    fn failing(&self, at: DateTime<Utc>, policy: &AlertPolicy) -> Vec<(&str, &RegionAlert)> {
        self.regions
            .iter()
            .filter(|(_, region)| region.state.health == Health::Down)
            .filter(|(_, region)| {
                let silent = region.last_run.map(|last| at - last);
                policy.stale_after.is_none_or(|stale| silent.is_none_or(|silent| silent <= stale))
            })
            .map(|(name, region)| (name.as_str(), region))
            .collect()
    }

    /// The names of the regions down at `at` (for the alert).
    pub fn failing_regions(&self, at: DateTime<Utc>, policy: &AlertPolicy) -> Vec<String> {
        self.failing(at, policy).into_iter().map(|(name, _)| name.to_string()).filter(|n| !n.is_empty()).collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn minute(n: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + n * 60, 0).unwrap()
    }

    /// Runs `(region, outcome)` one a minute (`F` fail, `P` pass); the transitions by minute.
    fn replay(runs: &[(&str, char)], policy: &AlertPolicy) -> Vec<(i64, Transition)> {
        let mut state = CollectionAlert::default();
        let mut transitions = Vec::new();
        for (n, (region, outcome)) in runs.iter().enumerate() {
            if let Some(t) = state.record(region, *outcome == 'P', minute(n as i64), policy) {
                transitions.push((n as i64, t));
            }
        }
        transitions
    }

    fn one_region(outcomes: &str) -> Vec<(&'static str, char)> {
        outcomes.chars().map(|c| ("", c)).collect()
    }

    #[test]
    fn one_region_alerts_as_a_single_agent_does() {
        for (outcomes, alert_after, recover_after, remind) in [
            ("PPFFFFPP", 1, 1, None),
            ("FPFFPFFFPFPPP", 3, 2, None),
            ("FFFFFFP", 1, 1, Some(2)),
            ("FFPFFFFFPPFF", 2, 2, Some(3)),
        ] {
            let policy = AlertPolicy {
                remind_every: remind.map(TimeDelta::minutes),
                ..AlertPolicy::after(alert_after, recover_after)
            };
            let mut single = AlertState::default();
            let expected: Vec<(i64, Transition)> = outcomes
                .chars()
                .enumerate()
                .filter_map(|(n, c)| single.record(c == 'P', minute(n as i64), &policy).map(|t| (n as i64, t)))
                .collect();
            assert_eq!(replay(&one_region(outcomes), &policy), expected, "{outcomes}");
        }
    }

    #[test]
    fn two_of_three_regions_must_fail_before_alerting() {
        let policy = AlertPolicy { alert_regions: 2, ..AlertPolicy::after(1, 1) };
        let runs =
            [("eu", 'F'), ("us", 'P'), ("ap", 'P'), ("eu", 'F'), ("us", 'F'), ("ap", 'P'), ("eu", 'P'), ("us", 'F')];
        // eu alone failing is one region's trouble; eu and us together alert, from eu's first failure;
        // eu recovering leaves one region down, fewer than two: recovered.
        assert_eq!(
            replay(&runs, &policy),
            vec![
                (4, Transition::Failing { since: minute(0) }),
                (6, Transition::Recovered { since: minute(0), at: minute(6) })
            ]
        );
    }

    #[test]
    fn a_region_gone_silent_stops_counting() {
        let policy = AlertPolicy { stale_after: Some(TimeDelta::minutes(3)), ..AlertPolicy::after(1, 1) };
        let mut state = CollectionAlert::default();
        assert!(matches!(state.record("eu", false, minute(0), &policy), Some(Transition::Failing { .. })));
        assert_eq!(state.failing_regions(minute(0), &policy), ["eu"]);
        // eu is switched off while down; us keeps passing. Once eu is stale, the alert recovers.
        assert_eq!(state.record("us", true, minute(2), &policy), None);
        let recovered = state.record("us", true, minute(4), &policy);
        assert_eq!(recovered, Some(Transition::Recovered { since: minute(0), at: minute(4) }));
        assert!(state.failing_regions(minute(4), &policy).is_empty());
    }

    #[test]
    fn a_state_stored_before_regions_is_kept_by_the_first_region_reporting() {
        let policy = AlertPolicy::after(2, 1);
        let mut old = AlertState::default();
        old.record(false, minute(0), &policy);
        old.record(false, minute(1), &policy);
        assert_eq!(old.health, Health::Down);
        // What an older agent stored reads as a CollectionAlert with no regions.
        let mut state: CollectionAlert = serde_json::from_str(&serde_json::to_string(&old).unwrap()).unwrap();
        assert!(state.regions.is_empty());
        // Still down after one more failure: no second alert, and no spurious recovery.
        assert_eq!(state.record("eu", false, minute(2), &policy), None);
        assert_eq!(
            state.record("eu", true, minute(3), &policy),
            Some(Transition::Recovered { since: minute(0), at: minute(3) })
        );
        let json = serde_json::to_value(&state).unwrap();
        assert_eq!(json["regions"]["eu"]["consecutive_successes"], 1, "{json}");
        assert_eq!(json["health"], "up");
    }
}
