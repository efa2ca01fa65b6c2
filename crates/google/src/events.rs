//! Google events, read as the provider-neutral [`StoredEvent`].
//!
//! Events are listed unexpanded: a recurring event comes as its series (with `recurrence`
//! lines) and, separately, its exceptions (with `recurringEventId` and `originalStartTime`),
//! possibly in different syncs. Each is kept as a [`StoredEvent`]; the busy time of a series is
//! computed from all of its stored parts by [`series_busy`] (in `sked-calendar`).
//!
//! What blocks: confirmed and tentative events that are opaque (the default), unless the
//! calendar's owner declined them; all-day events too, unless marked free. Cancelled events,
//! transparent ("free") events, working-location events and declined invitations do not.
//! Events that carry a Sked booking id are the bookings themselves and are left to the sync's
//! two-way logic.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
pub use sked_calendar::busy::{StoredEvent, When, series_busy};
use sked_core::local::resolve;

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

    /// What Sked keeps of it. Cancelled events often come with nothing but their id.
    pub fn stored(&self) -> StoredEvent {
        let e = self;
        let declined =
            e.attendees.iter().any(|a| a.is_self && a.response_status.as_deref() == Some("declined"));
        let transparent = e.transparency.as_deref() == Some("transparent");
        let not_time = matches!(e.event_type.as_deref(), Some("workingLocation" | "birthday"));
        let zone = e
            .start
            .as_ref()
            .and_then(|s| s.time_zone.clone())
            .or_else(|| e.original_start_time.as_ref().and_then(|s| s.time_zone.clone()));
        StoredEvent {
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

#[cfg(test)]
mod tests {
    use jiff::tz::TimeZone;
    use serde_json::json;
    use sked_core::Interval;

    use super::*;

    fn stored(v: serde_json::Value) -> StoredEvent {
        serde_json::from_value::<Event>(v).unwrap().stored()
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
