//! Date and time values (`DTSTART`, `DTEND`, `RECURRENCE-ID`, `DURATION`) and the zones their
//! `TZID`s name.
//!
//! A `TZID` is only an identifier in RFC 5545. Most writers use IANA names; Outlook and Exchange
//! write Windows names (`Pacific Standard Time`), Thunderbird and Evolution prefix IANA names
//! with their own path (`/mozilla.org/20070129_1/Europe/Berlin`), and Lightning names the IANA
//! zone in the `VTIMEZONE`'s `X-LIC-LOCATION`. A zone none of these reveal is read as the
//! calendar's own zone: a wall time is never taken for UTC.

use std::collections::HashMap;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, ToSpan};
use sked_calendar::busy::When;
use sked_core::local::is_zone_name;

/// A point read from a property: a date (all-day), or an instant with the zone it was written
/// in.
#[derive(Clone, Debug)]
pub(super) enum Point {
    Date(Date),
    At {
        at: Timestamp,
        /// The zone its wall time was read in (UTC for `Z` values).
        tz: TimeZone,
        /// That zone's IANA name; `None` for floating times and unknown `TZID`s (read in the
        /// calendar's zone).
        name: Option<String>,
    },
}

impl Point {
    /// As Sked keeps it.
    pub(super) fn when(&self) -> When {
        match self {
            Self::Date(d) => When::Date(*d),
            Self::At { at, .. } => When::At(at.as_second()),
        }
    }

    /// The IANA name of the zone it was written in (UTC for `Z` values).
    pub(super) fn zone_name(&self) -> Option<String> {
        match self {
            Self::Date(_) => None,
            Self::At { name, .. } => name.clone(),
        }
    }
}

/// The zones of one calendar text: the calendar's own, for floating times and unknown `TZID`s,
/// and what the text's `VTIMEZONE`s say.
#[derive(Debug)]
pub(super) struct Zones<'a> {
    calendar: &'a TimeZone,
    /// `TZID` of a `VTIMEZONE` → its `X-LIC-LOCATION`.
    locations: HashMap<String, String>,
    /// `TZID`s resolved so far (an IANA zone and its name, or none).
    cache: HashMap<String, Option<(TimeZone, String)>>,
}

impl<'a> Zones<'a> {
    pub(super) fn new(calendar: &'a TimeZone) -> Self {
        Self { calendar, locations: HashMap::new(), cache: HashMap::new() }
    }

    /// Remembers that the `VTIMEZONE` named `tzid` stands for the zone `location`.
    pub(super) fn add_location(&mut self, tzid: &str, location: &str) {
        self.locations.insert(unquote(tzid).to_owned(), unquote(location).to_owned());
    }

    /// The IANA zone a `TZID` names, if it can be told.
    pub(super) fn resolve(&mut self, tzid: &str) -> Option<(TimeZone, String)> {
        let tzid = unquote(tzid);
        if let Some(hit) = self.cache.get(tzid) {
            return hit.clone();
        }
        let found = iana(tzid)
            .or_else(|| {
                // A path prefix (`/mozilla.org/20070129_1/Europe/Berlin`): try ever shorter tails.
                tzid.match_indices('/').map(|(i, _)| &tzid[i + 1..]).find_map(iana)
            })
            .or_else(|| localzone::win_zone_to_iana(tzid, None).and_then(iana))
            .or_else(|| self.locations.get(tzid).and_then(|l| iana(l)));
        self.cache.insert(tzid.to_owned(), found.clone());
        found
    }

    /// Reads a date or date-time `value`: `Z` in UTC, with a `tzid` in that zone, otherwise
    /// (floating, or a zone that cannot be told) in the calendar's zone. `date` is true for
    /// `VALUE=DATE`.
    pub(super) fn point(&mut self, value: &str, tzid: Option<&str>, date: bool) -> Option<Point> {
        let value = value.trim().to_ascii_uppercase();
        if date || value.len() == 8 {
            return Date::strptime("%Y%m%d", value.get(..8)?).ok().map(Point::Date);
        }
        if let Some(utc) = value.strip_suffix('Z') {
            let at = DateTime::strptime("%Y%m%dT%H%M%S", utc).ok()?.to_zoned(TimeZone::UTC).ok()?;
            return Some(Point::At { at: at.timestamp(), tz: TimeZone::UTC, name: Some("UTC".into()) });
        }
        let wall = DateTime::strptime("%Y%m%dT%H%M%S", &value).ok()?;
        let (tz, name) = match tzid.and_then(|z| self.resolve(z)) {
            Some((tz, name)) => (tz, Some(name)),
            None => (self.calendar.clone(), None),
        };
        let at = tz.to_ambiguous_timestamp(wall).compatible().ok()?;
        Some(Point::At { at, tz, name })
    }
}

