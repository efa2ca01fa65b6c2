//! Google events as busy time.
//!
//! Events are listed unexpanded: a recurring event comes as its series (with `recurrence`
//! lines) and, separately, its exceptions (with `recurringEventId` and `originalStartTime`),
//! possibly in different syncs. Each is kept as a [`StoredEvent`]; the busy time of a series is
//! computed from all of its stored parts by [`series_busy`].
//!
//! What blocks: confirmed and tentative events that are opaque (the default), unless the
//! calendar's owner declined them; all-day events too, unless marked free. Cancelled events,
//! transparent ("free") events, working-location events and declined invitations do not.
//! Events that carry a Sked booking id are the bookings themselves and are left to the sync's
//! two-way logic.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use sked_core::Interval;
use sked_core::WorkBudget;
use sked_core::local::{date_of, resolve, start_of_day};
use sked_core::recurrence::RecurrenceRule;

/// Most occurrences one event's recurrence expands to (an hourly series over ten years).
const EXPANSION_BUDGET: u64 = 100_000;

/// The private extended property holding our booking id on events Sked wrote.
pub const BOOKING_PROPERTY: &str = "sked_booking_id";

/// An event as Google sends it (the fields Sked reads).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct Event {
    pub id: String,
    pub status: Option<String>,
    pub summary: Option<String>,
    pub start: Option<EventTime>,
    pub end: Option<EventTime>,
    pub transparency: Option<String>,
    pub attendees: Vec<Attendee>,
    pub recurrence: Vec<String>,
    pub recurring_event_id: Option<String>,
    pub original_start_time: Option<EventTime>,
    pub extended_properties: Option<ExtendedProperties>,
    pub event_type: Option<String>,
    pub etag: Option<String>,
    pub updated: Option<String>,
    pub sequence: Option<i64>,
}

/// A start or end: `dateTime` (with an offset, or with `timeZone`) or, all day, `date`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct EventTime {
    pub date: Option<String>,
    pub date_time: Option<String>,
    pub time_zone: Option<String>,
}

/// An invitee.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct Attendee {
    pub email: Option<String>,
    #[serde(rename = "self")]
    pub is_self: bool,
    pub response_status: Option<String>,
}

/// `extendedProperties`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct ExtendedProperties {
    pub private: std::collections::BTreeMap<String, String>,
    pub shared: std::collections::BTreeMap<String, String>,
}

impl Event {
    /// The Sked booking this event stands for, when Sked wrote it.
    pub fn booking_id(&self) -> Option<&str> {
        self.extended_properties.as_ref()?.private.get(BOOKING_PROPERTY).map(String::as_str)
    }

    /// True when the event is cancelled (deleted in Google).
    pub fn is_cancelled(&self) -> bool {
        self.status.as_deref() == Some("cancelled")
    }
}

/// A point of an event: an instant, or a local date (all-day events).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// Unix seconds.
    At(i64),
    /// A calendar date, read in the calendar's zone.
    Date(Date),
}

impl When {
    /// The instant, reading dates in `tz`.
    pub fn instant(self, tz: &TimeZone) -> Option<i64> {
        match self {
            Self::At(s) => Some(s),
            Self::Date(d) => start_of_day(tz, d).map(|t| t.as_second()),
        }
    }
}

/// What Sked keeps of one Google event.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub struct StoredEvent {
    /// Google's id.
    pub id: String,
    /// The series it belongs to: its `recurringEventId`, or its own id.
    pub series_id: String,
    /// Deleted in Google.
    pub cancelled: bool,
    /// Takes time when it happens (opaque, not declined, not a working-location note).
    pub blocks: bool,
    pub start: Option<When>,
    pub end: Option<When>,
    /// The zone its recurrence is expanded in.
    pub time_zone: Option<String>,
    /// `RRULE:`, `EXDATE...:` and `RDATE...:` lines of a series.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recurrence: Vec<String>,
    /// For an exception: the start of the occurrence it replaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_start: Option<When>,
    /// The Sked booking it stands for, if Sked wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking_id: Option<String>,
}

