//! Engine benchmarks S1–S4, each at 1x, 10x and 100x the busy-event count, and S5: one recurring
//! block expanded from a recent start and from year 1.
//!
//! Every scenario measures what a request pays: building each host's busy timeline from the
//! intervals a store returns (sorted by start), expanding recurring blocks, and computing the
//! slots. `s1_outside` shows that busy time outside the queried range costs nothing once the
//! timeline exists.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use sked_core::busy::BusyTimeline;
use sked_core::interval::{DAY, Interval, MINUTE};
use sked_core::rules::RulesSpec;
use sked_core::schedule::{DayHours, Schedule};
use sked_core::{EventRules, HostInput, RecurrenceRule, SlotQuery, WorkBudget, compute_slots, earliest};

const SCALES: [usize; 3] = [1, 10, 100];

fn ts(s: &str) -> i64 {
    s.parse::<Timestamp>().map(|t| t.as_second()).unwrap_or(0)
}

/// Deterministic pseudo-random numbers (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> i64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n) as i64
    }
}

fn weekdays(zone: &str, hours: &[(&str, &str)]) -> Schedule {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    let open = DayHours::parse(hours).unwrap_or_default();
    let weekly = std::array::from_fn(|i| if i < 5 { open.clone() } else { DayHours::closed() });
    Schedule::new(tz, weekly, Default::default())
}

fn rules(duration: u32, interval: u32, max_days: u32) -> EventRules {
    RulesSpec {
        duration_minutes: duration,
        slot_interval_minutes: Some(interval),
        buffer_before_minutes: 5,
        buffer_after_minutes: 10,
        min_notice_minutes: 60,
        max_days_ahead: max_days,
        daily_limit: None,
        collective: false,
    }
    .validate()
    .unwrap_or_else(|e| panic!("{e}"))
}

/// `n` busy intervals of 15–90 minutes spread over `[from, from + span)`, sorted by start as a
/// store's range query returns them.
fn busy_events(seed: u64, n: usize, from: i64, span: i64) -> Vec<Interval> {
    let mut rng = Rng(seed | 1);
    let mut v: Vec<Interval> = (0..n)
        .map(|_| {
            let s = from + rng.next((span / MINUTE) as u64) * MINUTE;
            Interval::new(s, s + (15 + rng.next(76)) * MINUTE)
        })
        .collect();
    v.sort_unstable_by_key(|i| i.start);
    v
}

fn slots_for(
    rules: &EventRules,
    schedules: &[&Schedule],
    busy: &[Vec<Interval>],
    range: Interval,
    now: i64,
) -> usize {
    let timelines: Vec<BusyTimeline> =
        busy.iter().map(|b| BusyTimeline::from_intervals(b.iter().copied())).collect();
    let hosts: Vec<HostInput<'_>> = schedules
        .iter()
        .zip(&timelines)
        .map(|(s, b)| HostInput { schedule: s, busy: b, booked_starts: &[] })
        .collect();
    compute_slots(rules, &hosts, &SlotQuery { range, now, only_host: None }).len()
}

/// S1: one host, 14 days, 30-minute slots, 500 busy events (x10, x100).
fn s1(c: &mut Criterion) {
    let schedule = weekdays("America/New_York", &[("09:00", "12:00"), ("13:00", "18:00")]);
    let now = ts("2026-03-02T12:00:00Z");
    let range = Interval::new(now, now + 14 * DAY);
    let r = rules(30, 30, 60);
    let mut g = c.benchmark_group("s1_one_host_14_days");
    for scale in SCALES {
        let busy = vec![busy_events(1, 500 * scale, now, 14 * DAY)];
        g.bench_with_input(BenchmarkId::from_parameter(500 * scale), &busy, |b, busy| {
            b.iter(|| slots_for(&r, &[&schedule], black_box(busy), range, now))
        });
    }
    g.finish();

    // The same 500 events in range, with 0, 5,000 or 50,000 more elsewhere in two years; the
    // timeline is built once (as a cache would hold it) and only the query is timed.
    let mut g = c.benchmark_group("s1_outside_range");
    for outside in [0usize, 5_000, 50_000] {
        let mut all = busy_events(1, 500, now, 14 * DAY);
        all.extend(busy_events(2, outside / 2, now - 365 * DAY, 365 * DAY));
        all.extend(busy_events(3, outside / 2, now + 15 * DAY, 365 * DAY));
        let timeline = BusyTimeline::from_intervals(all);
        g.bench_with_input(BenchmarkId::from_parameter(500 + outside), &timeline, |b, t| {
            b.iter(|| {
                let host = HostInput { schedule: &schedule, busy: t, booked_starts: &[] };
                compute_slots(&r, &[host], &SlotQuery { range, now, only_host: None }).len()
            })
        });
    }
    g.finish();
}

/// S2: team of 20 hosts, 60 days, 15-minute interval, 2,000 busy events per host (x10, x100).
fn s2(c: &mut Criterion) {
    let a = weekdays("America/Chicago", &[("08:00", "12:00"), ("13:00", "17:00")]);
    let b = weekdays("America/New_York", &[("09:00", "17:30")]);
    let d = weekdays("Europe/London", &[("07:00", "11:00"), ("12:00", "15:00")]);
    let schedules: Vec<&Schedule> = (0..20).map(|i| [&a, &b, &d][i % 3]).collect();
    let now = ts("2026-03-02T12:00:00Z");
    let range = Interval::new(now, now + 60 * DAY);
    let r = rules(30, 15, 90);
    let mut g = c.benchmark_group("s2_team20_60_days");
    g.sample_size(20);
    for scale in SCALES {
        let busy: Vec<Vec<Interval>> =
            (0..20).map(|h| busy_events(h as u64 + 10, 2_000 * scale, now, 60 * DAY)).collect();
        g.bench_with_input(BenchmarkId::from_parameter(2_000 * scale), &busy, |bch, busy| {
            bch.iter(|| slots_for(&r, &schedules, black_box(busy), range, now))
        });
    }
    g.finish();
}