/// The end of an event from its start and its `DTEND` or `DURATION`: without either, an all-day
/// event lasts its day and a timed one no time at all (RFC 5545 §3.6.1). An all-day event never
/// ends before the next day.
pub(super) fn end_of(start: &Point, end: Option<Point>, duration: Option<&str>) -> Option<Point> {
    match (start, end) {
        (Point::Date(s), Some(Point::Date(e))) if e <= *s => s.tomorrow().ok().map(Point::Date),
        (_, Some(end)) => Some(end),
        (Point::Date(s), None) => {
            let days = match duration.and_then(parse_duration) {
                Some(d) => (i64::from(d.get_weeks()) * 7 + i64::from(d.get_days())).max(1),
                None => 1,
            };
            s.checked_add(days.days()).ok().map(Point::Date)
        }
        (Point::At { at, tz, name }, None) => {
            let span = duration.and_then(parse_duration).unwrap_or_default();
            // Days and weeks are calendar days in the event's zone; hours and less are exact.
            let end = at.to_zoned(tz.clone()).checked_add(span).ok()?;
            Some(Point::At { at: end.timestamp(), tz: tz.clone(), name: name.clone() })
        }
    }
}

/// An RFC 5545 duration (`PT1H30M`, `P1D`, `P2W`, `-PT15M`).
fn parse_duration(text: &str) -> Option<Span> {
    let text = text.trim();
    // jiff reads ISO 8601 durations; RFC 5545's are a subset of them.
    if !text.trim_start_matches(['+', '-']).starts_with(['P', 'p']) {
        return None;
    }
    text.parse::<Span>().ok()
}

/// The IANA zone of a name the tz database lists, with its canonical spelling.
fn iana(name: &str) -> Option<(TimeZone, String)> {
    let name = name.trim();
    if !is_zone_name(name) {
        return None;
    }
    let tz = TimeZone::get(name).ok()?;
    let canonical = tz.iana_name().unwrap_or(name).to_owned();
    Some((tz, canonical))
}

/// A parameter value without the double quotes it may be written in.
fn unquote(value: &str) -> &str {
    let v = value.trim();
    v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tzids_name_iana_zones_however_they_are_written() {
        let utc = TimeZone::UTC;
        let mut z = Zones::new(&utc);
        z.add_location("Custom Zone", "Europe/Paris");
        for (tzid, want) in [
            ("America/New_York", Some("America/New_York")),
            ("\"Europe/Berlin\"", Some("Europe/Berlin")),
            ("/mozilla.org/20070129_1/Europe/Berlin", Some("Europe/Berlin")),
            ("/freeassociation.sourceforge.net/Tzfile/Australia/Sydney", Some("Australia/Sydney")),
            ("Pacific Standard Time", Some("America/Los_Angeles")),
            ("W. Europe Standard Time", Some("Europe/Berlin")),
            ("Custom Zone", Some("Europe/Paris")),
            ("localtime", None),
            ("(UTC-05:00) Eastern Time (US & Canada)", None),
            ("", None),
        ] {
            assert_eq!(z.resolve(tzid).map(|(_, n)| n).as_deref(), want, "{tzid}");
        }
    }

    #[test]
    fn durations_are_rfc_5545_ones() {
        assert_eq!(parse_duration("PT1H30M").map(|s| s.get_minutes()), Some(30));
        assert_eq!(parse_duration("P2W").map(|s| s.get_weeks()), Some(2));
        assert_eq!(parse_duration("+P1DT2H").map(|s| s.get_hours()), Some(2));
        assert!(parse_duration("-PT15M").is_some_and(|s| s.is_negative()));
        assert!(parse_duration("1 hour").is_none());
        assert!(parse_duration("").is_none());
    }
}