impl StoredEvent {
    /// Reads a Google event. Cancelled events often come with nothing but their id.
    pub fn from_event(e: &Event) -> Self {
        let declined =
            e.attendees.iter().any(|a| a.is_self && a.response_status.as_deref() == Some("declined"));
        let transparent = e.transparency.as_deref() == Some("transparent");
        let not_time = matches!(e.event_type.as_deref(), Some("workingLocation" | "birthday"));
        let zone = e
            .start
            .as_ref()
            .and_then(|s| s.time_zone.clone())
            .or_else(|| e.original_start_time.as_ref().and_then(|s| s.time_zone.clone()));
        Self {
            id: e.id.clone(),
            series_id: e.recurring_event_id.clone().unwrap_or_else(|| e.id.clone()),
            cancelled: e.is_cancelled(),
            blocks: !declined && !transparent && !not_time,
            start: e.start.as_ref().and_then(parse_when),
            end: e.end.as_ref().and_then(parse_when),
            time_zone: zone,
            recurrence: e.recurrence.clone(),
            original_start: e.original_start_time.as_ref().and_then(parse_when),
            booking_id: e.booking_id().map(str::to_owned),
        }
    }

    /// True for the series itself (not an exception).
    pub fn is_master(&self) -> bool {
        self.series_id == self.id
    }

    fn zone(&self, calendar_zone: &TimeZone) -> TimeZone {
        self.time_zone.as_deref().and_then(|z| TimeZone::get(z).ok()).unwrap_or_else(|| calendar_zone.clone())
    }

    /// The event's own interval (no recurrence), dates read in `tz`.
    fn interval(&self, tz: &TimeZone) -> Option<Interval> {
        let start = self.start?.instant(tz)?;
        let end = self.end?.instant(tz)?;
        (end > start).then(|| Interval::new(start, end))
    }
}

fn parse_when(t: &EventTime) -> Option<When> {
    if let Some(dt) = &t.date_time {
        if let Ok(ts) = dt.parse::<Timestamp>() {
            return Some(When::At(ts.as_second()));
        }
        // No offset: a wall time in the given zone.
        let wall: DateTime = dt.parse().ok()?;
        let tz = TimeZone::get(t.time_zone.as_deref()?).ok()?;
        return resolve(&tz, wall).map(When::At);
    }
    t.date.as_deref()?.parse::<Date>().ok().map(When::Date)
}

/// Busy time of one series (its master and every stored exception; or a single event) that
/// overlaps `range`. `calendar_zone` reads all-day dates and recurrences without a zone.
pub fn series_busy(parts: &[StoredEvent], calendar_zone: &TimeZone, range: Interval) -> Vec<Interval> {
    let master = parts.iter().find(|p| p.is_master());
    if master.is_some_and(|m| m.cancelled || m.booking_id.is_some()) {
        // The whole series is deleted, or it is a booking of ours.
        return Vec::new();
    }
    let mut out = Vec::new();
    let exceptions: Vec<&StoredEvent> = parts.iter().filter(|p| !p.is_master()).collect();
    if let Some(m) = master {
        let tz = m.zone(calendar_zone);
        if m.recurrence.is_empty() {
            if m.blocks {
                out.extend(m.interval(&tz));
            }
        } else if m.blocks {
            let replaced: Vec<When> = exceptions.iter().filter_map(|e| e.original_start).collect();
            for occ in occurrences(m, &tz, range) {
                let original = match m.start {
                    Some(When::Date(_)) => When::Date(date_of(&tz, occ.start)),
                    _ => When::At(occ.start),
                };
                if !replaced.iter().any(|r| same_start(*r, original, &tz)) {
                    out.push(occ);
                }
            }
        }
    }
    for e in exceptions {
        if e.cancelled || !e.blocks || e.booking_id.is_some() {
            continue;
        }
        out.extend(e.interval(&e.zone(calendar_zone)));
    }
    out.retain(|iv| iv.overlaps(&range));
    out.sort_by_key(|iv| (iv.start, iv.end));
    out.dedup();
    out
}

fn same_start(a: When, b: When, tz: &TimeZone) -> bool {
    match (a, b) {
        (When::Date(x), When::Date(y)) => x == y,
        _ => a.instant(tz) == b.instant(tz),
    }
}

