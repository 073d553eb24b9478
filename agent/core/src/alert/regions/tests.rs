//! The alert state machine, replayed from scripts: one event a minute, each a run's outcome
//! (`P` passed, `D` degraded, `F` failed), optionally `region:` first, or `.` (no run: the
//! agent only settles, as its timers do), and `m` (muted) or `h` (held) after it.

use chrono::TimeDelta;

use super::*;

fn minute(n: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + n * 60, 0).unwrap()
}

fn route(on: &[TransitionKind], after_minutes: Option<i64>) -> Route {
    Route { on: on.to_vec(), after: after_minutes.map(TimeDelta::minutes) }
}

use super::super::Route;

/// What was told, by minute: `(minute, transition kind, entries)`.
type Told = Vec<(i64, TransitionKind, Vec<usize>)>;

fn replay_on(state: &mut CollectionAlert, script: &str, policy: &AlertPolicy, from: i64) -> Told {
    let mut told = Vec::new();
    for (n, event) in script.split_whitespace().enumerate() {
        let at = minute(from + n as i64);
        let quiet = Quiet { muted: event.ends_with('m'), held: event.ends_with('h') };
        let event = event.trim_end_matches(['m', 'h']);
        let (region, outcome) = event.split_once(':').unwrap_or(("", event));
        let notices = match outcome {
            "." => state.settle(at, policy, quiet),
            outcome => {
                let outcome = match outcome {
                    "P" => Outcome::Passed,
                    "D" => Outcome::Degraded,
                    "F" => Outcome::Failed,
                    other => panic!("unknown event {other}"),
                };
                state.record(region, outcome, at, policy, quiet)
            }
        };
        told.extend(notices.into_iter().map(|notice| (from + n as i64, notice.transition.kind(), notice.entries)));
    }
    told
}

fn replay(script: &str, policy: &AlertPolicy) -> Told {
    replay_on(&mut CollectionAlert::default(), script, policy, 0)
}

use TransitionKind::{Degraded, Failing, Recovered, Reminder};

#[test]
fn one_alert_when_failing_starts_and_one_when_it_recovers() {
    let policy = AlertPolicy::after(1, 1);
    assert_eq!(replay("P P F F F F P P", &policy), vec![(2, Failing, vec![0]), (6, Recovered, vec![0])]);
    let mut state = CollectionAlert::default();
    let notices = state.record("", Outcome::Failed, minute(0), &policy, Quiet::default());
    assert_eq!(notices[0].transition, Transition::Failing { since: minute(0) });
    let notices = state.record("", Outcome::Passed, minute(3), &policy, Quiet::default());
    assert_eq!(notices[0].transition, Transition::Recovered { since: minute(0), at: minute(3) });
}

#[test]
fn alert_after_and_recover_after_need_streaks() {
    let policy = AlertPolicy::after(3, 2);
    // A failure between passes restarts the count towards recovery.
    assert_eq!(replay("F P F F P F F F P F P P P", &policy), vec![(7, Failing, vec![0]), (11, Recovered, vec![0])]);
}

#[test]
fn reminders_repeat_while_failing_to_the_entries_told_of_it() {
    let policy = AlertPolicy {
        remind_every: Some(TimeDelta::minutes(2)),
        routes: vec![route(&[], None), route(&[Failing, Recovered], None)],
        ..AlertPolicy::after(1, 1)
    };
    assert_eq!(
        replay("F F F F F F P", &policy),
        vec![(0, Failing, vec![0, 1]), (2, Reminder, vec![0]), (4, Reminder, vec![0]), (6, Recovered, vec![0, 1])]
    );
}

#[test]
fn degraded_is_told_to_the_entries_that_hear_it() {
    let policy = AlertPolicy {
        routes: vec![route(&[Failing, Degraded, Recovered], None), route(&[Failing, Recovered], None)],
        ..AlertPolicy::after(1, 1)
    };
    // Degraded, then failing, then only degraded again, then passing.
    assert_eq!(
        replay("P D D F D P", &policy),
        vec![
            (1, Degraded, vec![0]),
            (3, Failing, vec![0, 1]),
            // The entry that does not hear `degraded` sees the end of the failure.
            (4, Degraded, vec![0]),
            (4, Recovered, vec![1]),
            (5, Recovered, vec![0]),
        ]
    );
}

#[test]
fn a_muted_monitor_says_nothing_and_alerts_once_when_the_mute_ends_while_still_down() {
    let policy = AlertPolicy::after(1, 1);
    // Fails during the window; the window ends (a settle at minute 3) while it is still down.
    assert_eq!(replay("Fm Fm Fm . F F P", &policy), vec![(3, Failing, vec![0]), (6, Recovered, vec![0])]);
    // Fails and recovers inside the window: nothing at all.
    assert_eq!(replay("P Fm Fm Pm . P", &policy), vec![]);
    // Already down when the window starts: its recovery inside the window is told after.
    assert_eq!(replay("F Fm Pm . P", &policy), vec![(0, Failing, vec![0]), (3, Recovered, vec![0])]);
}

#[test]
fn a_held_monitor_alerts_when_its_dependency_recovers_while_it_is_still_down() {
    let policy = AlertPolicy::after(2, 1);
    // The dependency is down from minute 0 to 3; this monitor fails from minute 1 on.
    assert_eq!(replay("Ph Fh Fh Fh F F P", &policy), vec![(4, Failing, vec![0]), (6, Recovered, vec![0])]);
    // It recovers before the dependency does: nobody hears of it.
    assert_eq!(replay("Fh Fh Ph . P", &policy), vec![]);
}

