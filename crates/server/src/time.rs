//! Instants and dates at the HTTP edge: RFC 3339 out, RFC 3339 or `YYYY-MM-DD` in.

use std::borrow::Cow;

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

/// Parses an RFC 3339 instant; the offset is required, and the instant lies in 1970 to 2199
/// (UTC). Fractions of a second past nanoseconds are dropped (RFC 3339 allows any number of
/// digits; jiff reads nine).
pub fn parse_instant(field: &str, text: &str) -> Result<Timestamp, FieldError> {
    let t = nanoseconds_at_most(text).parse::<Timestamp>().map_err(|_| {
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

/// The text with at most nine digits of fraction.
fn nanoseconds_at_most(text: &str) -> Cow<'_, str> {
    if let Some(dot) = text.find('.') {
        let digits = text[dot + 1..].bytes().take_while(u8::is_ascii_digit).count();
        if digits > 9 {
            return Cow::Owned(format!("{}{}", &text[..dot + 10], &text[dot + 1 + digits..]));
        }
    }
    Cow::Borrowed(text)
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
    let t = nanoseconds_at_most(text).parse::<Timestamp>().map_err(|_| {
        FieldError::new(
            field,
            format!("`{}` is neither an RFC 3339 instant nor a date in YYYY-MM-DD form", shown(text)),
        )
    })?;
    in_range(field, t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_in_rfc_3339_are_read_in_full_and_within_1970_to_2199() {
        let t = parse_instant("t", "2026-03-09T14:00:00.1234567891234Z").unwrap();
        assert_eq!(t.to_string(), "2026-03-09T14:00:00.123456789Z");
        assert!(parse_instant("t", "1970-01-01T00:00:00Z").is_ok());
        assert!(parse_instant("t", "1970-01-01T00:00:00+01:00").is_err());
        assert!(parse_instant("t", "2199-12-31T23:59:59Z").is_ok());
        assert!(parse_instant("t", "2200-01-01T00:00:00Z").is_err());
        assert!(parse_instant("t", "0001-01-01T00:00:00Z").is_err());
        assert!(parse_instant("t", "-000001-01-01T00:00:00Z").is_err());
        // The years the API document promises, in any zone.
        assert!(parse_instant("t", "1971-01-01T00:00:00+14:00").is_ok());
        assert!(parse_instant("t", "2198-12-31T23:59:59-12:00").is_ok());
    }
}
