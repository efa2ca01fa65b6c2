//! DST days of 2026–2027 in New York, London, Lord Howe and Santiago, schedules that end at
//! 24:00, and overrides on DST days: exact instants, written out by hand.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use sked_core::busy::BusyTimeline;
use sked_core::interval::Interval;
use sked_core::rules::RulesSpec;
use sked_core::schedule::{DayHours, Schedule};
use sked_core::{HostInput, SlotQuery, compute_slots};

fn ts(s: &str) -> i64 {
    s.parse::<Timestamp>().unwrap().as_second()
}

fn every_day(zone: &str, hours: &[(&str, &str)]) -> Schedule {
    Schedule::every_day(TimeZone::get(zone).unwrap(), DayHours::parse(hours).unwrap())
}

/// Slot starts (UTC, RFC 3339) of a 1-host event type over `[from, to)`, with "now" long before.
fn starts(schedule: &Schedule, duration: u32, interval: u32, from: &str, to: &str) -> Vec<String> {
    let spec = RulesSpec {
        duration_minutes: duration,
        slot_interval_minutes: Some(interval),
        buffer_before_minutes: 0,
        buffer_after_minutes: 0,
        min_notice_minutes: 0,
        max_days_ahead: 3_000,
        daily_limit: None,
        collective: false,
    };
    let rules = spec.validate().unwrap();
    let busy = BusyTimeline::empty();
    let host = HostInput { schedule, busy: &busy, booked_starts: &[] };
    let q = SlotQuery {
        range: Interval::new(ts(from), ts(to)),
        now: ts("2025-01-01T00:00:00Z"),
        only_host: None,
    };
    compute_slots(&rules, &[host], &q)
        .iter()
        .map(|s| Timestamp::from_second(s.start).unwrap().to_string())
        .collect()
}

fn day(zone: &str, date: &str) -> (String, String) {
    let tz = TimeZone::get(zone).unwrap();
    let d: Date = date.parse().unwrap();
    let a = d.to_zoned(tz.clone()).unwrap().timestamp();
    let b = d.tomorrow().unwrap().to_zoned(tz).unwrap().timestamp();
    (a.to_string(), b.to_string())
}

fn check(zone: &str, date: &str, hours: &[(&str, &str)], duration: u32, interval: u32, want: &[&str]) {
    let (from, to) = day(zone, date);
    let got = starts(&every_day(zone, hours), duration, interval, &from, &to);
    assert_eq!(got, want, "{zone} {date} {hours:?}");
}

#[test]
fn new_york_spring_forward_2026_and_2027() {
    // 2026-03-08 02:00 EST -> 03:00 EDT: 00:00-06:00 is five hours of elapsed time.
    check(
        "America/New_York",
        "2026-03-08",
        &[("00:00", "06:00")],
        60,
        60,
        &[
            "2026-03-08T05:00:00Z",
            "2026-03-08T06:00:00Z",
            "2026-03-08T07:00:00Z",
            "2026-03-08T08:00:00Z",
            "2026-03-08T09:00:00Z",
        ],
    );
    // A window opening inside the gap (02:30) opens at 03:30 EDT.
    check(
        "America/New_York",
        "2026-03-08",
        &[("02:30", "05:00")],
        30,
        30,
        &["2026-03-08T07:30:00Z", "2026-03-08T08:00:00Z", "2026-03-08T08:30:00Z"],
    );
    check(
        "America/New_York",
        "2027-03-14",
        &[("01:00", "04:00")],
        60,
        60,
        &["2027-03-14T06:00:00Z", "2027-03-14T07:00:00Z"],
    );
}

#[test]
fn new_york_fall_back_2026_and_2027() {
    // 2026-11-01 02:00 EDT -> 01:00 EST: 00:00-06:00 is seven hours; 01:00 happens twice.
    check(
        "America/New_York",
        "2026-11-01",
        &[("00:00", "06:00")],
        60,
        60,
        &[
            "2026-11-01T04:00:00Z",
            "2026-11-01T05:00:00Z",
            "2026-11-01T06:00:00Z",
            "2026-11-01T07:00:00Z",
            "2026-11-01T08:00:00Z",
            "2026-11-01T09:00:00Z",
            "2026-11-01T10:00:00Z",
        ],
    );
    // A window opening in the fold (01:30) takes the earlier 01:30 (EDT).
    check(
        "America/New_York",
        "2026-11-01",
        &[("01:30", "03:00")],
        30,
        30,
        &[
            "2026-11-01T05:30:00Z",
            "2026-11-01T06:00:00Z",
            "2026-11-01T06:30:00Z",
            "2026-11-01T07:00:00Z",
            "2026-11-01T07:30:00Z",
        ],
    );
    check(
        "America/New_York",
        "2027-11-07",
        &[("09:00", "11:00")],
        60,
        60,
        &["2027-11-07T14:00:00Z", "2027-11-07T15:00:00Z"],
    );
}