#[test]
fn an_escalation_fires_only_after_its_delay_and_never_when_recovery_comes_first() {
    let policy = AlertPolicy { routes: vec![route(&[], None), route(&[], Some(15))], ..AlertPolicy::after(1, 1) };
    let mut state = CollectionAlert::default();
    assert_eq!(replay_on(&mut state, "F", &policy, 0), vec![(0, Failing, vec![0])]);
    assert_eq!(state.next_timer(&policy), Some(minute(15)));
    // A run at minute 14 is too early; the timer at 15 escalates; its recovery goes to both.
    assert_eq!(replay_on(&mut state, "F", &policy, 14), vec![]);
    assert_eq!(replay_on(&mut state, ".", &policy, 15), vec![(15, Failing, vec![1])]);
    assert_eq!(state.next_timer(&policy), None);
    assert_eq!(replay_on(&mut state, "P", &policy, 16), vec![(16, Recovered, vec![0, 1])]);

    assert_eq!(replay("F F F P . .", &policy), vec![(0, Failing, vec![0]), (3, Recovered, vec![0])]);
}

#[test]
fn a_timer_running_when_the_agent_stopped_fires_after_it_starts() {
    let policy = AlertPolicy {
        remind_every: Some(TimeDelta::minutes(60)),
        routes: vec![route(&[], None), route(&[Failing, Recovered], Some(15))],
        ..AlertPolicy::after(1, 1)
    };
    let mut state = CollectionAlert::default();
    replay_on(&mut state, "F", &policy, 0);
    // Stored, the agent stops; it starts again at minute 40 and settles what fell due.
    let stored = serde_json::to_string(&state).unwrap();
    let mut restarted: CollectionAlert = serde_json::from_str(&stored).unwrap();
    assert_eq!(restarted, state);
    assert_eq!(restarted.next_timer(&policy), Some(minute(15)));
    assert_eq!(replay_on(&mut restarted, ".", &policy, 40), vec![(40, Failing, vec![1])]);
    assert_eq!(restarted.next_timer(&policy), Some(minute(60)));
    assert_eq!(replay_on(&mut restarted, ".", &policy, 61), vec![(61, Reminder, vec![0])]);
}

#[test]
fn two_of_three_regions_must_fail_before_alerting() {
    let policy = AlertPolicy { alert_regions: 2, ..AlertPolicy::after(1, 1) };
    // eu alone failing is one region's trouble; eu and us together alert; eu recovering
    // leaves one region down, fewer than two: recovered.
    let told = replay("eu:F us:P ap:P eu:F us:F ap:P eu:P us:F", &policy);
    assert_eq!(told, vec![(4, Failing, vec![0]), (6, Recovered, vec![0])]);
    let mut state = CollectionAlert::default();
    replay_on(&mut state, "eu:F us:P ap:P eu:F us:F", &policy, 0);
    assert_eq!(state.overall.failing_since, Some(minute(0)), "dated from eu's first failure");
    assert_eq!(state.failing_regions(minute(4), &policy), ["eu", "us"]);
}

#[test]
fn regions_in_trouble_of_either_kind_make_the_monitor_degraded() {
    let policy = AlertPolicy { alert_regions: 2, ..AlertPolicy::after(1, 1) };
    assert_eq!(replay("eu:F us:D eu:F us:P", &policy), vec![(1, Degraded, vec![0]), (3, Recovered, vec![0])]);
}

#[test]
fn a_region_gone_silent_stops_counting() {
    let policy = AlertPolicy { stale_after: Some(TimeDelta::minutes(3)), ..AlertPolicy::after(1, 1) };
    let mut state = CollectionAlert::default();
    // eu is switched off while down; us keeps passing. Once eu is stale, the alert recovers.
    assert_eq!(
        replay_on(&mut state, "eu:F . us:P . us:P", &policy, 0),
        vec![(0, Failing, vec![0]), (4, Recovered, vec![0])]
    );
    assert!(state.failing_regions(minute(4), &policy).is_empty());
}

#[test]
fn a_state_stored_before_regions_is_kept_by_the_first_region_reporting() {
    // What an agent before regions and degraded stored: down after two failures.
    let old = r#"{"health":"down","consecutive_failures":2,"consecutive_successes":0,
                  "failing_since":"2027-01-15T08:00:00Z","last_alert":"2027-01-15T08:01:00Z"}"#;
    let mut state: CollectionAlert = serde_json::from_str(old).unwrap();
    assert!(state.regions.is_empty());
    let policy = AlertPolicy::after(2, 1);
    let at = |m: u32| DateTime::parse_from_rfc3339(&format!("2027-01-15T08:{m:02}:00Z")).unwrap().to_utc();
    // Still down after one more failure: no second alert, and no spurious recovery.
    assert_eq!(state.record("eu", Outcome::Failed, at(2), &policy, Quiet::default()), vec![]);
    let recovered = state.record("eu", Outcome::Passed, at(3), &policy, Quiet::default());
    assert_eq!(recovered[0].transition, Transition::Recovered { since: at(0), at: at(3) });
    let json = serde_json::to_value(&state).unwrap();
    assert_eq!(json["regions"]["eu"]["consecutive_successes"], 1, "{json}");
    assert_eq!(json["health"], "up");
}
