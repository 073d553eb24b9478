//! When monitors fire: `every` periods aligned to the wall clock, or cron expressions in a
//! time zone, with an optional fixed jitter. Pure time arithmetic; the scheduler loop that
//! sleeps and fires (`skopos_service::scheduler`) builds on it.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::model::ScheduleSpec;

#[derive(Debug, Clone)]
pub struct Schedule {
    timing: Timing,
    /// Added to every slot; fixed per monitor so its runs stay evenly spaced.
    offset: TimeDelta,
}

#[derive(Debug, Clone)]
enum Timing {
    /// Slots at whole multiples of the period since the Unix epoch: no drift, and the same
    /// slots after a restart.
    Every(TimeDelta),
    Cron(Box<cron::Schedule>, Tz),
}

/// A problem with a schedule; `field` is `every`, `cron`, `tz` or `jitter`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleError {
    pub field: &'static str,
    pub message: String,
}

/// What the scheduler should do at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fire {
    /// A slot has passed since the last run: run now (once, however many slots were missed).
    pub run_now: bool,
    /// The next slot after now.
    pub next: DateTime<Utc>,
}

/// Parses a duration such as `30s`, `1m` or `1h 30m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|e| format!("`{text}` is not a duration like 30s, 5m or 1h: {e}"))
}

impl Schedule {
    /// `key` (the monitor's name) picks the jitter offset.
    pub fn parse(spec: &ScheduleSpec, key: &str) -> Result<Schedule, ScheduleError> {
        let err = |field, message: String| ScheduleError { field, message };
        let timing = match (&spec.every, &spec.cron) {
            (Some(every), None) => {
                if spec.tz.is_some() {
                    return Err(err("tz", "`tz` applies to `cron`; `every` counts from the Unix epoch".into()));
                }
                let period = parse_duration(every).map_err(|m| err("every", m))?;
                if period < Duration::from_secs(1) {
                    return Err(err("every", format!("`{every}` is shorter than the smallest period, 1s")));
                }
                Timing::Every(TimeDelta::from_std(period).map_err(|e| err("every", e.to_string()))?)
            }
            (None, Some(expression)) => {
                let fields = expression.split_whitespace().count();
                // The cron crate wants seconds first; standard 5-field cron has none.
                let full = if fields == 5 { format!("0 {expression}") } else { expression.clone() };
                let parsed = cron::Schedule::from_str(&full).map_err(|e| {
                    // The crate's message draws a caret under our seconds-first form; its
                    // last line is the reason.
                    let text = e.to_string();
                    let reason =
                        text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default().trim().to_string();
                    err("cron", format!("`{expression}` is not a cron expression: {reason}"))
                })?;
                let tz = match &spec.tz {
                    None => Tz::UTC,
                    Some(name) => Tz::from_str(name)
                        .map_err(|_| err("tz", format!("`{name}` is not an IANA time zone like Europe/Paris")))?,
                };
                Timing::Cron(Box::new(parsed), tz)
            }
            (Some(_), Some(_)) => return Err(err("cron", "give `every` or `cron`, not both".into())),
            (None, None) => return Err(err("every", "a schedule needs `every` or `cron`".into())),
        };
        let offset = match &spec.jitter {
            None => TimeDelta::zero(),
            Some(jitter) => {
                let jitter = parse_duration(jitter).map_err(|m| err("jitter", m))?;
                let millis = u64::try_from(jitter.as_millis()).unwrap_or(u64::MAX).max(1);
                TimeDelta::milliseconds((stable_hash(key) % millis) as i64)
            }
        };
        Ok(Schedule { timing, offset })
    }

    /// The first slot strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let base = after - self.offset;
        let slot = match &self.timing {
            Timing::Every(period) => {
                let period_ms = period.num_milliseconds();
                let elapsed = base.timestamp_millis();
                let next = (elapsed.div_euclid(period_ms) + 1) * period_ms;
                DateTime::from_timestamp_millis(next)?
            }
            Timing::Cron(schedule, tz) => schedule.after(&base.with_timezone(tz)).next()?.with_timezone(&Utc),
        };
        Some(slot + self.offset)
    }

    /// Whether to run now, given the last run (if any), and when the next slot is. A monitor
    /// that has never run waits for its first slot; one that missed slots while the agent
    /// was down runs once.
    pub fn fire(&self, last_run: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<Fire> {
        let next = self.next_after(now)?;
        let run_now = match last_run {
            Some(last) => self.next_after(last).is_some_and(|due| due <= now),
            None => false,
        };
        Some(Fire { run_now, next })
    }
}

