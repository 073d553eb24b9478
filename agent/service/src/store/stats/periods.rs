//! What the daily tallies add up to: a status page's daily bars, the uptime report's periods
//! (day, week, month), and a monitor's error budget.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::super::{Store, StoreError};
use super::{DAY_MICROS, Tally, day_of};
use skopos_core::plan::Objective;

/// A day as its bar shows it: the worst that happened that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayState {
    Passed,
    /// Only `warn` assertions failed in some runs.
    Degraded,
    /// At least one run failed.
    Failed,
    /// Every run that day was in maintenance.
    Maintenance,
    NoData,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayBar {
    pub day: NaiveDate,
    pub state: DayState,
    /// Share of runs up (0–1), maintenance left out.
    pub uptime: Option<f64>,
    pub runs: u32,
    pub mean_ms: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodLength {
    Day,
    /// Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
    /// The whole range as one period.
    All,
}

/// One row of the uptime report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    pub start: NaiveDate,
    /// The day after the period's last.
    pub end: NaiveDate,
    pub runs: u32,
    pub passed: u32,
    pub degraded: u32,
    pub failed: u32,
    /// Runs in maintenance, left out of everything else.
    pub maintenance: u32,
    pub uptime: Option<f64>,
    pub mean_ms: Option<f64>,
    /// From the latency histogram: within 5 %.
    pub p95_ms: Option<f64>,
    /// How long the monitor was announced down in the period (its incidents of major impact);
    /// none in a report of a collection or a region alone. Set by the report, not the tallies.
    pub downtime_s: Option<f64>,
}

/// A monitor's objective over its window, up to now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Budget {
    /// Percent, as written.
    pub target: f64,
    pub window_days: i64,
    pub uptime: Option<f64>,
    pub runs: u32,
    pub failed: u32,
    /// How many failed runs the objective allows over the runs so far.
    pub allowed_failures: f64,
    /// The part of the budget left (1: untouched, 0: spent, below 0: the objective is missed).
    pub remaining: f64,
}

/// The share of runs up over some days' bars, each weighed by its runs; none without runs.
pub fn uptime_over(bars: &[DayBar]) -> Option<f64> {
    let (up, runs) = bars
        .iter()
        .fold((0.0, 0u32), |(up, runs), bar| (up + bar.uptime.unwrap_or(0.0) * f64::from(bar.runs), runs + bar.runs));
    (runs > 0).then(|| up / f64::from(runs))
}

pub fn date_of_day(day: i64) -> NaiveDate {
    DateTime::from_timestamp_micros(day * DAY_MICROS).unwrap_or_default().date_naive()
}

fn day_of_date(date: NaiveDate) -> i64 {
    day_of(date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

fn bar(day: i64, tally: &Tally) -> DayBar {
    let state = if tally.failed > 0 {
        DayState::Failed
    } else if tally.degraded > 0 {
        DayState::Degraded
    } else if tally.passed > 0 {
        DayState::Passed
    } else if tally.maintenance > 0 {
        DayState::Maintenance
    } else {
        DayState::NoData
    };
    DayBar { day: date_of_day(day), state, uptime: tally.uptime(), runs: tally.runs(), mean_ms: tally.mean_ms() }
}

fn period(start: NaiveDate, end: NaiveDate, sum: &Tally) -> Period {
    Period {
        start,
        end,
        runs: sum.runs(),
        passed: sum.passed,
        degraded: sum.degraded,
        failed: sum.failed,
        maintenance: sum.maintenance,
        uptime: sum.uptime(),
        mean_ms: sum.mean_ms(),
        p95_ms: sum.percentile_ms(0.95),
        downtime_s: None,
    }
}

/// The first day of the period holding `date`.
fn period_start(date: NaiveDate, by: PeriodLength) -> NaiveDate {
    match by {
        PeriodLength::Day => date,
        PeriodLength::Week => date - Duration::days(i64::from(date.weekday().num_days_from_monday())),
        PeriodLength::Month => date.with_day(1).unwrap_or(date),
        PeriodLength::All => NaiveDate::MIN,
    }
}

fn period_end(start: NaiveDate, by: PeriodLength) -> NaiveDate {
    match by {
        PeriodLength::Day => start + Duration::days(1),
        PeriodLength::Week => start + Duration::days(7),
        PeriodLength::Month => start.checked_add_months(chrono::Months::new(1)).unwrap_or(start),
        PeriodLength::All => NaiveDate::MAX,
    }
}

impl Store {
    /// The last `count` days' bars up to the day of `now`, oldest first.
    pub fn day_bars(&self, collection_ids: &[&str], now: DateTime<Utc>, count: u32) -> Result<Vec<DayBar>, StoreError> {
        let last = day_of(now);
        let first = last - i64::from(count) + 1;
        let tallies = self.day_tallies(collection_ids, first, last)?;
        Ok(tallies.iter().enumerate().map(|(offset, tally)| bar(first + offset as i64, tally)).collect())
    }

    /// The report's rows: the days from `from` to `to` (both UTC dates, inclusive) in periods
    /// of `by`; the first and last periods are cut to the range. With them, the whole range
    /// as one period, from the same tallies.
    pub fn uptime_report(
        &self,
        collection_ids: &[&str],
        (from, to): (NaiveDate, NaiveDate),
        by: PeriodLength,
    ) -> Result<(Vec<Period>, Period), StoreError> {
        let (first, last) = (day_of_date(from), day_of_date(to));
        let after = to + Duration::days(1);
        let tallies = self.day_tallies(collection_ids, first, last)?;
        let mut periods: Vec<(NaiveDate, NaiveDate, Tally)> = Vec::new();
        let mut whole = Tally::default();
        for (offset, tally) in tallies.iter().enumerate() {
            let date = date_of_day(first + offset as i64);
            let start = period_start(date, by).max(from);
            if periods.last().is_none_or(|(at, _, _)| *at != start) {
                let end = period_end(period_start(date, by), by).min(after);
                periods.push((start, end, Tally::default()));
            }
            periods.last_mut().expect("pushed above").2.add(tally);
            whole.add(tally);
        }
        let rows = periods.iter().map(|(start, end, sum)| period(*start, *end, sum)).collect();
        Ok((rows, period(from, after, &whole)))
    }

    /// How much of its error budget a monitor has left: over the objective's window (whole
    /// UTC days, today included), the failed runs against those the target allows.
    pub fn error_budget(
        &self,
        collection_ids: &[&str],
        objective: &Objective,
        now: DateTime<Utc>,
    ) -> Result<Budget, StoreError> {
        let window_days = (objective.window.num_hours() as f64 / 24.0).ceil().max(1.0) as i64;
        let last = day_of(now);
        let mut sum = Tally::default();
        for tally in self.day_tallies(collection_ids, last - window_days + 1, last)? {
            sum.add(&tally);
        }
        let allowed_failures = f64::from(sum.runs()) * (100.0 - objective.target) / 100.0;
        let remaining = if allowed_failures > 0.0 {
            1.0 - f64::from(sum.failed) / allowed_failures
        } else if sum.failed == 0 {
            1.0
        } else {
            -1.0
        };
        Ok(Budget {
            target: objective.target,
            window_days,
            uptime: sum.uptime(),
            runs: sum.runs(),
            failed: sum.failed,
            allowed_failures,
            remaining,
        })
    }
}

/// The default report range: the last 30 days up to `now`.
pub fn last_days(now: DateTime<Utc>, days: i64) -> (NaiveDate, NaiveDate) {
    let today = now.date_naive();
    (today - TimeDelta::days(days - 1), today)
}
