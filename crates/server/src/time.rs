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

/// `0001-01-01T00:00:00Z`: earlier instants are refused, so that answers (a day or a year before
/// one) never need a year with a sign, which RFC 3339 cannot write.
const FIRST: i64 = -62_135_596_800;

/// Parses an RFC 3339 instant; the offset is required, and the instant lies in the years 0001
/// to 9999 (jiff's range ends on 9999-12-30). Fractions of a second past nanoseconds are dropped
/// (RFC 3339 allows any number of digits; jiff reads nine).
pub fn parse_instant(field: &str, text: &str) -> Result<Timestamp, FieldError> {
    let t = nanoseconds_at_most(text).parse::<Timestamp>().map_err(|_| {
        FieldError::new(
            field,
            format!("`{text}` is not an RFC 3339 instant with an offset, such as 2026-03-09T14:00:00Z"),
        )
    })?;
    if t.as_second() < FIRST {
        return Err(FieldError::new(field, format!("`{text}` is before the year 0001 (UTC)")));
    }
    Ok(t)
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
        return sked_core::local::start_of_day(tz, date)
            .ok_or_else(|| FieldError::new(field, format!("{date} is out of range")));
    }
    parse_instant(field, text).map_err(|_| {
        FieldError::new(
            field,
            format!("`{text}` is neither an RFC 3339 instant nor a date in YYYY-MM-DD form"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_in_rfc_3339_are_read_in_full_and_within_writable_years() {
        let t = parse_instant("t", "2026-03-09T14:00:00.1234567891234Z").unwrap();
        assert_eq!(t.to_string(), "2026-03-09T14:00:00.123456789Z");
        assert!(parse_instant("t", "0002-01-01T00:00:00+14:00").is_ok());
        assert!(parse_instant("t", "0001-01-01T00:00:00+01:00").is_err());
        assert!(parse_instant("t", "-000001-01-01T00:00:00Z").is_err());
        assert_eq!(
            rfc3339(parse_instant("t", "0001-01-01T00:00:00Z").unwrap().as_second() - 86_400 * 366).len(),
            20
        );
    }
}