/// Occurrences of a recurring master in `range`: RRULEs and RDATEs, less EXDATEs.
fn occurrences(m: &StoredEvent, tz: &TimeZone, range: Interval) -> Vec<Interval> {
    let Some(first) = m.interval(tz) else { return Vec::new() };
    let all_day = match (m.start, m.end) {
        (Some(When::Date(s)), Some(When::Date(e))) => {
            Some(s.until((jiff::Unit::Day, e)).map_or(1, |d| d.get_days()))
        }
        _ => None,
    };
    let mut out: Vec<Interval> = Vec::new();
    let mut excluded: Vec<When> = Vec::new();
    let mut budget = WorkBudget::new(EXPANSION_BUDGET);
    for line in &m.recurrence {
        let Some((name, value)) = split_property(line) else { continue };
        match name.as_str() {
            "RRULE" => match RecurrenceRule::parse(&value) {
                Ok(rule) => match rule.occurrences(tz, first.start, first.end, range, &mut budget) {
                    Ok(found) => out.extend(found),
                    Err(e) => tracing::warn!(event = %m.id, error = %e, "recurrence not expanded"),
                },
                Err(e) => {
                    tracing::warn!(event = %m.id, rule = %value, error = %e, "recurrence not understood")
                }
            },
            "EXDATE" => excluded.extend(date_list(line, &value, tz)),
            "RDATE" => {
                for w in date_list(line, &value, tz) {
                    if let Some(s) = w.instant(tz) {
                        out.push(Interval::new(s, s + first.len()));
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(days) = all_day {
        // Whole local days, however long DST makes them.
        out = out
            .into_iter()
            .filter_map(|iv| {
                let d = date_of(tz, iv.start);
                let s = start_of_day(tz, d)?.as_second();
                let e = start_of_day(tz, d.checked_add(days.days()).ok()?)?.as_second();
                Some(Interval::new(s, e))
            })
            .collect();
    }
    out.retain(|iv| {
        let start = if all_day.is_some() { When::Date(date_of(tz, iv.start)) } else { When::At(iv.start) };
        !excluded.iter().any(|x| same_start(*x, start, tz)) && iv.overlaps(&range)
    });
    out
}

/// `NAME;PARAMS:VALUE` → (`NAME`, `VALUE`); the whole line is kept for its parameters.
fn split_property(line: &str) -> Option<(String, String)> {
    let (head, value) = line.split_once(':')?;
    let name = head.split(';').next()?.trim().to_ascii_uppercase();
    Some((name, value.trim().to_owned()))
}

/// The dates of an `EXDATE`/`RDATE` line: `TZID=` wall times, UTC `...Z`, floating (read in
/// `tz`) or `VALUE=DATE` dates.
fn date_list(line: &str, value: &str, tz: &TimeZone) -> Vec<When> {
    let head = line.split_once(':').map_or("", |(h, _)| h);
    let zone = head
        .split(';')
        .find_map(|p| p.strip_prefix("TZID="))
        .and_then(|z| TimeZone::get(z).ok())
        .unwrap_or_else(|| tz.clone());
    value
        .split(',')
        .filter_map(|v| {
            let v = v.trim();
            if v.len() == 8 {
                return Date::strptime("%Y%m%d", v).ok().map(When::Date);
            }
            if let Some(utc) = v.strip_suffix('Z') {
                let dt = DateTime::strptime("%Y%m%dT%H%M%S", utc).ok()?;
                return dt.to_zoned(TimeZone::UTC).ok().map(|z| When::At(z.timestamp().as_second()));
            }
            let dt = DateTime::strptime("%Y%m%dT%H%M%S", v).ok()?;
            resolve(&zone, dt).map(When::At)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn stored(v: serde_json::Value) -> StoredEvent {
        StoredEvent::from_event(&serde_json::from_value(v).unwrap())
    }

    fn ts(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_second()
    }

    fn range() -> Interval {
        Interval::new(ts("2026-01-01T00:00:00Z"), ts("2027-01-01T00:00:00Z"))
    }

    fn ny() -> TimeZone {
        TimeZone::get("America/New_York").unwrap()
    }

    #[test]
    fn single_events_block_unless_free_declined_or_cancelled() {
        let base = json!({"id": "a", "start": {"dateTime": "2026-03-10T10:00:00-04:00"}, "end": {"dateTime": "2026-03-10T11:00:00-04:00"}});
        let busy = |v: serde_json::Value| series_busy(&[stored(v)], &ny(), range());
        assert_eq!(
            busy(base.clone()),
            vec![Interval::new(ts("2026-03-10T14:00:00Z"), ts("2026-03-10T15:00:00Z"))]
        );
        let mut free = base.clone();
        free["transparency"] = json!("transparent");
        assert!(busy(free).is_empty());
        let mut declined = base.clone();
        declined["attendees"] = json!([{"email": "me@x.com", "self": true, "responseStatus": "declined"}, {"email": "o@x.com", "responseStatus": "accepted"}]);
        assert!(busy(declined).is_empty());
        let mut accepted = base.clone();
        accepted["attendees"] = json!([{"email": "me@x.com", "self": true, "responseStatus": "accepted"}]);
        assert_eq!(busy(accepted).len(), 1);
        assert!(busy(json!({"id": "a", "status": "cancelled"})).is_empty());
        let mut ours = base.clone();
        ours["extendedProperties"] = json!({"private": {"sked_booking_id": "b1"}});
        assert!(busy(ours).is_empty(), "our own bookings are occupancy already");
        let mut tentative = base;
        tentative["status"] = json!("tentative");
        assert_eq!(busy(tentative).len(), 1);
    }

    #[test]
    fn all_day_events_take_whole_local_days() {
        let e = stored(json!({"id": "d", "start": {"date": "2026-03-08"}, "end": {"date": "2026-03-09"}}));
        // The DST day in New York is 23 hours long.
        assert_eq!(
            series_busy(std::slice::from_ref(&e), &ny(), range()),
            vec![Interval::new(ts("2026-03-08T05:00:00Z"), ts("2026-03-09T04:00:00Z"))]
        );
        let free = StoredEvent { blocks: false, ..e };
        assert!(series_busy(&[free], &ny(), range()).is_empty());
    }

    #[test]
    fn wall_times_with_a_zone_are_read_in_it() {
        let e = stored(
            json!({"id": "w", "start": {"dateTime": "2026-07-01T09:00:00", "timeZone": "Europe/London"}, "end": {"dateTime": "2026-07-01T10:00:00", "timeZone": "Europe/London"}}),
        );
        assert_eq!(
            series_busy(&[e], &ny(), range()),
            vec![Interval::new(ts("2026-07-01T08:00:00Z"), ts("2026-07-01T09:00:00Z"))]
        );
    }

    #[test]
    fn recurring_series_with_exdates_and_exceptions() {
        // Weekly on Tuesdays 10:00-11:00 New York, 6 times from 3 March 2026 (across the DST
        // change on 8 March), the 17th excluded, the 24th moved to 15:00, the 31st cancelled.
        let master = stored(json!({
            "id": "s", "start": {"dateTime": "2026-03-03T10:00:00-05:00", "timeZone": "America/New_York"},
            "end": {"dateTime": "2026-03-03T11:00:00-05:00", "timeZone": "America/New_York"},
            "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=6", "EXDATE;TZID=America/New_York:20260317T100000"]
        }));
        let moved = stored(json!({
            "id": "s_20260324T140000Z", "recurringEventId": "s",
            "originalStartTime": {"dateTime": "2026-03-24T10:00:00-04:00", "timeZone": "America/New_York"},
            "start": {"dateTime": "2026-03-24T15:00:00-04:00"}, "end": {"dateTime": "2026-03-24T16:00:00-04:00"}
        }));
        let cancelled = stored(json!({
            "id": "s_20260331T140000Z", "recurringEventId": "s", "status": "cancelled",
            "originalStartTime": {"dateTime": "2026-03-31T10:00:00-04:00", "timeZone": "America/New_York"}
        }));
        let starts: Vec<i64> =
            series_busy(&[master.clone(), moved.clone(), cancelled.clone()], &ny(), range())
                .iter()
                .map(|i| i.start)
                .collect();
        assert_eq!(
            starts,
            vec![
                ts("2026-03-03T15:00:00Z"),
                ts("2026-03-10T14:00:00Z"), // 10:00 EDT after the change
                ts("2026-03-24T19:00:00Z"), // moved
                ts("2026-04-07T14:00:00Z"),
            ]
        );
        // The series deleted: nothing, exceptions included.
        let gone = StoredEvent { cancelled: true, ..master };
        assert!(series_busy(&[gone, moved.clone()], &ny(), range()).is_empty());
        // An exception seen without its series still blocks.
        assert_eq!(series_busy(&[moved], &ny(), range()).len(), 1);
    }

    #[test]
    fn recurring_all_day_and_until_in_utc() {
        let m = stored(json!({
            "id": "h", "start": {"date": "2026-11-02"}, "end": {"date": "2026-11-03"},
            "recurrence": ["RRULE:FREQ=DAILY;UNTIL=20261104T000000Z", "EXDATE;VALUE=DATE:20261102"]
        }));
        let got = series_busy(&[m], &ny(), range());
        assert_eq!(got, vec![Interval::new(ts("2026-11-03T05:00:00Z"), ts("2026-11-04T05:00:00Z"))]);
    }

    #[test]
    fn only_the_range_is_expanded() {
        let m = stored(json!({
            "id": "r", "start": {"dateTime": "2020-01-06T09:00:00Z", "timeZone": "UTC"}, "end": {"dateTime": "2020-01-06T09:30:00Z", "timeZone": "UTC"},
            "recurrence": ["RRULE:FREQ=DAILY"]
        }));
        let r = Interval::new(ts("2026-05-01T00:00:00Z"), ts("2026-05-08T00:00:00Z"));
        assert_eq!(series_busy(&[m], &ny(), r).len(), 7);
    }
}
