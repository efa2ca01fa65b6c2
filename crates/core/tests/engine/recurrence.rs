//! RRULE blocks expanded in the host's zone, across DST changes.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use sked_core::interval::{DAY, Interval};
use sked_core::recurrence::{ExpandError, MIN_GAP_SECONDS};
use sked_core::{RecurrenceRule, WorkBudget};

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
    let mut budget = WorkBudget::new(1_000_000);
    show(&r.occurrences(&tz, ts(start), ts(end), Interval::new(ts(from), ts(to)), &mut budget).unwrap())
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
        "FREQ=DAILY;INTERVAL=0",
        "FREQ=HOURLY;INTERVAL=0;BYMINUTE=0",
        "FREQ=WEEKLY;COUNT=0",
        "FREQ=DAILY;COUNT=1001",
        "FREQ=DAILY;COUNT=3;UNTIL=20270101",
        "FREQ=HOURLY;BYMINUTE=0,4,8,12,16,20,24,28,32,36,40,44,48,52,56",
        "FREQ=DAILY;BYHOUR=9;BYMINUTE=0,1",
        "FREQ=DAILY;BYHOUR=0,23;BYMINUTE=0,58",
        "FREQ=YEARLY;BYSECOND=0,30",
        "FREQ=WEEKLY\r\nATTENDEE:x",
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
            "FREQ=MONTHLY;INTERVAL=5;BYMONTHDAY=31", "FREQ=YEARLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29",
            "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1", "FREQ=HOURLY;INTERVAL=5;BYHOUR=1,6,11;BYMINUTE=0,30",
            "FREQ=WEEKLY;INTERVAL=3;WKST=SU;BYDAY=SU,SA", "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO",
            "FREQ=DAILY;INTERVAL=4;BYHOUR=9,15", "FREQ=YEARLY;INTERVAL=3", "FREQ=MONTHLY;INTERVAL=2",
            "FREQ=HOURLY;INTERVAL=13;BYMINUTE=10,50", "FREQ=MONTHLY;BYMONTHDAY=-1,15;BYHOUR=8,20",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;BYSETPOS=1", "FREQ=YEARLY;BYYEARDAY=100,-1",
        ]),
        zone in prop::sample::select(crate::props::ZONES.to_vec()),
        start_off in (-6 * 365 * 24 * 60i64)..(2 * 365 * 24 * 60),
        len in 5i64..600,
        from_off in 0i64..(2 * 365 * 24 * 60),
        span in 60i64..(31 * 24 * 60),
    ) {
        let r = RecurrenceRule::parse(rule).unwrap();
        let tz = TimeZone::get(zone).unwrap();
        let base = ts("2025-06-01T00:00:00Z");
        let start = base + start_off * 60;
        let range = Interval::new(base + from_off * 60, base + (from_off + span) * 60);
        let mut budget = WorkBudget::new(u64::MAX);
        let window = r.occurrences(&tz, start, start + len * 60, range, &mut budget).unwrap();
        let full_range = Interval::new(start - 1, range.end);
        let full = r.occurrences(&tz, start, start + len * 60, full_range, &mut budget).unwrap();
        let expected: Vec<Interval> = full.into_iter().filter(|i| i.overlaps(&range)).collect();
        prop_assert_eq!(window, expected);
    }
}

/// The occurrences of `rule` for a block `[start, start + 1h)` in UTC over `[from, to)`,
/// and the steps the expansion took.
fn expand_counting(rule: &str, start: &str, from: &str, to: &str) -> (Vec<Interval>, u64) {
    let r = RecurrenceRule::parse(rule).unwrap();
    let tz = TimeZone::UTC;
    let mut budget = WorkBudget::new(1_000_000);
    let range = Interval::new(ts(from), ts(to));
    let got = r.occurrences(&tz, ts(start), ts(start) + 3_600, range, &mut budget).unwrap();
    (got, budget.spent())
}

