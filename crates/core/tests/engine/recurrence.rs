//! RRULE blocks expanded in the host's zone, across DST changes.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use sked_core::RecurrenceRule;
use sked_core::interval::Interval;

fn ts(s: &str) -> i64 {
    s.parse::<Timestamp>().unwrap().as_second()
}

fn show(ivs: &[Interval]) -> Vec<String> {
    ivs.iter()
        .map(|i| {
            format!("{}/{}", Timestamp::from_second(i.start).unwrap(), Timestamp::from_second(i.end).unwrap())
        })
        .collect()
}

fn expand(rule: &str, zone: &str, start: &str, end: &str, from: &str, to: &str) -> Vec<String> {
    let r = RecurrenceRule::parse(rule).unwrap();
    let tz = TimeZone::get(zone).unwrap();
    show(&r.occurrences(&tz, ts(start), ts(end), Interval::new(ts(from), ts(to))).unwrap())
}

#[test]
fn an_occurrence_in_a_gap_moves_forward() {
    // Sundays 02:30-03:30 New York time. On 2026-03-08 02:30 does not exist: 03:30 EDT, still
    // one hour long.
    let got = expand(
        "FREQ=WEEKLY;BYDAY=SU",
        "America/New_York",
        "2026-03-01T07:30:00Z",
        "2026-03-01T08:30:00Z",
        "2026-03-01T00:00:00Z",
        "2026-03-16T00:00:00Z",
    );
    assert_eq!(
        got,
        vec![
            "2026-03-01T07:30:00Z/2026-03-01T08:30:00Z",
            "2026-03-08T07:30:00Z/2026-03-08T08:30:00Z",
            "2026-03-15T06:30:00Z/2026-03-15T07:30:00Z",
        ]
    );
}

#[test]
fn an_occurrence_in_a_fold_takes_the_earlier_instant() {
    let got = expand(
        "RRULE:FREQ=WEEKLY;BYDAY=SU",
        "America/New_York",
        "2026-10-25T05:30:00Z",
        "2026-10-25T06:00:00Z",
        "2026-10-30T00:00:00Z",
        "2026-11-09T00:00:00Z",
    );
    assert_eq!(
        got,
        vec!["2026-11-01T05:30:00Z/2026-11-01T06:00:00Z", "2026-11-08T06:30:00Z/2026-11-08T07:00:00Z"]
    );
}

#[test]
fn wall_time_is_kept_across_a_change() {
    // Daily 09:00-10:00 in London: 09:00Z before 2026-03-29, 08:00Z after.
    let got = expand(
        "FREQ=DAILY",
        "Europe/London",
        "2026-03-20T09:00:00Z",
        "2026-03-20T10:00:00Z",
        "2026-03-28T00:00:00Z",
        "2026-03-31T00:00:00Z",
    );
    assert_eq!(
        got,
        vec![
            "2026-03-28T09:00:00Z/2026-03-28T10:00:00Z",
            "2026-03-29T08:00:00Z/2026-03-29T09:00:00Z",
            "2026-03-30T08:00:00Z/2026-03-30T09:00:00Z",
        ]
    );
}

#[test]
fn lord_howe_and_santiago_weekly_blocks() {
    // Saturdays 23:30-00:30 in Santiago; on 2026-04-04 23:30 is in the fold (earlier, -03).
    let got = expand(
        "FREQ=WEEKLY",
        "America/Santiago",
        "2026-03-29T02:30:00Z",
        "2026-03-29T03:30:00Z",
        "2026-04-01T00:00:00Z",
        "2026-04-13T00:00:00Z",
    );
    // The next Saturday, 2026-04-11 23:30, is -04.
    assert_eq!(
        got,
        vec!["2026-04-05T02:30:00Z/2026-04-05T03:30:00Z", "2026-04-12T03:30:00Z/2026-04-12T04:30:00Z"]
    );
    // Sundays 02:10 in Lord Howe; on 2026-10-04 02:10 is in the half-hour gap: 02:40 +11.
    let got = expand(
        "FREQ=WEEKLY;BYDAY=SU",
        "Australia/Lord_Howe",
        "2026-09-26T15:40:00Z",
        "2026-09-26T16:10:00Z",
        "2026-10-01T00:00:00Z",
        "2026-10-05T00:00:00Z",
    );
    assert_eq!(got, vec!["2026-10-03T15:40:00Z/2026-10-03T16:10:00Z"]);
}