#[test]
fn london_2026_and_2027() {
    // 2026-03-29 01:00 GMT -> 02:00 BST.
    check(
        "Europe/London",
        "2026-03-29",
        &[("00:00", "03:00")],
        60,
        60,
        &["2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z"],
    );
    // 2026-10-25 02:00 BST -> 01:00 GMT: 00:00-03:00 is four hours.
    check(
        "Europe/London",
        "2026-10-25",
        &[("00:00", "03:00")],
        60,
        60,
        &["2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z"],
    );
    check(
        "Europe/London",
        "2027-03-28",
        &[("09:00", "10:00")],
        30,
        30,
        &["2027-03-28T08:00:00Z", "2027-03-28T08:30:00Z"],
    );
    check(
        "Europe/London",
        "2027-10-31",
        &[("01:00", "02:00")],
        30,
        30,
        &["2027-10-31T00:00:00Z", "2027-10-31T00:30:00Z", "2027-10-31T01:00:00Z", "2027-10-31T01:30:00Z"],
    );
}

#[test]
fn lord_howe_half_hour_shifts() {
    // 2026-10-04 02:00 +10:30 -> 02:30 +11: 01:00-04:00 is two and a half hours.
    check(
        "Australia/Lord_Howe",
        "2026-10-04",
        &[("01:00", "04:00")],
        30,
        30,
        &[
            "2026-10-03T14:30:00Z",
            "2026-10-03T15:00:00Z",
            "2026-10-03T15:30:00Z",
            "2026-10-03T16:00:00Z",
            "2026-10-03T16:30:00Z",
        ],
    );
    // 2026-04-05 02:00 +11 -> 01:30 +10:30: 01:00-04:00 is three and a half hours.
    check(
        "Australia/Lord_Howe",
        "2026-04-05",
        &[("01:00", "04:00")],
        60,
        60,
        &["2026-04-04T14:00:00Z", "2026-04-04T15:00:00Z", "2026-04-04T16:00:00Z"],
    );
    // 2027-04-04: 01:45 is in the fold (01:30-02:00 twice) and takes the earlier, +11.
    check(
        "Australia/Lord_Howe",
        "2027-04-04",
        &[("01:45", "02:15")],
        15,
        15,
        &["2027-04-03T14:45:00Z", "2027-04-03T15:00:00Z", "2027-04-03T15:15:00Z", "2027-04-03T15:30:00Z"],
    );
    // 2027-10-03: 02:15 does not exist, so the window opens at 02:45 +11.
    check(
        "Australia/Lord_Howe",
        "2027-10-03",
        &[("02:15", "03:15")],
        15,
        15,
        &["2027-10-02T15:45:00Z", "2027-10-02T16:00:00Z"],
    );
}

#[test]
fn santiago_midnight_transitions() {
    // 2026-09-06 00:00 -04 -> 01:00 -03: midnight does not exist; the day opens at 01:00.
    check(
        "America/Santiago",
        "2026-09-06",
        &[("00:00", "03:00")],
        60,
        60,
        &["2026-09-06T04:00:00Z", "2026-09-06T05:00:00Z"],
    );
    // The day before ends at 24:00, which is the same missing midnight: 22:00-24:00 is 2 hours.
    check(
        "America/Santiago",
        "2026-09-05",
        &[("22:00", "24:00")],
        60,
        60,
        &["2026-09-06T02:00:00Z", "2026-09-06T03:00:00Z"],
    );
    // 2026-04-05 00:00 -03 -> 2026-04-04 23:00 -04: Saturday 22:00-24:00 is three hours.
    check(
        "America/Santiago",
        "2026-04-04",
        &[("22:00", "24:00")],
        60,
        60,
        &["2026-04-05T01:00:00Z", "2026-04-05T02:00:00Z", "2026-04-05T03:00:00Z"],
    );
    check(
        "America/Santiago",
        "2027-04-03",
        &[("23:00", "24:00")],
        30,
        30,
        &["2027-04-04T02:00:00Z", "2027-04-04T02:30:00Z", "2027-04-04T03:00:00Z", "2027-04-04T03:30:00Z"],
    );
    check(
        "America/Santiago",
        "2027-09-05",
        &[("00:00", "02:00")],
        30,
        30,
        &["2027-09-05T04:00:00Z", "2027-09-05T04:30:00Z"],
    );
}

