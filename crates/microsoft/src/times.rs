//! Time as Graph writes it: `dateTimeTimeZone` objects (`{"dateTime":"2019-03-15T09:00:00.0000000",
//! "timeZone":"UTC"}`: a wall time with up to seven fractional digits, and a zone that is an IANA
//! name, a Windows name such as "Pacific Standard Time", or UTC), and the instants Sked sends.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde_json::{Value, json};

/// A zone by the name Graph gives it: IANA, Windows (CLDR's world-wide mapping) or UTC.
pub(crate) fn zone(name: &str) -> Option<TimeZone> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    if name.eq_ignore_ascii_case("utc") || name.eq_ignore_ascii_case("tzone://Microsoft/Utc") {
        return Some(TimeZone::UTC);
    }
    if let Ok(tz) = TimeZone::get(name) {
        return Some(tz);
    }
    localzone::win_zone_to_iana(name, Some("001")).and_then(|iana| TimeZone::get(iana).ok())
}

/// The wall time of a `dateTime` (`2019-03-15T09:00:00.0000000`; an offset or `Z`, when
/// present, is read as such and the wall time taken in UTC).
pub(crate) fn wall(text: &str) -> Option<DateTime> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(TimeZone::UTC.to_datetime(ts));
    }
    text.parse::<DateTime>().ok()
}

/// The instant of a `dateTimeTimeZone` object; a missing zone means UTC, an unknown one
/// gives nothing.
pub(crate) fn instant(dtz: &Value) -> Option<Timestamp> {
    let text = dtz.get("dateTime")?.as_str()?.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    let wall: DateTime = text.parse().ok()?;
    let tz = match dtz.get("timeZone").and_then(Value::as_str) {
        Some(name) => zone(name)?,
        None => TimeZone::UTC,
    };
    tz.to_ambiguous_timestamp(wall).compatible().ok()
}

/// `t` as Graph's UTC `dateTimeTimeZone`.
pub(crate) fn utc_dtz(t: Timestamp) -> Value {
    json!({"dateTime": utc_wall(t), "timeZone": "UTC"})
}

/// `2026-03-10T14:00:00.0000000`: `t`'s UTC wall time as Graph writes it.
pub(crate) fn utc_wall(t: Timestamp) -> String {
    TimeZone::UTC.to_datetime(t).strftime("%Y-%m-%dT%H:%M:%S.%7f").to_string()
}

/// `2026-03-10T14:00:00.0000000Z`: an instant as subscriptions take it.
pub(crate) fn utc_z(t: Timestamp) -> String {
    format!("{}Z", utc_wall(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn seven_fraction_digits_and_zone_names() {
        let at = |dt: &str, tz: &str| instant(&json!({"dateTime": dt, "timeZone": tz}));
        assert_eq!(at("2019-03-15T09:00:00.0000000", "UTC"), Some(ts("2019-03-15T09:00:00Z")));
        assert_eq!(at("2019-03-15T09:00:00.5000000", "UTC"), Some(ts("2019-03-15T09:00:00.5Z")));
        assert_eq!(
            at("2019-03-15T09:00:00.0000000", "Pacific Standard Time"),
            Some(ts("2019-03-15T16:00:00Z"))
        );
        assert_eq!(at("2019-07-01T09:00:00", "W. Europe Standard Time"), Some(ts("2019-07-01T07:00:00Z")));
        assert_eq!(at("2019-07-01T09:00:00", "Europe/London"), Some(ts("2019-07-01T08:00:00Z")));
        assert_eq!(at("2019-07-01T09:00:00", "tzone://Microsoft/Utc"), Some(ts("2019-07-01T09:00:00Z")));
        assert_eq!(at("2019-07-01T09:00:00Z", "Pacific Standard Time"), Some(ts("2019-07-01T09:00:00Z")));
        assert_eq!(at("2019-07-01T09:00:00", "Mars Standard Time"), None);
        assert_eq!(instant(&json!({"dateTime": "2019-07-01T09:00:00"})), Some(ts("2019-07-01T09:00:00Z")));
        assert_eq!(instant(&json!({"dateTime": "yesterday", "timeZone": "UTC"})), None);
    }

    #[test]
    fn instants_are_written_as_graph_writes_them() {
        let t = ts("2026-03-10T14:05:09.25Z");
        assert_eq!(utc_wall(t), "2026-03-10T14:05:09.2500000");
        assert_eq!(utc_z(t), "2026-03-10T14:05:09.2500000Z");
        assert_eq!(utc_dtz(t), json!({"dateTime": "2026-03-10T14:05:09.2500000", "timeZone": "UTC"}));
    }
}
