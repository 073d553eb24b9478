//! The date filters, after Hurl's: text read as a date with a strftime format, a date written
//! with one, and the days between a date and now. A date is carried between filters as RFC
//! 3339 text in UTC (`2015-10-21T07:28:00Z`), since a filtered value is JSON.

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// Whether `format` is a strftime format chrono reads (no unknown `%` specifier).
pub fn is_valid_format(format: &str) -> bool {
    !StrftimeItems::new(format).any(|item| matches!(item, Item::Error))
}

/// `text` read with `format` as Hurl's `toDate` reads it: with a time zone, else as UTC, else a
/// date alone at midnight UTC; the date as RFC 3339 text.
pub fn to_date(text: &str, format: &str) -> Result<String, String> {
    let date = DateTime::parse_from_str(text, format)
        .map(|date| date.with_timezone(&Utc))
        .or_else(|_| NaiveDateTime::parse_from_str(text, format).map(|date| date.and_utc()))
        .or_else(|_| {
            NaiveDate::parse_from_str(text, format).map(|day| day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        })
        .map_err(|_| format!("`to_date`: {text:?} does not read as {format:?}"))?;
    Ok(date.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// A date (RFC 3339 text, as `to_date` gives it) written with `format`.
pub fn format(date: &str, format: &str) -> Result<String, String> {
    Ok(parse(date, "format")?.format(format).to_string())
}

/// Whole days from `date` to now (`days_before_now`), or from now to `date` (`days_after_now`).
pub fn days_from_now(date: &str, before: bool) -> Result<i64, String> {
    let date = parse(date, if before { "days_before_now" } else { "days_after_now" })?;
    let now = Utc::now();
    Ok(if before { now.signed_duration_since(date) } else { date.signed_duration_since(now) }.num_days())
}

fn parse(date: &str, filter: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(date)
        .map(|date| date.with_timezone(&Utc))
        .map_err(|_| format!("`{filter}` needs a date (RFC 3339, as `to_date` gives), got {date:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_write_and_count_days() {
        let http_date = to_date("Wed, 21 Oct 2015 07:28:00 GMT", "%a, %d %b %Y %H:%M:%S GMT").unwrap();
        assert_eq!(http_date, "2015-10-21T07:28:00Z");
        assert_eq!(format(&http_date, "%Y").unwrap(), "2015");
        assert_eq!(to_date("2024-03-20T11:23:56.773+02:00", "%+").unwrap(), "2024-03-20T09:23:56.773Z");
        assert_eq!(to_date("2020-08-27", "%Y-%m-%d").unwrap(), "2020-08-27T00:00:00Z");
        assert!(days_from_now(&http_date, true).unwrap() > 3000);
        assert!(days_from_now(&http_date, false).unwrap() < -3000);
        assert!(to_date("27/08/2020", "%Y-%m-%d").unwrap_err().contains("does not read as"));
        assert!(format("2015", "%Y").unwrap_err().contains("needs a date"));
        assert!(is_valid_format("%Y-%m-%d") && !is_valid_format("%Q"));
    }
}