#[test]
fn until_count_and_interval() {
    let start = "2026-01-05T14:00:00Z"; // Monday 09:00 New York
    let end = "2026-01-05T15:00:00Z";
    let (from, to) = ("2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z");
    // UNTIL as an instant includes an occurrence starting exactly then.
    let got = expand("FREQ=WEEKLY;UNTIL=20260119T140000Z", "America/New_York", start, end, from, to);
    assert_eq!(got.len(), 3);
    // A floating UNTIL is wall time in the host's zone; a date means through that day.
    assert_eq!(
        expand("FREQ=WEEKLY;UNTIL=20260119T085959", "America/New_York", start, end, from, to).len(),
        2
    );
    assert_eq!(expand("FREQ=WEEKLY;UNTIL=20260119", "America/New_York", start, end, from, to).len(), 3);
    assert_eq!(expand("FREQ=WEEKLY;COUNT=4", "America/New_York", start, end, from, to).len(), 4);
    // Every other week from 2026-01-05: the weeks of Jan 5, Jan 19, Feb 2 and Feb 16.
    assert_eq!(
        expand("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE", "America/New_York", start, end, from, to).len(),
        8
    );
    // An UNTIL before the start leaves nothing.
    assert!(expand("FREQ=DAILY;UNTIL=20250101T000000Z", "America/New_York", start, end, from, to).is_empty());
}

#[test]
fn bad_rules_are_refused() {
    for bad in [
        "",
        "FREQ=SECONDLY",
        "FREQ=MINUTELY;INTERVAL=5",
        "FREQ=FORTNIGHTLY",
        "BYDAY=MO",
        "FREQ=WEEKLY;UNTIL=tomorrow",
        "FREQ=WEEKLY;BYDAY=XX",
        "DTSTART=20260101T000000Z;FREQ=DAILY",
        "FREQ=DAILY\nFREQ=WEEKLY",
        "FREQ=MONTHLY;BYMONTHDAY=40",
    ] {
        assert!(RecurrenceRule::parse(bad).is_err(), "{bad:?} should be refused");
    }
}

proptest! {
    /// Expanding only a window of the range gives exactly the occurrences a full expansion from
    /// the start has there: skipping ahead (for rules that began long ago) changes nothing.
    #[test]
    fn a_window_sees_what_the_full_expansion_sees(
        rule in prop::sample::select(vec![
            "FREQ=DAILY", "FREQ=DAILY;INTERVAL=3", "FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
            "FREQ=WEEKLY;BYDAY=SA,SU;WKST=SU", "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "FREQ=MONTHLY;BYDAY=2TU",
            "FREQ=WEEKLY;COUNT=30", "FREQ=DAILY;UNTIL=20270301T000000Z", "FREQ=HOURLY;INTERVAL=7",
            "FREQ=DAILY;BYMONTH=3,10,11", "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
        ]),
        zone in prop::sample::select(crate::props::ZONES.to_vec()),
        start_off in 0i64..(2 * 365 * 24 * 60),
        len in 5i64..600,
        from_off in 0i64..(2 * 365 * 24 * 60),
        span in 60i64..(31 * 24 * 60),
    ) {
        let r = RecurrenceRule::parse(rule).unwrap();
        let tz = TimeZone::get(zone).unwrap();
        let base = ts("2025-06-01T00:00:00Z");
        let start = base + start_off * 60;
        let range = Interval::new(base + from_off * 60, base + (from_off + span) * 60);
        let window = r.occurrences(&tz, start, start + len * 60, range).unwrap();
        let full = r.occurrences(&tz, start, start + len * 60, Interval::new(start - 1, range.end)).unwrap();
        let expected: Vec<Interval> = full.into_iter().filter(|i| i.overlaps(&range)).collect();
        prop_assert_eq!(window, expected);
    }
}
