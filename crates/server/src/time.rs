//! Instants and dates at the HTTP edge: RFC 3339 out, RFC 3339 or `YYYY-MM-DD` in.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use sked_core::FieldError;
use sked_core::interval::timestamp;

/// Unix seconds as RFC 3339 in UTC (`2026-03-09T14:00:00Z`).
pub fn rfc3339(second: i64) -> String {
    timestamp(second).to_string()
}

/// Earliest instant the API takes (1970-01-01T00:00:00Z): nothing bookable or blocking lies
/// before it, and a start far back is only a way to make work.
pub const EARLIEST: i64 = 0;
/// First instant the API no longer takes (2200-01-01T00:00:00Z).
pub const LATEST: i64 = 7_258_118_400;

/// Parses an RFC 3339 instant; the offset is required, the year 1970 to 2199.
pub fn parse_instant(field: &str, text: &str) -> Result<Timestamp, FieldError> {
    let t = text.parse::<Timestamp>().map_err(|_| {
        FieldError::new(
            field,
            format!(
                "`{}` is not an RFC 3339 instant with an offset, such as 2026-03-09T14:00:00Z",
                shown(text)
            ),
        )
    })?;
    in_range(field, t)
}

fn in_range(field: &str, t: Timestamp) -> Result<Timestamp, FieldError> {
    if (EARLIEST..LATEST).contains(&t.as_second()) {
        Ok(t)
    } else {
        Err(FieldError::new(field, "must be between 1970 and 2199"))
    }
}

/// At most 64 characters of what a client sent, to quote it back.
fn shown(text: &str) -> String {
    text.chars().take(64).collect()
}

/// Parses an instant, or a date read as the start of that day in `tz`.
pub fn parse_instant_or_date(field: &str, text: &str, tz: &TimeZone) -> Result<Timestamp, FieldError> {
    if text.len() == 10
        && let Ok(date) = text.parse::<Date>()
    {
        let t = sked_core::local::start_of_day(tz, date)
            .ok_or_else(|| FieldError::new(field, format!("{date} is out of range")))?;
        return in_range(field, t);
    }
    let t = text.parse::<Timestamp>().map_err(|_| {
        FieldError::new(
            field,
            format!("`{}` is neither an RFC 3339 instant nor a date in YYYY-MM-DD form", shown(text)),
        )
    })?;
    in_range(field, t)
}
