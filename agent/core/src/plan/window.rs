//! Checking a maintenance window file into a [`WindowPlan`]: when it is active, and which
//! monitors it covers. Pure time arithmetic, like `schedule`.

use chrono::{DateTime, TimeDelta, Utc};

use crate::document::{Diagnostic, Document, child_key};
use crate::model::{ScheduleSpec, Window, WindowMode};
use crate::schedule::{Schedule, parse_duration};

#[derive(Debug, Clone)]
pub struct WindowPlan {
    pub name: String,
    pub timing: WindowTiming,
    pub monitors: Vec<String>,
    pub tags: Vec<String>,
    pub mode: WindowMode,
}

#[derive(Debug, Clone)]
pub enum WindowTiming {
    /// Each occurrence starts at a slot of the schedule and lasts `duration`.
    Recurring {
        starts: Schedule,
        duration: TimeDelta,
    },
    Once {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
}

impl WindowPlan {
    /// Whether the window selects this monitor, by name or by one of its tags.
    pub fn covers(&self, monitor: &str, tags: &[String]) -> bool {
        crate::model::selects(&self.monitors, &self.tags, monitor, tags)
    }

    /// The occurrence going on at `at`, as `(start, end)`.
    pub fn active_at(&self, at: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        match &self.timing {
            WindowTiming::Recurring { starts, duration } => {
                let start = starts.next_after(at - *duration)?;
                (start <= at).then_some((start, start + *duration))
            }
            WindowTiming::Once { from, to } => (*from <= at && at < *to).then_some((*from, *to)),
        }
    }

    /// The next instant after `at` when the window starts or ends.
    pub fn next_change_after(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let end = self.active_at(at).map(|(_, end)| end);
        let start = self.upcoming(at, 1).first().map(|(start, _)| *start);
        [end, start].into_iter().flatten().filter(|t| *t > at).min()
    }

    /// Up to `count` occurrences starting after `at`.
    pub fn upcoming(&self, at: DateTime<Utc>, count: usize) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        match &self.timing {
            WindowTiming::Recurring { starts, duration } => {
                std::iter::successors(starts.next_after(at), |start| starts.next_after(*start))
                    .take(count)
                    .map(|start| (start, start + *duration))
                    .collect()
            }
            WindowTiming::Once { from, to } => (*from > at).then_some((*from, *to)).into_iter().take(count).collect(),
        }
    }
}

