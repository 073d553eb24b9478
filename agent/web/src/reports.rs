//! `GET /api/v1/reports/uptime`: a monitor's (or collection's) uptime per day, week or month
//! from the daily tallies, as JSON or CSV (`Accept: text/csv`), with its objective's error
//! budget; and the collection ids both it and badges read.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::Serialize;
use warp::http::{StatusCode, header};
use warp::reply::{Reply, Response};

use super::error::ApiError;
use super::handlers::{Reply_, json};
use skopos_core::plan::objective;
use skopos_service::Agent;
use skopos_service::status_page::collection_ids;
use skopos_service::store::{Budget, Impact, Period, PeriodLength, in_region, last_days};

/// The longest range a report covers.
const MAX_DAYS: i64 = 400;

#[derive(Serialize)]
struct Report {
    monitor: Option<String>,
    collection: Option<String>,
    region: Option<String>,
    from: NaiveDate,
    to: NaiveDate,
    by: PeriodLength,
    periods: Vec<Period>,
    /// The whole range in one row.
    total: Period,
    /// The monitor's objective over its own window, when it has one.
    slo: Option<Budget>,
}

fn bad(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::at_field(StatusCode::BAD_REQUEST, field, message)
}

/// `2026-12-01` or an RFC 3339 time (its UTC date).
fn date(field: &str, text: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| DateTime::parse_from_rfc3339(text).map(|t| t.to_utc().date_naive()))
        .map_err(|_| bad(field, format!("`{text}` is not a date like 2026-12-01 (or an RFC 3339 time)")))
}

pub fn uptime(agent: &Agent, query: &HashMap<String, String>, accept: Option<&str>) -> Reply_ {
    let now = Utc::now();
    let monitor = match query.get("monitor") {
        Some(key) => Some(agent.store.monitors.get(key)?.ok_or_else(|| ApiError::not_found("monitor", key))?),
        None => None,
    };
    let collection = match query.get("collection") {
        Some(key) => Some(agent.store.collections.get(key)?.ok_or_else(|| ApiError::not_found("collection", key))?),
        None => None,
    };
    let mut ids = match (&monitor, &collection) {
        (_, Some(collection)) => vec![collection.id.clone()],
        (Some(monitor), None) => collection_ids(&agent.store, monitor)?,
        (None, None) => return Err(bad("monitor", "name a `monitor`, a `collection` or both")),
    };
    if let (Some(monitor), Some(collection)) = (&monitor, &collection)
        && !monitor.spec.collections.contains(&collection.spec.name)
    {
        return Err(bad("collection", format!("`{}` does not run `{}`", monitor.spec.name, collection.spec.name)));
    }
    let region = query.get("region").cloned();
    if let Some(region) = &region {
        ids = ids.iter().map(|id| in_region(id, region)).collect();
    }
    let (default_from, default_to) = last_days(now, 30);
    let from = query.get("from").map(|t| date("from", t)).transpose()?.unwrap_or(default_from);
    let to = query.get("to").map(|t| date("to", t)).transpose()?.unwrap_or(default_to);
    if to < from {
        return Err(bad("to", "`to` comes before `from`"));
    }
    if to - from >= TimeDelta::days(MAX_DAYS) {
        return Err(bad("from", format!("a report covers at most {MAX_DAYS} days")));
    }
    let by = match query.get("by").map(String::as_str) {
        None | Some("day") => PeriodLength::Day,
        Some("week") => PeriodLength::Week,
        Some("month") => PeriodLength::Month,
        Some("all") => PeriodLength::All,
        Some(other) => return Err(bad("by", format!("`by` is day, week, month or all, not `{other}`"))),
    };
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (mut periods, mut total) = agent.store.uptime_report(&ids, (from, to), by)?;
    if let Some(monitor) = &monitor {
        let down = down_intervals(agent, &monitor.spec.name, now)?;
        for period in periods.iter_mut().chain([&mut total]) {
            period.downtime_s = Some(overlap_seconds(&down, period));
        }
    }
    let slo = match monitor.as_ref().and_then(|m| m.spec.slo.as_ref()).map(objective) {
        Some(Ok(objective)) => Some(agent.store.error_budget(&ids, &objective, now)?),
        _ => None,
    };
    let report = Report {
        monitor: monitor.map(|m| m.spec.name),
        collection: collection.map(|c| c.spec.name),
        region,
        from,
        to,
        by,
        periods,
        total,
        slo,
    };
    if accept.is_some_and(|accept| accept.contains("text/csv")) || query.get("format").is_some_and(|f| f == "csv") {
        return Ok(csv(&report));
    }
    json(StatusCode::OK, &report)
}

type Interval = (DateTime<Utc>, DateTime<Utc>);

/// When the monitor was announced down: its incidents of major impact, from their start to
/// their resolution (or now).
fn down_intervals(agent: &Agent, monitor: &str, now: DateTime<Utc>) -> Result<Vec<Interval>, ApiError> {
    let incidents = agent.store.incidents(usize::MAX, |incident| {
        incident.page.is_none() && incident.impact >= Impact::Major && incident.monitors.iter().any(|m| m == monitor)
    })?;
    Ok(incidents.iter().map(|incident| (incident.started_at, incident.resolved_at.unwrap_or(now))).collect())
}

fn overlap_seconds(intervals: &[Interval], period: &Period) -> f64 {
    let midnight = |date: NaiveDate| date.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let (start, end) = (midnight(period.start), midnight(period.end));
    let total: TimeDelta = intervals
        .iter()
        .map(|(from, to)| (*to).min(end) - (*from).max(start))
        .filter(|overlap| *overlap > TimeDelta::zero())
        .sum();
    total.num_seconds() as f64
}

fn csv(report: &Report) -> Response {
    let mut text =
        String::from("start,end,runs,passed,degraded,failed,maintenance,uptime_percent,mean_ms,p95_ms,downtime_s\n");
    let number = |value: Option<f64>, digits: usize| value.map(|v| format!("{v:.digits$}")).unwrap_or_default();
    for period in &report.periods {
        text.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{}\n",
            period.start,
            period.end,
            period.runs,
            period.passed,
            period.degraded,
            period.failed,
            period.maintenance,
            number(period.uptime.map(|u| u * 100.0), 4),
            number(period.mean_ms, 1),
            number(period.p95_ms, 1),
            number(period.downtime_s, 0)
        ));
    }
    let name = report.monitor.as_deref().or(report.collection.as_deref()).unwrap_or("report");
    let file: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let disposition = format!("attachment; filename=\"uptime-{file}-{}-{}.csv\"", report.from, report.to);
    let reply = warp::reply::with_header(text, header::CONTENT_TYPE, "text/csv; charset=utf-8");
    warp::reply::with_header(reply, header::CONTENT_DISPOSITION, disposition).into_response()
}
