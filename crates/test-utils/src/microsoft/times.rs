//! Time as Graph reads and writes it: `dateTimeTimeZone` objects with Windows or IANA zone
//! names, seven fractional digits, `Prefer: outlook.timezone`, and query-string instants.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use super::state::Span;

/// A zone by the name a client gives: IANA, Windows (CLDR's world-wide mapping) or UTC.
pub(crate) fn zone(name: &str) -> Option<TimeZone> {
    let name = name.trim();
    if name.eq_ignore_ascii_case("utc") || name.eq_ignore_ascii_case("tzone://Microsoft/Utc") {
        return Some(TimeZone::UTC);
    }
    if name.is_empty() {
        return None;
    }
    TimeZone::get(name)
        .ok()
        .or_else(|| localzone::win_zone_to_iana(name, Some("001")).and_then(|i| TimeZone::get(i).ok()))
}

/// The Windows name Outlook reports for a zone named `name` (kept when it is one already).
pub(crate) fn windows_name(name: &str) -> String {
    if name.eq_ignore_ascii_case("utc") || name.eq_ignore_ascii_case("etc/utc") {
        return "UTC".into();
    }
    localzone::iana_to_win_zone(name).map_or_else(|| name.to_owned(), |(w, _)| w.to_owned())
}

/// `t` plus `secs`, saturating.
pub(crate) fn plus(t: Timestamp, secs: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_secs(secs)).unwrap_or(if secs < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// `2026-03-10T14:00:00.0000000`: a wall time as Graph writes it.
pub(crate) fn wall_text(dt: DateTime) -> String {
    dt.strftime("%Y-%m-%dT%H:%M:%S.%7f").to_string()
}

/// `2026-03-10T14:00:00.0000000Z`: an instant as Graph writes `DateTimeOffset`s.
pub(crate) fn utc_z(t: Timestamp) -> String {
    format!("{}Z", wall_text(TimeZone::UTC.to_datetime(t)))
}

/// An instant given in a query string or body: RFC 3339, or a wall time read as UTC.
pub(crate) fn parse_instant(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    text.parse::<Timestamp>().ok().or_else(|| {
        let wall: DateTime = text.parse().ok()?;
        TimeZone::UTC.to_ambiguous_timestamp(wall).compatible().ok()
    })
}

/// Why a `dateTimeTimeZone` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeError {
    /// Missing or unreadable.
    Invalid,
    /// A zone name neither IANA nor Windows knows.
    UnknownZone,
}

/// A `dateTimeTimeZone`: its wall time and the zone it is in (missing zone: UTC).
pub(crate) fn read_dtz(v: &Value) -> Result<(DateTime, TimeZone, String), TimeError> {
    let text = v.get("dateTime").and_then(Value::as_str).ok_or(TimeError::Invalid)?;
    let name = v.get("timeZone").and_then(Value::as_str).unwrap_or("UTC");
    let tz = zone(name).ok_or(TimeError::UnknownZone)?;
    if let Ok(t) = text.trim().parse::<Timestamp>() {
        return Ok((tz.to_datetime(t), tz, name.to_owned()));
    }
    let wall: DateTime = text.trim().parse().map_err(|_| TimeError::Invalid)?;
    Ok((wall, tz, name.to_owned()))
}

/// The span of `start`/`end` objects; all-day spans must run midnight to midnight.
pub(crate) fn read_span(
    start: &Value,
    end: &Value,
    all_day: bool,
) -> Result<(Span, String, String), TimeError> {
    let (sw, stz, sname) = read_dtz(start)?;
    let (ew, etz, ename) = read_dtz(end)?;
    if all_day {
        if sw.time() != Time::midnight() || ew.time() != Time::midnight() || ew.date() <= sw.date() {
            return Err(TimeError::Invalid);
        }
        return Ok((Span::AllDay(sw.date(), ew.date()), sname, ename));
    }
    let s = stz.to_ambiguous_timestamp(sw).compatible().map_err(|_| TimeError::Invalid)?;
    let e = etz.to_ambiguous_timestamp(ew).compatible().map_err(|_| TimeError::Invalid)?;
    if e < s {
        return Err(TimeError::Invalid);
    }
    Ok((Span::Timed(s, e), sname, ename))
}

/// The span as instants; all-day dates are floating, read on a UTC clock.
pub(crate) fn instants(span: Span) -> Option<(Timestamp, Timestamp)> {
    match span {
        Span::Timed(s, e) => Some((s, e)),
        Span::AllDay(s, e) => Some((day_start(s)?, day_start(e)?)),
    }
}

/// Midnight UTC starting `d`.
pub(crate) fn day_start(d: Date) -> Option<Timestamp> {
    TimeZone::UTC.to_ambiguous_timestamp(d.to_datetime(Time::midnight())).compatible().ok()
}

/// The `start`/`end` objects of a span in the response zone: instants as wall times there,
/// all-day dates at midnight whatever the zone (as Outlook answers).
pub(crate) fn render_span(span: Span, tz: &TimeZone, tz_name: &str) -> (Value, Value) {
    let obj = |dt: DateTime| json!({"dateTime": wall_text(dt), "timeZone": tz_name});
    match span {
        Span::Timed(s, e) => (obj(tz.to_datetime(s)), obj(tz.to_datetime(e))),
        Span::AllDay(s, e) => (obj(s.to_datetime(Time::midnight())), obj(e.to_datetime(Time::midnight()))),
    }
}

/// The zone a request asks answers in (`Prefer: outlook.timezone="..."`; UTC by default), and
/// the largest page it prefers (`odata.maxpagesize=N`).
#[derive(Debug, Clone)]
pub(crate) struct Prefer {
    pub tz: TimeZone,
    pub tz_name: String,
    pub max_page: Option<usize>,
    /// Preferences honoured, for `Preference-Applied`.
    pub applied: Vec<String>,
}

impl Prefer {
    /// Reads every `Prefer` header (each may list several preferences).
    pub(crate) fn read(headers: &axum::http::HeaderMap) -> Self {
        let mut out =
            Prefer { tz: TimeZone::UTC, tz_name: "UTC".into(), max_page: None, applied: Vec::new() };
        let values = headers.get_all("prefer").iter().filter_map(|v| v.to_str().ok());
        for item in values.flat_map(|v| v.split(',')) {
            let Some((k, v)) = item.split_once('=') else { continue };
            let v = v.trim().trim_matches('"');
            match k.trim().to_ascii_lowercase().as_str() {
                "outlook.timezone" => {
                    if let Some(tz) = zone(v) {
                        out.tz = tz;
                        out.tz_name = v.to_owned();
                        out.applied.push(format!("outlook.timezone=\"{v}\""));
                    }
                }
                "odata.maxpagesize" => {
                    if let Ok(n) = v.parse::<usize>() {
                        out.max_page = Some(n.max(1));
                        out.applied.push(format!("odata.maxpagesize={}", n.max(1)));
                    }
                }
                _ => {}
            }
        }
        out
    }
}
