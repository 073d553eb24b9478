//! Checking a monitor file: its schedule, alert settings and notifier configuration.

use std::path::PathBuf;

use chrono::TimeDelta;
use serde_json::Value;

use crate::alert::{AlertPolicy, Route};
use crate::document::{Diagnostic, Document, child_index, child_key};
use crate::interpolate::{Target, Template};
use crate::model::{Monitor, Notifier, TransitionKind};
use crate::schedule::{Schedule, parse_duration};

/// A monitor ready for the scheduler.
#[derive(Debug)]
pub struct MonitorPlan {
    pub name: String,
    pub file: PathBuf,
    /// When its collections run, or for a heartbeat monitor, when pings are due.
    pub schedule: Schedule,
    /// Collection names, as written (none for a heartbeat monitor).
    pub collections: Vec<String>,
    /// For a heartbeat monitor: how late a ping may be.
    pub heartbeat: Option<Heartbeat>,
    pub tags: Vec<String>,
    /// Monitor names, as written.
    pub depends_on: Vec<String>,
    pub policy: AlertPolicy,
    pub notify: Vec<Notifier>,
}

#[derive(Debug, Clone, Copy)]
pub struct Heartbeat {
    /// How late a ping may be, and how long a started job may take.
    pub grace: TimeDelta,
}

/// A heartbeat's `grace` when the file gives none.
pub const DEFAULT_GRACE: TimeDelta = TimeDelta::minutes(5);

pub fn compile_monitor(document: &Document, monitor: Monitor) -> Result<MonitorPlan, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut problem = |path: &str, message: String| problems.push(document.problem(path, message));
    if monitor.name.trim().is_empty() {
        problem("name", "a monitor needs a name".into());
    }
    let (schedule, heartbeat) = match &monitor.heartbeat {
        None => {
            let schedule = Schedule::parse(&monitor.schedule, &monitor.name)
                .map_err(|err| problem(&child_key("schedule", err.field), err.message))
                .ok();
            if monitor.collections.is_empty() {
                problem("collections", "a monitor needs at least one collection".into());
            }
            (schedule, None)
        }
        Some(spec) => {
            if !monitor.schedule.is_empty() {
                problem("schedule", "a heartbeat monitor is pinged, not run: it has no `schedule`".into());
            }
            if !monitor.collections.is_empty() {
                problem("collections", "a heartbeat monitor is pinged, not run: it has no `collections`".into());
            }
            let schedule = Schedule::parse(&spec.schedule(), &monitor.name)
                .map_err(|err| problem(&child_key("heartbeat", err.field), err.message))
                .ok();
            let grace = match &spec.grace {
                None => Some(DEFAULT_GRACE),
                Some(text) => duration(text).map_err(|message| problem("heartbeat.grace", message)).ok(),
            };
            (schedule, grace.map(|grace| Heartbeat { grace }))
        }
    };
    for (field, names) in [("tags", &monitor.tags), ("depends_on", &monitor.depends_on)] {
        for (index, name) in names.iter().enumerate() {
            if name.trim().is_empty() {
                problem(&child_index(field, index), format!("an entry of `{field}` is empty"));
            } else if names[..index].contains(name) {
                problem(&child_index(field, index), format!("`{name}` is listed twice"));
            }
        }
    }
    if let Some(index) = monitor.depends_on.iter().position(|name| *name == monitor.name) {
        problem(&child_index("depends_on", index), "a monitor cannot depend on itself".into());
    }
    for (index, name) in monitor.collections.iter().enumerate() {
        if monitor.collections[..index].contains(name) {
            problem(&child_index("collections", index), format!("`{name}` is listed twice"));
        }
    }
    for (field, value) in [("alert_after", monitor.alert_after), ("recover_after", monitor.recover_after)] {
        if value == 0 {
            problem(field, format!("`{field}` counts runs, so it is at least 1"));
        }
    }
    if monitor.alert_regions == 0 {
        problem("alert_regions", "`alert_regions` counts regions, so it is at least 1".into());
    }
    let remind_every = match &monitor.remind_every {
        None => None,
        Some(text) => duration(text).map_err(|message| problem("remind_every", message)).ok(),
    };
    if let Some(slo) = &monitor.slo
        && let Err((field, message)) = super::objective(slo)
    {
        let path = if matches!(slo, crate::model::Slo::Target(_)) { "slo".into() } else { child_key("slo", field) };
        problem(&path, message);
    }
    let mut routes = Vec::new();
    for (index, notifier) in monitor.notify.iter().enumerate() {
        let at = child_index("notify", index);
        if notifier.plugin.trim().is_empty() {
            problem(&child_key(&at, "plugin"), "a notifier names its plugin".into());
        }
        let after = match &notifier.after {
            None => None,
            Some(text) => duration(text).map_err(|message| problem(&child_key(&at, "after"), message)).ok(),
        };
        if after.is_some() && !notifier.on.is_empty() && !notifier.on.contains(&TransitionKind::Failing) {
            let message = "`after` delays hearing of a failure, and this entry does not hear `failing`".into();
            problem(&child_key(&at, "after"), message);
        }
        if let Some(template) = &notifier.template
            && let Err(error) = crate::alert::template::check(template)
        {
            let message = format!("line {} of the template: {}", error.line, error.message);
            problem(&child_key(&child_key(&at, "template"), error.part), message);
        }
        routes.push(Route { on: notifier.on.clone(), after });
        for (key, value) in &notifier.config {
            check_setting(&child_key(&child_key(&at, "config"), key), value, &mut problem);
        }
    }
    if routes.is_empty() {
        // With no `notify` entry, transitions still reach the agent's own log.
        routes.push(Route::default());
    }
    match schedule {
        Some(schedule) if problems.is_empty() => Ok(MonitorPlan {
            name: monitor.name,
            file: document.file.clone(),
            policy: AlertPolicy {
                alert_after: monitor.alert_after,
                recover_after: monitor.recover_after,
                remind_every,
                alert_regions: monitor.alert_regions,
                stale_after: Some(stale_after(&schedule)),
                routes,
            },
            schedule,
            collections: monitor.collections,
            heartbeat,
            tags: monitor.tags,
            depends_on: monitor.depends_on,
            notify: monitor.notify,
        }),
        _ => Err(problems),
    }
}