#[test]
fn end_of_day_on_an_ordinary_day_and_windows_that_touch() {
    // 22:00-24:00 and the next day's 00:00-01:00 touch, but are slotted separately: a 90-minute
    // booking fits in neither.
    check(
        "Europe/Dublin",
        "2026-07-10",
        &[("00:00", "01:00"), ("22:00", "24:00")],
        90,
        30,
        &["2026-07-10T21:00:00Z", "2026-07-10T21:30:00Z"],
    );
    // Touching intervals inside one day stay separate windows with their own grids.
    check(
        "UTC",
        "2026-07-10",
        &[("09:00", "09:50"), ("09:50", "11:00")],
        30,
        30,
        &["2026-07-10T09:00:00Z", "2026-07-10T09:50:00Z", "2026-07-10T10:20:00Z"],
    );
}

#[test]
fn overrides_on_dst_days() {
    let tz = TimeZone::get("America/New_York").unwrap();
    let weekly = std::array::from_fn(|_| DayHours::parse(&[("09:00", "17:00")]).unwrap());
    let mut overrides = BTreeMap::new();
    overrides.insert("2026-03-08".parse().unwrap(), DayHours::parse(&[("01:00", "04:00")]).unwrap());
    overrides.insert("2026-11-01".parse().unwrap(), DayHours::closed());
    let s = Schedule::new(tz, weekly, overrides);
    let (from, to) = day("America/New_York", "2026-03-08");
    assert_eq!(starts(&s, 60, 60, &from, &to), vec!["2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z"]);
    let (from, to) = day("America/New_York", "2026-11-01");
    assert!(starts(&s, 60, 60, &from, &to).is_empty());
    let (from, to) = day("America/New_York", "2026-11-02");
    assert_eq!(starts(&s, 240, 240, &from, &to), vec!["2026-11-02T14:00:00Z", "2026-11-02T18:00:00Z"]);
}

#[test]
fn rrule_blocks_across_a_dst_change_block_the_same_wall_time() {
    use sked_core::RecurrenceRule;
    // Weekdays 09:00-17:00; a block every Sunday and Monday 10:00-11:00 New York time, first on
    // 2026-03-01 (EST). After 2026-03-08 (EDT) it still blocks 10:00 local.
    let tz = TimeZone::get("America/New_York").unwrap();
    let s = every_day("America/New_York", &[("09:00", "12:00")]);
    let rule = RecurrenceRule::parse("FREQ=WEEKLY;BYDAY=SU,MO").unwrap();
    let range = Interval::new(ts("2026-03-07T00:00:00Z"), ts("2026-03-10T00:00:00Z"));
    let mut budget = sked_core::WorkBudget::new(1_000);
    let block = rule
        .occurrences(&tz, ts("2026-03-01T15:00:00Z"), ts("2026-03-01T16:00:00Z"), range, &mut budget)
        .unwrap();
    let busy = BusyTimeline::from_intervals(block);
    let rules = RulesSpec {
        duration_minutes: 60,
        slot_interval_minutes: None,
        buffer_before_minutes: 0,
        buffer_after_minutes: 0,
        min_notice_minutes: 0,
        max_days_ahead: 3_000,
        daily_limit: None,
        collective: false,
    }
    .validate()
    .unwrap();
    let host = HostInput { schedule: &s, busy: &busy, booked_starts: &[] };
    let q = SlotQuery { range, now: ts("2025-01-01T00:00:00Z"), only_host: None };
    let got: Vec<String> = compute_slots(&rules, &[host], &q)
        .iter()
        .map(|s| Timestamp::from_second(s.start).unwrap().to_string())
        .collect();
    assert_eq!(
        got,
        vec![
            // Saturday 7th (EST): no block.
            "2026-03-07T14:00:00Z",
            "2026-03-07T15:00:00Z",
            "2026-03-07T16:00:00Z",
            // Sunday 8th (EDT from 02:00): 10:00 EDT = 14:00Z blocked.
            "2026-03-08T13:00:00Z",
            "2026-03-08T15:00:00Z",
            // Monday 9th (EDT): 10:00 EDT blocked.
            "2026-03-09T13:00:00Z",
            "2026-03-09T15:00:00Z",
        ]
    );
}
