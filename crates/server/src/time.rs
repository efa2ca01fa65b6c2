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

/// Parses an RFC 3339 instant; the offset is required.
pub fn parse_instant(field: &str, text: &str) -> Result<Timestamp, FieldError> {
    text.parse::<Timestamp>().map_err(|_| {
        FieldError::new(
            field,
            format!("`{text}` is not an RFC 3339 instant with an offset, such as 2026-03-09T14:00:00Z"),
        )
    })
}

/// Parses an instant, or a date read as the start of that day in `tz`.
pub fn parse_instant_or_date(field: &str, text: &str, tz: &TimeZone) -> Result<Timestamp, FieldError> {
    if text.len() == 10
        && let Ok(date) = text.parse::<Date>()
    {
        return sked_core::local::start_of_day(tz, date)
            .ok_or_else(|| FieldError::new(field, format!("{date} is out of range")));
    }
    text.parse::<Timestamp>().map_err(|_| {
        FieldError::new(
            field,
            format!("`{text}` is neither an RFC 3339 instant nor a date in YYYY-MM-DD form"),
        )
    })
}