/// S3: one host with weekly RRULE blocks running for two years, 31-day query (1, 10, 100 rules).
fn s3(c: &mut Criterion) {
    let schedule = weekdays("Europe/London", &[("09:00", "17:00")]);
    let tz = schedule.time_zone().clone();
    let start = ts("2025-01-06T10:00:00Z");
    let now = ts("2026-10-01T00:00:00Z");
    let range = Interval::new(now, now + 31 * DAY);
    let r = rules(30, 30, 90);
    let mut g = c.benchmark_group("s3_rrule_2y_31_days");
    for scale in SCALES {
        let mut rng = Rng(7);
        let blocks: Vec<(RecurrenceRule, i64)> = (0..scale)
            .map(|i| {
                let day = ["MO", "TU", "WE", "TH", "FR"][i % 5];
                let rule = RecurrenceRule::parse(&format!("FREQ=WEEKLY;BYDAY={day};UNTIL=20270106T000000Z"));
                (rule.unwrap_or_else(|e| panic!("{e}")), start + rng.next(8 * 4) * 15 * MINUTE)
            })
            .collect();
        g.bench_with_input(BenchmarkId::from_parameter(scale), &blocks, |b, blocks| {
            b.iter(|| {
                let mut busy = Vec::new();
                for (rule, s) in blocks {
                    let mut budget = WorkBudget::new(u64::MAX);
                    let found = rule.occurrences(&tz, *s, *s + 45 * MINUTE, range, &mut budget);
                    busy.extend(found.unwrap_or_default());
                }
                slots_for(&r, &[&schedule], &[busy], range, now)
            })
        });
    }
    g.finish();
}

/// S4: `earliest` 3 slots for a 20-host team whose next 30 days are nearly full: every host is
/// busy all the time except a few scattered holes, the first of them on day 27.
fn s4(c: &mut Criterion) {
    let a = weekdays("America/New_York", &[("09:00", "12:00"), ("13:00", "17:00")]);
    let schedules: Vec<&Schedule> = vec![&a; 20];
    let now = ts("2026-03-02T12:00:00Z");
    let r = rules(30, 15, 60);
    let mut g = c.benchmark_group("s4_earliest3_team20_full_30_days");
    for scale in SCALES {
        // Busy time tiled into pieces (more pieces at higher scales), with holes after day 27.
        let per_host = 30 * scale;
        let busy: Vec<Vec<Interval>> = (0..20)
            .map(|h| {
                let piece = 27 * DAY / per_host as i64;
                let mut v: Vec<Interval> = (0..per_host as i64)
                    .map(|k| Interval::new(now + k * piece, now + (k + 1) * piece + MINUTE))
                    .collect();
                v.push(Interval::new(now + 27 * DAY, now + 27 * DAY + (h + 1) * 3 * 3_600));
                v.push(Interval::new(now + 27 * DAY + (h + 2) * 3 * 3_600, now + 60 * DAY));
                v
            })
            .collect();
        let run = |busy: &[Vec<Interval>]| {
            let timelines: Vec<BusyTimeline> =
                busy.iter().map(|b| BusyTimeline::from_intervals(b.iter().copied())).collect();
            let hosts: Vec<HostInput<'_>> = schedules
                .iter()
                .zip(&timelines)
                .map(|(s, t)| HostInput { schedule: s, busy: t, booked_starts: &[] })
                .collect();
            earliest(&r, &hosts, now, 3, None).len()
        };
        assert_eq!(run(&busy), 3);
        g.bench_function(BenchmarkId::from_parameter(per_host * 20 + 40), |b| {
            b.iter(|| run(black_box(&busy)))
        });
    }
    g.finish();
}

/// S5: expanding one recurring block over a 62-day range, the block starting last month or in
/// year 1: the cost is the occurrences in the range, whatever the start.
fn s5(c: &mut Criterion) {
    let tz = TimeZone::get("America/New_York").unwrap_or(TimeZone::UTC);
    let from = ts("2027-01-04T05:00:00Z");
    let range = Interval::new(from, from + 62 * DAY);
    let mut g = c.benchmark_group("s5_rrule_expand_62_days");
    for rule in [
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "FREQ=HOURLY",
        "FREQ=HOURLY;BYMINUTE=0,5,10,15,20,25,30,35,40,45,50,55",
    ] {
        let r = RecurrenceRule::parse(rule).unwrap_or_else(|e| panic!("{e}"));
        for (when, start) in
            [("last_month", ts("2026-12-01T14:00:00Z")), ("year_1", ts("0001-01-01T14:00:00Z"))]
        {
            let id = BenchmarkId::new(rule.replace(';', " "), when);
            g.bench_with_input(id, &start, |b, &start| {
                b.iter(|| {
                    let mut budget = WorkBudget::new(u64::MAX);
                    black_box(
                        r.occurrences(&tz, start, start + 30 * MINUTE, range, &mut budget).map(|o| o.len()),
                    )
                })
            });
        }
    }
    // Refusing a block whose rule never occurs walks the crate's whole loop limit once.
    for rule in [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    ] {
        let r = RecurrenceRule::parse(rule).unwrap_or_else(|e| panic!("{e}"));
        let start = ts("2026-12-01T14:00:00Z");
        g.bench_function(BenchmarkId::new("first_of_never", rule.replace(';', " ")), |b| {
            b.iter(|| black_box(r.first(&tz, start)))
        });
    }
    g.finish();
}

criterion_group! {
    name = engine;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = s1, s2, s3, s4, s5
}
criterion_main!(engine);
