//! Time as Google writes and reads it: RFC 3339 instants, EventDateTime objects, RFC 1123 dates.

use std::str::FromStr;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// `2026-03-10T14:02:11.123Z`, the form of `updated` and `created`.
pub(crate) fn rfc3339_ms(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// An RFC 3339 timestamp with its mandatory offset (`Z` or `+hh:mm`).
pub(crate) fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    Timestamp::from_str(text.trim()).ok()
}

/// `Tue, 10 Mar 2026 14:00:00 GMT` for Unix milliseconds.
pub(crate) fn rfc1123_ms(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .strftime("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// Unix milliseconds.
pub(crate) fn millis(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// `t` plus `secs`, saturating at jiff's range.
pub(crate) fn plus(t: Timestamp, secs: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_secs(secs)).unwrap_or(if secs < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// A zone by IANA name.
pub(crate) fn zone(name: &str) -> Option<TimeZone> {
    TimeZone::get(name).ok()
}

/// The zone named `name`, or UTC when it is unknown (stored data from the test may say anything).
pub(crate) fn zone_or_utc(name: &str) -> TimeZone {
    zone(name).unwrap_or(TimeZone::UTC)
}

/// `t` in `tz` as Google writes a `dateTime`: `2026-03-10T10:00:00-04:00`, or `...Z` in UTC.
pub(crate) fn format_in(t: Timestamp, tz: &TimeZone) -> String {
    let zoned = t.to_zoned(tz.clone());
    if tz.iana_name().is_some_and(|n| matches!(n, "UTC" | "Etc/UTC" | "Etc/GMT" | "GMT")) {
        return zoned.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    }
    zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// What an EventDateTime means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    /// A `dateTime`.
    At(Timestamp),
    /// A `date` (all-day).
    Day(Date),
}

/// Why an EventDateTime could not be read; the message names `start` or `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WhenError {
    /// Neither `date` nor `dateTime`, both, or an unreadable value.
    Invalid,
    /// A `dateTime` without offset and without `timeZone`.
    NoZone,
    /// A `timeZone` that is not an IANA name.
    BadZone,
}

/// Reads an EventDateTime. A `dateTime` without offset is wall time in its `timeZone`.
pub(crate) fn read_when(edt: &Value) -> Result<When, WhenError> {
    let Some(obj) = edt.as_object() else { return Err(WhenError::Invalid) };
    let zone_name = obj.get("timeZone").and_then(Value::as_str);
    let zone = match zone_name {
        Some(name) => Some(zone(name).ok_or(WhenError::BadZone)?),
        None => None,
    };
    match (obj.get("dateTime").and_then(Value::as_str), obj.get("date").and_then(Value::as_str)) {
        (Some(dt), None) => {
            if let Some(t) = parse_rfc3339(dt) {
                return Ok(When::At(t));
            }
            let civil = DateTime::from_str(dt).map_err(|_| WhenError::Invalid)?;
            let tz = zone.ok_or(WhenError::NoZone)?;
            let t = tz.to_ambiguous_timestamp(civil).compatible().map_err(|_| WhenError::Invalid)?;
            Ok(When::At(t))
        }
        (None, Some(d)) => Date::from_str(d).map(When::Day).map_err(|_| WhenError::Invalid),
        _ => Err(WhenError::Invalid),
    }
}

impl When {
    /// The instant this starts at; an all-day date starts at midnight in `tz`.
    pub(crate) fn instant(self, tz: &TimeZone) -> Option<Timestamp> {
        match self {
            When::At(t) => Some(t),
            When::Day(d) => {
                tz.to_ambiguous_timestamp(d.to_datetime(jiff::civil::Time::midnight())).compatible().ok()
            }
        }
    }
}

/// An EventDateTime rendered for a response in `tz`: a `dateTime` is rewritten in `tz`'s
/// offset (Google answers in the calendar's zone, or the `timeZone` parameter's); `timeZone`
/// and `date` are kept as stored.
pub(crate) fn render_when(edt: &Value, tz: &TimeZone) -> Value {
    let mut out = edt.clone();
    if let (Ok(When::At(t)), Some(obj)) = (read_when(edt), out.as_object_mut()) {
        obj.insert("dateTime".into(), json!(format_in(t, tz)));
    }
    out
}

/// `[start, end)` of a stored event as instants in calendar zone `tz`; a cancelled instance
/// without times uses its `originalStartTime`.
pub(crate) fn event_span(ev: &Value, tz: &TimeZone) -> Option<(Timestamp, Timestamp)> {
    let start_edt = if ev.get("start").is_some() { &ev["start"] } else { &ev["originalStartTime"] };
    let start = read_when(start_edt).ok()?.instant(tz)?;
    let end = read_when(&ev["end"]).ok().and_then(|w| w.instant(tz)).unwrap_or(start);
    Some((start, end.max(start)))
}
