//! Incidents that follow a monitor's health: opened when it goes down or degraded, moved on
//! when it changes between the two, resolved when it is up again. Their words are the agent's
//! own, never a run's error, so they may be shown on public pages.

use chrono::{DateTime, Utc};

use crate::store::{Impact, Incident, IncidentStatus, IncidentUpdate, Store, StoreError};
use skopos_core::alert::Health;

fn impact_of(health: Health) -> Impact {
    match health {
        Health::Up => Impact::None,
        Health::Degraded => Impact::Minor,
        Health::Down => Impact::Major,
    }
}

fn update(at: DateTime<Utc>, status: IncidentStatus, message: String) -> IncidentUpdate {
    IncidentUpdate { at, status, message, by: None }
}

/// Moves the incident of monitor `name` (shown as `shown`) on to its announced `health`.
/// Returns whether an incident changed.
pub fn follow(
    store: &Store,
    (name, shown): (&str, &str),
    health: Health,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let open = store.open_incident_of(name)?;
    let changed = match (open, health) {
        (None, Health::Up) => return Ok(false),
        (None, trouble) => {
            let (title, message) = match trouble {
                Health::Down => {
                    (format!("{shown} is down"), format!("Checks of {shown} are failing. We are looking into it."))
                }
                _ => (
                    format!("{shown} is degraded"),
                    format!("{shown} is slower or partly failing. We are looking into it."),
                ),
            };
            let mut incident =
                Incident::new(title, impact_of(trouble), update(at, IncidentStatus::Investigating, message));
            incident.monitors = vec![name.to_string()];
            store.set_open_incident_of(name, Some(&incident.id))?;
            incident
        }
        (Some(mut incident), Health::Up) => {
            incident.push(update(at, IncidentStatus::Resolved, format!("{shown} is operating normally again.")));
            store.set_open_incident_of(name, None)?;
            incident
        }
        (Some(mut incident), trouble) => {
            if impact_of(trouble) == incident.impact {
                return Ok(false);
            }
            incident.impact = impact_of(trouble);
            let message = match trouble {
                Health::Down => format!("{shown} is now down."),
                _ => format!("{shown} is back, with degraded performance."),
            };
            incident.push(update(at, incident.status, message));
            incident
        }
    };
    store.put_incident(&changed)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_incident_opens_on_trouble_moves_with_it_and_resolves_on_recovery() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let at = |minute: i64| DateTime::from_timestamp(1_800_000_000 + minute * 60, 0).unwrap();
        let shop = ("shop", "Shop");
        assert!(!follow(&store, shop, Health::Up, at(0)).unwrap(), "nothing to open");
        assert!(follow(&store, shop, Health::Degraded, at(1)).unwrap());
        assert!(follow(&store, shop, Health::Down, at(2)).unwrap());
        assert!(!follow(&store, shop, Health::Down, at(3)).unwrap(), "no change, no update");
        let open = store.open_incident_of("shop").unwrap().unwrap();
        assert_eq!((open.title.as_str(), open.impact, open.updates.len()), ("Shop is degraded", Impact::Major, 2));
        assert!(follow(&store, shop, Health::Up, at(4)).unwrap());
        assert!(store.open_incident_of("shop").unwrap().is_none());
        let all = store.incidents(10, |_| true).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!((all[0].status, all[0].resolved_at), (IncidentStatus::Resolved, Some(at(4))));
        assert!(all[0].shows_on("any", &["shop"]) && !all[0].shows_on("any", &["other"]));
        follow(&store, shop, Health::Down, at(5)).unwrap();
        assert_eq!(store.incidents(10, Incident::is_open).unwrap()[0].title, "Shop is down", "a new one");
    }
}
