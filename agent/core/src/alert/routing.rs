//! Who is told what. Each `notify` entry keeps what it was last told (a [`Health`]); when the
//! monitor's announced health differs from how the entry sees it, the entry is told the
//! transition [`TABLE`] names for that change, if it hears that kind (`on`). An entry with
//! `after` (escalation) sees trouble only once it has lasted that long since the first alert,
//! and so never hears of trouble that recovered before.

use chrono::{DateTime, TimeDelta, Utc};

use super::{Health, Transition, TransitionKind};

/// What one `notify` entry hears.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Route {
    /// The transitions it hears; empty: all of them.
    pub on: Vec<TransitionKind>,
    /// Escalation: it hears of trouble only once the trouble has lasted this long.
    pub after: Option<TimeDelta>,
}

/// A transition and the `notify` entries (by position) that are told of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub transition: Transition,
    pub entries: Vec<usize>,
}

/// What an entry is told when the health it sees moves from the first to the second.
pub const TABLE: [(Health, Health, TransitionKind); 6] = [
    (Health::Up, Health::Degraded, TransitionKind::Degraded),
    (Health::Up, Health::Down, TransitionKind::Failing),
    (Health::Degraded, Health::Down, TransitionKind::Failing),
    (Health::Degraded, Health::Up, TransitionKind::Recovered),
    (Health::Down, Health::Degraded, TransitionKind::Degraded),
    (Health::Down, Health::Up, TransitionKind::Recovered),
];

fn transition_kind(from: Health, to: Health) -> Option<TransitionKind> {
    TABLE.iter().find(|(a, b, _)| (*a, *b) == (from, to)).map(|(_, _, kind)| *kind)
}

impl Route {
    pub fn hears(&self, kind: TransitionKind) -> bool {
        self.on.is_empty() || self.on.contains(&kind)
    }

    /// The monitor's health as this entry sees it: trouble it does not hear is up to it, and
    /// trouble younger than its `after` is not there yet.
    pub fn sees(
        &self,
        announced: Health,
        told: Health,
        alerted_at: Option<DateTime<Utc>>,
        at: DateTime<Utc>,
    ) -> Health {
        let seen = match announced {
            Health::Down if !self.hears(TransitionKind::Failing) => Health::Up,
            Health::Degraded if !self.hears(TransitionKind::Degraded) => Health::Up,
            health => health,
        };
        match (self.after, alerted_at) {
            (Some(after), Some(alerted)) if seen != Health::Up && at < alerted + after => told.min(seen),
            _ => seen,
        }
    }

    /// When this entry next sees something new without a run: its escalation coming due.
    pub fn due(&self, announced: Health, told: Health, alerted_at: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        let (after, alerted) = (self.after?, alerted_at?);
        (announced != Health::Up && told < announced).then_some(alerted + after)
    }
}

/// Tells every entry what changed as it sees it; `transition` makes the transition of a kind.
/// `told` is updated, whether or not the entry hears the kind (a change it does not hear is
/// still what it now knows).
pub fn tell(
    routes: &[Route],
    told: &mut [Health],
    (announced, alerted_at): (Health, Option<DateTime<Utc>>),
    at: DateTime<Utc>,
    transition: impl Fn(TransitionKind) -> Transition,
) -> Vec<Notice> {
    let mut notices: Vec<Notice> = Vec::new();
    for (index, (route, told)) in routes.iter().zip(told.iter_mut()).enumerate() {
        let seen = route.sees(announced, *told, alerted_at, at);
        let Some(kind) = transition_kind(*told, seen) else { continue };
        *told = seen;
        if !route.hears(kind) {
            continue;
        }
        match notices.iter_mut().find(|notice| notice.transition.kind() == kind) {
            Some(notice) => notice.entries.push(index),
            None => notices.push(Notice { transition: transition(kind), entries: vec![index] }),
        }
    }
    notices
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_of_health_has_one_transition_and_staying_has_none() {
        for from in [Health::Up, Health::Degraded, Health::Down] {
            for to in [Health::Up, Health::Degraded, Health::Down] {
                let kind = transition_kind(from, to);
                assert_eq!(kind.is_some(), from != to, "{from:?} → {to:?}");
                let expected = match to {
                    Health::Up => TransitionKind::Recovered,
                    Health::Degraded => TransitionKind::Degraded,
                    Health::Down => TransitionKind::Failing,
                };
                if from != to {
                    assert_eq!(kind, Some(expected));
                }
            }
        }
    }

    #[test]
    fn an_entry_that_does_not_hear_degraded_sees_it_as_up() {
        let route = Route { on: vec![TransitionKind::Failing, TransitionKind::Recovered], after: None };
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(route.sees(Health::Degraded, Health::Up, Some(at), at), Health::Up);
        // Told it was failing, and now it is only degraded: that entry hears `recovered`.
        assert_eq!(route.sees(Health::Degraded, Health::Down, Some(at), at), Health::Up);
        assert_eq!(transition_kind(Health::Down, Health::Up), Some(TransitionKind::Recovered));
    }

    #[test]
    fn an_escalation_sees_trouble_once_it_has_lasted() {
        let route = Route { on: Vec::new(), after: Some(TimeDelta::minutes(15)) };
        let alerted = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let later = |minutes| alerted + TimeDelta::minutes(minutes);
        assert_eq!(route.sees(Health::Down, Health::Up, Some(alerted), later(14)), Health::Up);
        assert_eq!(route.due(Health::Down, Health::Up, Some(alerted)), Some(later(15)));
        assert_eq!(route.sees(Health::Down, Health::Up, Some(alerted), later(15)), Health::Down);
        assert_eq!(route.due(Health::Down, Health::Down, Some(alerted)), None);
        // Degraded first, then down after the escalation was due: told at once.
        assert_eq!(route.sees(Health::Down, Health::Degraded, Some(alerted), later(20)), Health::Down);
    }
}
