//! Checking a monitor file: its schedule, alert settings and notifier configuration.

use std::path::PathBuf;

use chrono::TimeDelta;
use serde_json::Value;

use crate::alert::AlertPolicy;
use crate::document::{Diagnostic, Document, child_index, child_key};
use crate::interpolate::{Target, Template};
use crate::model::{Monitor, Notifier};
use crate::schedule::{Schedule, parse_duration};

/// A monitor ready for the scheduler.
#[derive(Debug)]
pub struct MonitorPlan {
    pub name: String,
    pub file: PathBuf,
    pub schedule: Schedule,
    /// Collection names, as written.
    pub collections: Vec<String>,
    pub policy: AlertPolicy,
    pub notify: Vec<Notifier>,
}

pub fn compile_monitor(document: &Document, monitor: Monitor) -> Result<MonitorPlan, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut problem = |path: &str, message: String| problems.push(document.problem(path, message));
    if monitor.name.trim().is_empty() {
        problem("name", "a monitor needs a name".into());
    }
    let schedule = Schedule::parse(&monitor.schedule, &monitor.name)
        .map_err(|err| problem(&child_key("schedule", err.field), err.message))
        .ok();
    if monitor.collections.is_empty() {
        problem("collections", "a monitor needs at least one collection".into());
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
        Some(text) => parse_duration(text)
            .map_err(|message| problem("remind_every", message))
            .ok()
            .and_then(|d| TimeDelta::from_std(d).ok()),
    };
    for (index, notifier) in monitor.notify.iter().enumerate() {
        let at = child_index("notify", index);
        if notifier.plugin.trim().is_empty() {
            problem(&child_key(&at, "plugin"), "a notifier names its plugin".into());
        }
        for (key, value) in &notifier.config {
            check_setting(&child_key(&child_key(&at, "config"), key), value, &mut problem);
        }
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
            },
            schedule,
            collections: monitor.collections,
            notify: monitor.notify,
        }),
        _ => Err(problems),
    }
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