/// A duration as written (`15m`), for the alert rules.
fn duration(text: &str) -> Result<TimeDelta, String> {
    let parsed = parse_duration(text)?;
    TimeDelta::from_std(parsed).map_err(|_| format!("`{text}` is too long"))
}

/// A region silent for three periods of the schedule (and at least two minutes) has stopped
/// running the monitor, and no longer counts towards `alert_regions`.
fn stale_after(schedule: &Schedule) -> TimeDelta {
    let now = chrono::Utc::now();
    let period = schedule
        .next_after(now)
        .and_then(|first| Some(schedule.next_after(first)? - first))
        .unwrap_or(TimeDelta::hours(1));
    (period * 3).max(TimeDelta::minutes(2))
}

/// Notifier settings may use `@{{env.NAME}}` in any string, however deep, and nothing else:
/// they are resolved when an alert is sent, with no run to refer to.
fn check_setting(path: &str, value: &Value, problem: &mut impl FnMut(&str, String)) {
    match value {
        Value::String(text) => match Template::parse(text) {
            Err(err) => problem(path, err.to_string()),
            Ok(template) => {
                for reference in template.references().filter(|r| !matches!(r.target, Target::Env(_))) {
                    let text = &reference.text;
                    problem(path, format!("`@{{{{{text}}}}}`: notifier settings can only use `@{{{{env.NAME}}}}`"));
                }
            }
        },
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                check_setting(&child_index(path, index), item, problem);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                check_setting(&child_key(path, key), item, problem);
            }
        }
        _ => {}
    }
}