#[test]
fn a_start_far_back_costs_only_the_occurrences_in_range() {
    // An hourly block since year 1, a 62-day query: 62 × 24 occurrences, visited in about
    // 64 days' worth of steps (the query widened by a day each way), whatever the frequency.
    for rule in ["FREQ=HOURLY", "FREQ=HOURLY;BYMINUTE=0,10,20,30,40,50", "FREQ=MONTHLY;BYMONTHDAY=1,2,3,4,5"]
    {
        let (got, steps) =
            expand_counting(rule, "0001-01-01T00:00:00Z", "2027-01-01T05:00:00Z", "2027-03-04T05:00:00Z");
        assert!(!got.is_empty(), "{rule}");
        assert!(steps <= 66 * 24 * 6 + 2, "{rule}: {steps} steps for {} occurrences", got.len());
    }
    let (got, _) = expand_counting(
        "FREQ=HOURLY",
        "0001-01-01T00:00:00Z",
        "2027-01-01T05:00:00Z",
        "2027-03-04T05:00:00Z",
    );
    // One an hour, on the hour, for the range's 62 × 24 hours.
    assert_eq!(got.len(), 62 * 24);
}

#[test]
fn a_long_series_is_never_cut_short() {
    // An hourly block over 500 days: every hour is there (the old expansion stopped at 10,000
    // occurrences, about 416 days, and the rest of the block vanished).
    let (got, _) = expand_counting(
        "FREQ=HOURLY",
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00Z",
        "2027-05-16T00:00:00Z",
    );
    assert_eq!(got.len(), 500 * 24);
    assert_eq!(got.last().unwrap().start, ts("2027-05-15T23:00:00Z"));
}

#[test]
fn too_much_work_is_an_error_not_a_shorter_answer() {
    let r = RecurrenceRule::parse("FREQ=HOURLY;BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55").unwrap();
    let tz = TimeZone::UTC;
    let start = ts("2026-01-01T00:00:00Z");
    let range = Interval::new(start, start + 365 * 86_400);
    let mut budget = WorkBudget::new(10_000);
    let got = r.occurrences(&tz, start, start + 60, range, &mut budget);
    assert!(matches!(got, Err(ExpandError::OverBudget(_))), "{got:?}");
    assert_eq!(budget.spent(), 10_000);
}

#[test]
fn the_density_floor_is_five_minutes() {
    assert_eq!(MIN_GAP_SECONDS, 300);
    let five = (0..12).map(|i| (i * 5).to_string()).collect::<Vec<_>>().join(",");
    assert!(RecurrenceRule::parse(&format!("FREQ=HOURLY;BYMINUTE={five}")).is_ok());
    let four = (0..15).map(|i| (i * 4).to_string()).collect::<Vec<_>>().join(",");
    let e = RecurrenceRule::parse(&format!("FREQ=HOURLY;BYMINUTE={four}")).unwrap_err();
    assert!(e.contains("5 minutes"), "{e}");
}

#[test]
fn a_rule_that_never_occurs_has_no_first_occurrence() {
    let tz = TimeZone::get("Europe/Paris").unwrap();
    let start = ts("2026-01-05T08:00:00Z");
    let never = RecurrenceRule::parse("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30").unwrap();
    assert_eq!(never.first(&tz, start).unwrap(), None);
    let leap = RecurrenceRule::parse("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29").unwrap();
    assert_eq!(leap.first(&tz, start).unwrap(), Some(ts("2028-02-29T08:00:00Z")));
    let ended = RecurrenceRule::parse("FREQ=DAILY;UNTIL=20251231T000000Z").unwrap();
    assert_eq!(ended.first(&tz, start).unwrap(), None);
}

#[test]
fn occurrences_moved_by_a_gap_come_sorted_and_once() {
    // Found by the `rrule` fuzz target. Half-hourly in New York on 2026-03-08: 02:00 and 02:30
    // do not exist and move to 03:00 and 03:30, which the rule also produces. Each instant is
    // one occurrence, and the answer is sorted by start.
    let got = expand(
        "FREQ=HOURLY;BYMINUTE=0,30",
        "America/New_York",
        "2026-03-08T05:00:00Z",
        "2026-03-08T05:10:00Z",
        "2026-03-08T05:00:00Z",
        "2026-03-08T09:00:00Z",
    );
    let starts: Vec<&str> = got.iter().map(|s| &s[11..16]).collect();
    assert_eq!(starts, ["05:00", "05:30", "06:00", "06:30", "07:00", "07:30", "08:00", "08:30"]);
}