/// FNV-1a: unlike std's hasher, the same on every build, so a monitor keeps its offset
/// across upgrades.
fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(every: Option<&str>, cron: Option<&str>, tz: Option<&str>, jitter: Option<&str>) -> ScheduleSpec {
        ScheduleSpec {
            every: every.map(str::to_string),
            cron: cron.map(str::to_string),
            tz: tz.map(str::to_string),
            jitter: jitter.map(str::to_string),
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn every_is_aligned_to_the_wall_clock() {
        let schedule = Schedule::parse(&spec(Some("1m"), None, None, None), "m").unwrap();
        assert_eq!(schedule.next_after(at("2026-11-24T10:00:00Z")), Some(at("2026-11-24T10:01:00Z")));
        assert_eq!(schedule.next_after(at("2026-11-24T10:00:59.999Z")), Some(at("2026-11-24T10:01:00Z")));
        // Three days of slots later, still on the minute: no drift.
        let mut t = at("2026-11-24T10:00:00Z");
        for _ in 0..(3 * 24 * 60) {
            t = schedule.next_after(t).unwrap();
        }
        assert_eq!(t, at("2026-11-27T10:00:00Z"));
    }

    #[test]
    fn cron_takes_five_fields_and_time_zones() {
        let schedule = Schedule::parse(&spec(None, Some("*/5 * * * *"), None, None), "m").unwrap();
        assert_eq!(schedule.next_after(at("2026-11-24T10:02:00Z")), Some(at("2026-11-24T10:05:00Z")));
        let schedule = Schedule::parse(&spec(None, Some("0 9 * * *"), Some("Europe/Paris"), None), "m").unwrap();
        // 09:00 in Paris is 08:00 UTC in winter.
        assert_eq!(schedule.next_after(at("2026-11-24T10:00:00Z")), Some(at("2026-11-25T08:00:00Z")));
        let schedule = Schedule::parse(&spec(None, Some("*/10 * * * * *"), None, None), "m").unwrap();
        assert_eq!(schedule.next_after(at("2026-11-24T10:00:01Z")), Some(at("2026-11-24T10:00:10Z")));
    }

    #[test]
    fn jitter_is_a_fixed_offset_per_monitor() {
        let a = Schedule::parse(&spec(Some("1m"), None, None, Some("30s")), "checkout").unwrap();
        let first = a.next_after(at("2026-11-24T10:00:00Z")).unwrap();
        let second = a.next_after(first).unwrap();
        assert_eq!(second - first, TimeDelta::minutes(1));
        let offset = first - at("2026-11-24T10:00:00Z");
        assert!(offset >= TimeDelta::zero() && offset < TimeDelta::seconds(30), "{offset}");
    }

    #[test]
    fn after_downtime_an_overdue_monitor_runs_once() {
        let schedule = Schedule::parse(&spec(Some("1m"), None, None, None), "m").unwrap();
        let fire = schedule.fire(Some(at("2026-11-24T10:00:00Z")), at("2026-11-24T12:30:30Z")).unwrap();
        assert_eq!(fire, Fire { run_now: true, next: at("2026-11-24T12:31:00Z") });
        let fire = schedule.fire(Some(at("2026-11-24T12:30:00Z")), at("2026-11-24T12:30:30Z")).unwrap();
        assert!(!fire.run_now);
        let fire = schedule.fire(None, at("2026-11-24T12:30:30Z")).unwrap();
        assert_eq!(fire, Fire { run_now: false, next: at("2026-11-24T12:31:00Z") });
    }

    #[test]
    fn bad_schedules_name_the_field() {
        let err = |s: ScheduleSpec| Schedule::parse(&s, "m").unwrap_err();
        assert_eq!(err(spec(None, None, None, None)).field, "every");
        assert_eq!(err(spec(Some("1m"), Some("* * * * *"), None, None)).message, "give `every` or `cron`, not both");
        assert_eq!(err(spec(Some("soon"), None, None, None)).field, "every");
        assert_eq!(
            err(spec(Some("100ms"), None, None, None)).message,
            "`100ms` is shorter than the smallest period, 1s"
        );
        assert_eq!(err(spec(None, Some("61 * * * *"), None, None)).field, "cron");
        assert_eq!(err(spec(None, Some("* * * * *"), Some("Mars/Olympus"), None)).field, "tz");
        assert_eq!(err(spec(Some("1m"), None, Some("UTC"), None)).field, "tz");
        assert_eq!(err(spec(Some("1m"), None, None, Some("lots"))).field, "jitter");
    }
}
