use jiff::Timestamp;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use serde_json::{Value, json};
use sked_core::Interval;

use super::*;

fn stored(v: Value) -> StoredEvent {
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

fn busy(v: Value) -> Vec<Interval> {
    series_busy(&[stored(v)], &ny(), range())
}

/// An event as Graph's calendar view returns it with `Prefer: outlook.timezone="UTC"`.
fn graph_event() -> Value {
    json!({
        "@odata.type": "#microsoft.graph.event",
        "@odata.etag": "W/\"EZ9r3czxY0m2jz8c45czkwAAFXcvIQ==\"",
        "id": "AAMkADNVxRAAA=",
        "subject": "Dentist",
        "type": "singleInstance",
        "isAllDay": false,
        "isCancelled": false,
        "showAs": "busy",
        "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
        "originalStartTimeZone": "Pacific Standard Time",
        "originalEndTimeZone": "Pacific Standard Time",
        "transactionId": null,
        "start": {"dateTime": "2026-03-10T14:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-03-10T15:30:00.0000000", "timeZone": "UTC"}
    })
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

#[test]
fn single_events_block_with_their_utc_times() {
    let e = stored(graph_event());
    assert_eq!(e.id, "AAMkADNVxRAAA=");
    assert_eq!(e.series_id, e.id);
    assert!(e.blocks && !e.cancelled);
    assert_eq!(e.start, Some(When::At(ts("2026-03-10T14:00:00Z"))));
    assert_eq!(e.booking_id, None);
    assert_eq!(
        busy(graph_event()),
        vec![Interval::new(ts("2026-03-10T14:00:00Z"), ts("2026-03-10T15:30:00Z"))]
    );
    for show_as in ["tentative", "oof", "unknown", "busy"] {
        assert_eq!(busy(with(graph_event(), "showAs", json!(show_as))).len(), 1, "{show_as}");
    }
}

#[test]
fn free_working_elsewhere_and_declined_do_not_block() {
    assert!(busy(with(graph_event(), "showAs", json!("free"))).is_empty());
    assert!(busy(with(graph_event(), "showAs", json!("workingElsewhere"))).is_empty());
    let declined = with(
        graph_event(),
        "responseStatus",
        json!({"response": "declined", "time": "2026-03-01T10:00:00Z"}),
    );
    assert!(busy(declined).is_empty());
    let accepted = with(graph_event(), "responseStatus", json!({"response": "accepted"}));
    assert_eq!(busy(accepted).len(), 1);
}

#[test]
fn cancelled_meetings_and_removed_items_are_gone() {
    let cancelled = stored(with(graph_event(), "isCancelled", json!(true)));
    assert!(cancelled.cancelled);
    assert!(series_busy(&[cancelled], &ny(), range()).is_empty());
    let removed = stored(
        json!({"@odata.type": "#microsoft.graph.event", "id": "AAMkADk0=", "@removed": {"reason": "deleted"}}),
    );
    assert!(removed.cancelled);
    assert_eq!(removed.id, "AAMkADk0=");
    assert_eq!(removed.start, None);
    let e: Event = serde_json::from_value(json!({"id": "x", "@removed": {}})).unwrap();
    assert_eq!(e.removed.as_deref(), Some("deleted"));
}

#[test]
fn seven_fraction_digits_and_other_zones() {
    let e = stored(with(
        graph_event(),
        "start",
        json!({"dateTime": "2026-03-10T09:00:00.1234567", "timeZone": "Eastern Standard Time"}),
    ));
    assert_eq!(e.start, Some(When::At(ts("2026-03-10T13:00:00Z"))));
    let e = stored(with(
        graph_event(),
        "start",
        json!({"dateTime": "2026-07-01T09:00:00", "timeZone": "Europe/Paris"}),
    ));
    assert_eq!(e.start, Some(When::At(ts("2026-07-01T07:00:00Z"))));
}

#[test]
fn all_day_events_are_dates_read_in_the_calendar_zone() {
    let all_day = json!({
        "id": "d", "isAllDay": true, "showAs": "busy", "originalStartTimeZone": "Tokyo Standard Time",
        "start": {"dateTime": "2026-03-08T00:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-03-09T00:00:00.0000000", "timeZone": "UTC"}
    });
    let e = stored(all_day.clone());
    assert_eq!(e.start, Some(When::Date(jiff::civil::date(2026, 3, 8))));
    assert_eq!(e.end, Some(When::Date(jiff::civil::date(2026, 3, 9))));
    assert_eq!(e.time_zone, None);
    // The DST day in New York is 23 hours long.
    assert_eq!(
        busy(all_day.clone()),
        vec![Interval::new(ts("2026-03-08T05:00:00Z"), ts("2026-03-09T04:00:00Z"))]
    );
    assert!(busy(with(all_day, "showAs", json!("free"))).is_empty());
}

#[test]
fn all_day_times_converted_to_utc_are_read_back_as_the_organizers_dates() {
    // Midnight in Berlin is 23:00 UTC the day before: still the 8th in Berlin.
    let e = stored(json!({
        "id": "d", "isAllDay": true, "originalStartTimeZone": "W. Europe Standard Time",
        "start": {"dateTime": "2026-03-07T23:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-03-08T23:00:00.0000000", "timeZone": "UTC"}
    }));
    assert_eq!(e.start, Some(When::Date(jiff::civil::date(2026, 3, 8))));
    assert_eq!(e.end, Some(When::Date(jiff::civil::date(2026, 3, 9))));
    // No known zone: the nearest UTC midnight.
    let e = stored(json!({
        "id": "d", "isAllDay": true, "originalStartTimeZone": "Custom",
        "start": {"dateTime": "2026-03-08T07:00:00.0000000", "timeZone": "UTC"}
    }));
    assert_eq!(e.start, Some(When::Date(jiff::civil::date(2026, 3, 8))));
}

#[test]
fn sked_bookings_are_recognised_by_property_or_transaction_id() {
    let by_property = with(
        graph_event(),
        "singleValueExtendedProperties",
        json!([{"id": "String {66F5A359-4659-4830-9070-00047EC6AC6E} Name sked_booking_id", "value": "bk_1"}]),
    );
    assert_eq!(stored(by_property.clone()).booking_id.as_deref(), Some("bk_1"));
    assert!(
        series_busy(&[stored(by_property)], &ny(), range()).is_empty(),
        "our bookings are occupancy already"
    );
    let by_transaction = with(graph_event(), "transactionId", json!(transaction_id("0191-ab.c", 2)));
    assert_eq!(stored(by_transaction).booking_id.as_deref(), Some("0191-ab.c"));
    for other in ["7E163156-7762-4BEB-A1C6-729EA81755A7", "sked.", "sked.x.y", "sked..1"] {
        assert_eq!(stored(with(graph_event(), "transactionId", json!(other))).booking_id, None, "{other}");
    }
    let foreign = with(
        graph_event(),
        "singleValueExtendedProperties",
        json!([{"id": "String {00020329-0000-0000-C000-000000000046} Name x", "value": "v"}]),
    );
    assert_eq!(stored(foreign).booking_id, None);
}

#[test]
fn fields_of_the_wrong_type_count_as_absent() {
    let odd = json!({"id": "o", "isAllDay": null, "showAs": 3, "start": "2026-03-10", "responseStatus": [],
                     "singleValueExtendedProperties": {"id": 1}});
    let e = stored(odd);
    assert_eq!(e.id, "o");
    assert!(e.blocks);
    assert_eq!(e.start, None);
    assert!(serde_json::from_value::<Event>(json!([1])).is_err());
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[ -~]{0,40}".prop_map(Value::from),
        prop_oneof![
            Just("2026-03-10T14:00:00.0000000"),
            Just("2026-03-10T00:00:00"),
            Just("9999-12-31T23:59:59.9999999"),
            Just("-009999-01-01T00:00:00"),
            Just("UTC"),
            Just("Pacific Standard Time"),
            Just("free"),
            Just("declined"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let keys = prop_oneof![
            Just("id".to_owned()),
            Just("start".to_owned()),
            Just("end".to_owned()),
            Just("dateTime".to_owned()),
            Just("timeZone".to_owned()),
            Just("isAllDay".to_owned()),
            Just("showAs".to_owned()),
            Just("responseStatus".to_owned()),
            Just("response".to_owned()),
            Just("@removed".to_owned()),
            Just("transactionId".to_owned()),
            Just("originalStartTimeZone".to_owned()),
            Just("singleValueExtendedProperties".to_owned()),
            Just("value".to_owned()),
            "[a-z@.]{1,12}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn any_json_event_reads_without_panicking(v in arb_json()) {
        let e = Event::from_json(&v);
        let s = e.stored();
        let _ = series_busy(&[s], &ny(), range());
        let _ = serde_json::from_value::<Event>(v);
    }
}