#[test]
fn an_until_instant_keeps_what_follows_a_moved_occurrence() {
    // Lord Howe's half-hour gap on 2026-10-04 (02:00 +10:30 is 02:30 +11): 02:10 moves to 02:40
    // and 02:25 to 02:55, which comes after 02:45. UNTIL 02:50 (15:50Z) still includes 02:45.
    let got = expand(
        "FREQ=HOURLY;BYMINUTE=10,25,45;UNTIL=20261003T155000Z",
        "Australia/Lord_Howe",
        "2026-10-03T14:40:00Z",
        "2026-10-03T14:45:00Z",
        "2026-10-03T14:00:00Z",
        "2026-10-03T18:00:00Z",
    );
    let starts: Vec<&str> = got.iter().map(|s| &s[11..16]).collect();
    assert_eq!(starts, ["14:40", "14:55", "15:15", "15:40", "15:45"]);
}

#[test]
fn a_weekly_set_position_counts_the_whole_week() {
    // Found by the `rrule` fuzz target. The first of Monday and Friday, each week, is the
    // Monday. A query starting mid-week resumed the expansion there, and the first match of the
    // rest of that week (its Friday) came out as an occurrence.
    let got = expand(
        "FREQ=WEEKLY;BYDAY=MO,FR;BYSETPOS=1",
        "UTC",
        "2026-01-05T09:00:00Z",
        "2026-01-05T10:00:00Z",
        "2026-01-22T00:00:00Z",
        "2026-02-04T00:00:00Z",
    );
    assert_eq!(
        got,
        ["2026-01-26T09:00:00Z/2026-01-26T10:00:00Z", "2026-02-02T09:00:00Z/2026-02-02T10:00:00Z"]
    );
}

#[test]
fn a_rule_that_is_not_ascii_is_refused_without_a_panic() {
    // Found by the `rrule` fuzz target: the `rrule` crate cut "WEԴH" inside its `Դ` and
    // panicked, so a block's rule was a 500 and a Google event's rule panicked its calendar's sync.
    for rule in [
        "FREQ=MONTHLY;BYDAY=MO,TU,WEԴH,FR;BYSETPOS=-5",
        "FREQ=WEEKLY;BYDAY=éH",
        "FREQ=WEEKLY;BYDAY=MO,TU",
        "FREQ=DAİLY",
    ] {
        let got = std::panic::catch_unwind(|| RecurrenceRule::parse(rule));
        match got {
            Ok(r) => assert_eq!(r.is_ok(), rule.is_ascii(), "{rule}: {r:?}"),
            Err(_) => panic!("{rule} panics"),
        }
    }
}

#[test]
fn a_long_block_costs_the_occurrences_that_reach_into_the_range() {
    // The work bound the `rrule` fuzz target checks: one step per five minutes of the range,
    // widened by a day each side *and by the block's duration*, since every occurrence that
    // starts up to a duration before the range overlaps it. A block of a year (the most the API
    // takes) every five minutes, over 62 days, visits (62 + 366 + 2) days of occurrences.
    let five = (0..12).map(|i| (i * 5).to_string()).collect::<Vec<_>>().join(",");
    let r = RecurrenceRule::parse(&format!("FREQ=HOURLY;BYMINUTE={five}")).unwrap();
    let start = ts("2026-01-01T00:00:00Z");
    let range = Interval::new(start + 400 * DAY, start + 462 * DAY);
    let mut budget = WorkBudget::new(1_000_000);
    let got = r.occurrences(&TimeZone::UTC, start, start + 366 * DAY, range, &mut budget).unwrap();
    assert_eq!(got.len() as i64, (62 + 366) * 288 - 1);
    assert!(budget.spent() <= (62 + 366 + 2) * 288 + 3, "{} steps", budget.spent());
}