/// Checks a window: `cron` with `duration` (and `tz`), or `from` and `to`; and it must select
/// some monitors.
pub fn compile_window(document: &Document, window: Window) -> Result<WindowPlan, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut problem = |path: &str, message: String| problems.push(document.problem(path, message));
    if window.name.trim().is_empty() {
        problem("name", "a window needs a name".into());
    }
    if window.monitors.is_empty() && window.tags.is_empty() {
        problem("window", "a window selects monitors: give `monitors`, `tags` or both".into());
    }
    let time = &window.window;
    let at = |field: &str| child_key("window", field);
    let timing = match (&time.cron, &time.from, &time.to) {
        (Some(cron), None, None) => {
            let spec = ScheduleSpec { cron: Some(cron.clone()), tz: time.tz.clone(), every: None, jitter: None };
            let starts = Schedule::parse(&spec, &window.name).map_err(|err| problem(&at(err.field), err.message)).ok();
            let duration = match &time.duration {
                None => {
                    problem(&at("cron"), "a recurring window needs a `duration`, such as 2h".into());
                    None
                }
                Some(text) => parse_duration(text)
                    .map_err(|message| problem(&at("duration"), message))
                    .ok()
                    .and_then(|d| TimeDelta::from_std(d).ok()),
            };
            starts.zip(duration).map(|(starts, duration)| WindowTiming::Recurring { starts, duration })
        }
        (None, Some(from), Some(to)) => {
            if time.duration.is_some() || time.tz.is_some() {
                problem(&at("from"), "a one-off window has `from` and `to` only".into());
            }
            let parse = |field: &str, text: &str| {
                DateTime::parse_from_rfc3339(text).map(|t| t.to_utc()).map_err(|e| {
                    (at(field), format!("`{text}` is not an RFC 3339 time like 2026-12-10T01:00:00Z: {e}"))
                })
            };
            match (parse("from", from), parse("to", to)) {
                (Ok(from), Ok(to)) if from < to => Some(WindowTiming::Once { from, to }),
                (Ok(_), Ok(_)) => {
                    problem(&at("to"), "`to` comes before `from`".into());
                    None
                }
                (from, to) => {
                    for (path, message) in [from.err(), to.err()].into_iter().flatten() {
                        problem(&path, message);
                    }
                    None
                }
            }
        }
        _ => {
            problem("window", "a window is `{cron, duration, tz}` or `{from, to}`".into());
            None
        }
    };
    match timing {
        Some(timing) if problems.is_empty() => Ok(WindowPlan {
            name: window.name,
            timing,
            monitors: window.monitors,
            tags: window.tags,
            mode: window.mode,
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn window(text: &str) -> Result<WindowPlan, Vec<Diagnostic>> {
        let mut document = Document::parse(Path::new("w.yaml"), text.to_string()).unwrap();
        let window: Window = document.deserialize().map_err(|d| vec![d])?;
        compile_window(&document, window)
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn a_weekly_window_in_a_time_zone() {
        let plan = window(
            "name: upgrade\nwindow: { cron: \"0 2 * * SUN\", tz: Europe/Berlin, duration: 2h }\nmonitors: [shop]\n",
        )
        .unwrap();
        // Sunday 2026-12-06 02:00 in Berlin is 01:00 UTC.
        assert_eq!(plan.active_at(at("2026-12-06T00:59:59Z")), None);
        assert_eq!(
            plan.active_at(at("2026-12-06T01:00:00Z")),
            Some((at("2026-12-06T01:00:00Z"), at("2026-12-06T03:00:00Z")))
        );
        assert!(plan.active_at(at("2026-12-06T02:59:59Z")).is_some());
        assert_eq!(plan.active_at(at("2026-12-06T03:00:00Z")), None);
        assert_eq!(plan.next_change_after(at("2026-12-05T12:00:00Z")), Some(at("2026-12-06T01:00:00Z")));
        assert_eq!(plan.next_change_after(at("2026-12-06T02:00:00Z")), Some(at("2026-12-06T03:00:00Z")));
        assert_eq!(plan.upcoming(at("2026-12-06T02:00:00Z"), 1)[0].0, at("2026-12-13T01:00:00Z"));
        assert!(plan.covers("shop", &[]) && !plan.covers("search", &[]));
    }

    #[test]
    fn a_one_off_window_by_tag() {
        let plan = window(
            "name: move\nwindow: { from: \"2026-12-10T01:00:00Z\", to: \"2026-12-10T03:00:00Z\" }\ntags: [tier-1]\nmode: pause\n",
        )
        .unwrap();
        assert_eq!(plan.mode, WindowMode::Pause);
        assert!(plan.covers("any", &["tier-1".to_string()]));
        assert!(plan.active_at(at("2026-12-10T02:00:00Z")).is_some());
        assert_eq!(plan.next_change_after(at("2026-12-10T02:00:00Z")), Some(at("2026-12-10T03:00:00Z")));
        assert_eq!(plan.next_change_after(at("2026-12-10T03:00:00Z")), None);
    }

    #[test]
    fn mistakes_are_located() {
        let problems = window("name: w\nwindow: { cron: \"0 2 * * SUN\" }\nmonitors: [a]\n").unwrap_err();
        assert!(problems[0].to_string().contains("needs a `duration`"), "{}", problems[0]);
        let problems =
            window("name: w\nwindow: { from: \"2026-12-10T03:00:00Z\", to: \"2026-12-10T01:00:00Z\" }\n").unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(text.iter().any(|t| t.contains("selects monitors")), "{text:?}");
        assert!(text.iter().any(|t| t.contains("w.yaml:2:") && t.contains("before `from`")), "{text:?}");
    }
}
