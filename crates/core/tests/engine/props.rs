//! Property tests: the engine against the brute-force model, around real DST transitions of
//! 2026–2027 in zones with odd offsets and odd transitions.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use proptest::prelude::*;
use sked_core::busy::BusyTimeline;
use sked_core::interval::Interval;
use sked_core::rules::RulesSpec;
use sked_core::schedule::{DayHours, DayInterval, Schedule};
use sked_core::{
    EventRules, HostInput, LocalTime, Rejection, SlotQuery, check_start, compute_slots, earliest, nearest,
};

use crate::model::{self, MHost, MRules};

pub const ZONES: &[&str] = &[
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Santiago",
    "Europe/Dublin",
    "Asia/Kathmandu",
    "America/St_Johns",
    "America/New_York",
    "Europe/London",
    "UTC",
];

/// DST transitions of 2026 and 2027 in `tz`.
fn transitions(tz: &TimeZone) -> Vec<i64> {
    let from: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let until: Timestamp = "2028-01-01T00:00:00Z".parse().unwrap();
    tz.following(from).map(|t| t.timestamp()).take_while(|t| *t < until).map(|t| t.as_second()).collect()
}

/// A day's hours in 5-minute units: each part is (gap after the previous end, length).
fn day_hours() -> impl Strategy<Value = Vec<(u16, u16)>> {
    prop::collection::vec((0u16..=100, 1u16..=120), 0..=3).prop_map(|parts| {
        let mut cursor = 0u16;
        let mut out = Vec::new();
        for (gap, len) in parts {
            let s = cursor + gap * 5;
            if s >= 1440 {
                break;
            }
            let e = (s + len * 5).min(1440);
            out.push((s, e));
            cursor = e;
        }
        out
    })
}

/// Every day open all day, to push windows across midnight and DST changes.
fn all_day() -> impl Strategy<Value = Vec<(u16, u16)>> {
    Just(vec![(0, 1440)])
}

#[derive(Clone, Debug)]
struct HostParts {
    own_zone: Option<usize>,
    weekly: [Vec<(u16, u16)>; 7],
    overrides: Vec<(i64, Vec<(u16, u16)>)>,
    busy: Vec<(i64, i64)>,
    booked: Vec<i64>,
}

fn host_parts() -> impl Strategy<Value = HostParts> {
    let hours = prop_oneof![3 => day_hours(), 1 => all_day()];
    (
        prop::option::weighted(0.3, 0..ZONES.len()),
        prop::array::uniform7(hours),
        prop::collection::vec((-2i64..5, day_hours()), 0..=2),
        prop::collection::vec((-1_440i64..5_000, 1i64..=300), 0..=10),
        prop::collection::vec(-1_440i64..5_000, 0..=4),
    )
        .prop_map(|(own_zone, weekly, overrides, busy, booked)| HostParts {
            own_zone,
            weekly,
            overrides,
            busy,
            booked,
        })
}

#[derive(Clone, Debug)]
struct Case {
    zone: usize,
    group_zone: usize,
    anchor: usize,
    now_back: i64,
    range_off: i64,
    range_len: i64,
    hosts: Vec<HostParts>,
    spec: RulesSpec,
    only: Option<usize>,
}

fn rules_spec() -> impl Strategy<Value = RulesSpec> {
    (
        1u32..=24,
        prop::option::weighted(0.7, 1u32..=24),
        prop_oneof![2 => Just(0u32), 1 => 1u32..=6],
        prop_oneof![2 => Just(0u32), 1 => 1u32..=6],
        prop_oneof![1 => Just(0u32), 1 => 0u32..=288],
        1u32..=6,
        prop::option::weighted(0.3, 1u32..=3),
        prop::bool::weighted(0.25),
    )
        .prop_map(|(d, i, bb, ba, notice, days, limit, collective)| RulesSpec {
            duration_minutes: d * 5,
            slot_interval_minutes: i.map(|i| i * 5),
            buffer_before_minutes: bb * 5,
            buffer_after_minutes: ba * 5,
            min_notice_minutes: notice * 5,
            max_days_ahead: days,
            daily_limit: limit,
            collective,
        })
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..ZONES.len(),
        0..ZONES.len(),
        0usize..8,
        0i64..4_320,
        -1_440i64..2_880,
        60i64..4_320,
        prop::collection::vec(host_parts(), 1..=3),
        rules_spec(),
        prop::option::weighted(0.2, 0usize..3),
    )
        .prop_map(|(zone, group_zone, anchor, now_back, range_off, range_len, hosts, spec, only)| Case {
            zone,
            group_zone,
            anchor,
            now_back,
            range_off,
            range_len,
            only: only.filter(|&o| o < hosts.len()),
            hosts,
            spec,
        })
}

/// A case, built into both the model's and the engine's inputs.
struct Built {
    model_hosts: Vec<MHost>,
    schedules: Vec<Schedule>,
    timelines: Vec<BusyTimeline>,
    rules: EventRules,
    mrules: MRules,
    now: i64,
    range: Interval,
    group_tz: TimeZone,
    only: Option<usize>,
}

impl Built {
    fn inputs(&self) -> Vec<HostInput<'_>> {
        (0..self.schedules.len())
            .map(|i| HostInput {
                schedule: &self.schedules[i],
                busy: &self.timelines[i],
                booked_starts: &self.model_hosts[i].booked,
            })
            .collect()
    }
}

fn hours(parts: &[(u16, u16)]) -> DayHours {
    let ivs = parts
        .iter()
        .map(|&(s, e)| {
            DayInterval::new(LocalTime::from_minutes(s).unwrap(), LocalTime::from_minutes(e).unwrap())
                .unwrap()
        })
        .collect();
    DayHours::new(ivs).unwrap()
}

fn build(c: &Case) -> Built {
    let tz = TimeZone::get(ZONES[c.zone]).unwrap();
    let trans = transitions(&tz);
    let anchor = if trans.is_empty() {
        "2026-06-15T12:00:00Z".parse::<Timestamp>().unwrap().as_second() + c.anchor as i64 * 86_400 * 37
    } else {
        trans[c.anchor % trans.len()]
    };
    let now = anchor.div_euclid(60) * 60 - c.now_back * 60;
    let range = Interval::new(now + c.range_off * 60, now + (c.range_off + c.range_len) * 60);
    let mut model_hosts = Vec::new();
    for h in &c.hosts {
        let htz = TimeZone::get(ZONES[h.own_zone.unwrap_or(c.zone)]).unwrap();
        let base: Date = model::local_date(&htz, range.start);
        let mut overrides = BTreeMap::new();
        for (off, ivs) in &h.overrides {
            overrides.insert(base.checked_add(off.days()).unwrap(), ivs.clone());
        }
        model_hosts.push(MHost {
            tz: htz,
            weekly: h.weekly.clone(),
            overrides,
            busy: h.busy.iter().map(|&(o, l)| (range.start + o * 60, range.start + (o + l) * 60)).collect(),
            booked: h.booked.iter().map(|&o| range.start + o * 60).collect(),
        });
    }
    let schedules = model_hosts
        .iter()
        .map(|m| {
            let weekly = std::array::from_fn(|i| hours(&m.weekly[i]));
            let overrides = m.overrides.iter().map(|(d, v)| (*d, hours(v))).collect();
            Schedule::new(m.tz.clone(), weekly, overrides)
        })
        .collect();
    let timelines = model_hosts
        .iter()
        .map(|m| BusyTimeline::from_intervals(m.busy.iter().map(|&(a, b)| Interval::new(a, b))))
        .collect();
    let rules = c.spec.validate().unwrap();
    let mrules = MRules {
        duration: rules.duration,
        interval: rules.interval,
        before: rules.buffer_before,
        after: rules.buffer_after,
        notice: rules.min_notice,
        horizon: rules.horizon,
        limit: rules.daily_limit,
        collective: rules.collective,
    };
    Built {
        model_hosts,
        schedules,
        timelines,
        rules,
        mrules,
        now,
        range,
        group_tz: TimeZone::get(ZONES[c.group_zone]).unwrap(),
        only: c.only,
    }
}

fn engine_slots(b: &Built, range: Interval) -> Vec<(i64, Vec<u32>)> {
    let q = SlotQuery { range, now: b.now, only_host: b.only };
    compute_slots(&b.rules, &b.inputs(), &q).iter().map(|s| (s.start, s.hosts.to_vec())).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// Rules 1–7 to the letter: the engine lists exactly the model's slots, with exactly its
    /// free hosts.
    #[test]
    fn slots_match_the_model(c in case()) {
        let b = build(&c);
        let got = engine_slots(&b, b.range);
        let want = model::slots(&b.mrules, &b.model_hosts, b.range.start, b.range.end, b.now, b.only);
        prop_assert_eq!(got, want);
    }

    /// The invariants, stated on their own: no slot's blocked interval meets busy time; every
    /// slot lies in a window of each of its hosts; grouping keys are local dates of the requested
    /// zone; collective slots list every host.
    #[test]
    fn slot_invariants(c in case()) {
        let b = build(&c);
        let inputs = b.inputs();
        let q = SlotQuery { range: b.range, now: b.now, only_host: b.only };
        let set = compute_slots(&b.rules, &inputs, &q);
        for slot in set.iter() {
            prop_assert!(b.range.contains(slot.start));
            if b.rules.collective {
                prop_assert_eq!(slot.hosts.len(), inputs.len());
            }
            for &h in slot.hosts {
                let host = &inputs[h as usize];
                prop_assert!(!host.busy.overlaps(b.rules.blocked(slot.start)));
                let in_window = host.schedule.windows(Interval::new(slot.start, slot.end)).iter()
                    .any(|w| w.span.start <= slot.start && slot.end <= w.span.end);
                prop_assert!(in_window, "slot {} of host {} is in no window", slot.start, h);
            }
        }
        let groups = set.group_by_date(&b.group_tz);
        let mut seen = 0;
        for (date, idx) in &groups {
            for &i in idx {
                let s = set.get(i).unwrap();
                prop_assert_eq!(model::local_date(&b.group_tz, s.start), *date);
                seen += 1;
            }
        }
        prop_assert_eq!(seen, set.len());
    }

    /// A start can be booked exactly when it is listed as a slot, with the same hosts; and when
    /// it cannot, the reason is right.
    #[test]
    fn check_start_agrees_with_slots(c in case()) {
        let b = build(&c);
        let inputs = b.inputs();
        let listed: BTreeMap<i64, Vec<u32>> = engine_slots(&b, b.range).into_iter().collect();
        let wins: Vec<_> = b.model_hosts.iter().map(|h| model::windows(h, b.range.start, b.range.end)).collect();
        let mut s = b.range.start;
        while s < b.range.end {
            let got = check_start(&b.rules, &inputs, b.now, s, b.only);
            match (got, listed.get(&s)) {
                (Ok(hosts), Some(want)) => prop_assert_eq!(&hosts, want),
                (Err(Rejection::Unavailable), None) => {
                    // Must be on the schedule for the relevant hosts, only taken.
                    let relevant: Vec<usize> = (0..inputs.len()).filter(|&i| b.rules.collective || b.only.is_none_or(|o| o == i)).collect();
                    let on = relevant.iter().filter(|&&i| model::host_free(&b.mrules, &b.model_hosts[i], &wins[i], b.now, s, false)).count();
                    let ok = if b.rules.collective { on == relevant.len() } else { on > 0 };
                    prop_assert!(ok, "at {}: unavailable but not on schedule", s);
                }
                (Err(Rejection::TooSoon { .. }), None) => prop_assert!(s < b.now + b.rules.min_notice),
                (Err(Rejection::TooFar { .. }), None) => prop_assert!(s >= b.now + b.rules.horizon),
                (Err(Rejection::OffGrid { .. } | Rejection::OutsideHours), None) => {
                    let relevant: Vec<usize> = (0..inputs.len()).filter(|&i| b.rules.collective || b.only.is_none_or(|o| o == i)).collect();
                    let on = relevant.iter().filter(|&&i| model::host_free(&b.mrules, &b.model_hosts[i], &wins[i], b.now, s, false)).count();
                    let ok = if b.rules.collective { on < relevant.len() } else { on == 0 };
                    prop_assert!(ok, "at {}: outside hours but on schedule", s);
                }
                (got, want) => prop_assert!(false, "at {}: check_start {:?} but slots {:?}", s, got, want),
            }
            s += 60 * 7;
        }
        for &s in listed.keys() {
            prop_assert!(check_start(&b.rules, &inputs, b.now, s, b.only).is_ok());
        }
    }

    /// `earliest` is the head of the whole horizon's slots, and `nearest` the closest of them.
    #[test]
    fn searches_agree_with_the_full_answer(c in case(), n in 1usize..5, at_off in -2_000i64..8_000) {
        let b = build(&c);
        let inputs = b.inputs();
        let all = engine_slots(&b, Interval::new(b.now - 86_400, b.now + b.rules.horizon + 86_400));
        let first: Vec<(i64, Vec<u32>)> = all.iter().take(n).cloned().collect();
        let got: Vec<(i64, Vec<u32>)> = earliest(&b.rules, &inputs, b.now, n, b.only).iter().map(|s| (s.start, s.hosts.to_vec())).collect();
        prop_assert_eq!(got, first);

        let at = b.now + at_off * 60;
        let mut by_distance = all.clone();
        by_distance.sort_by_key(|(s, _)| ((s - at).abs(), *s));
        by_distance.truncate(n);
        let got: Vec<(i64, Vec<u32>)> = nearest(&b.rules, &inputs, b.now, at, n, b.only).iter().map(|s| (s.start, s.hosts.to_vec())).collect();
        prop_assert_eq!(got, by_distance);
    }
}

/// Cases per property: 1,000 by default, more with `PROPTEST_CASES`.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000)
}

#[test]
fn generated_cases_are_not_trivial() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut with_slots, mut total_slots, mut multi_host) = (0, 0, 0);
    for _ in 0..256 {
        let c = case().new_tree(&mut runner).unwrap().current();
        let b = build(&c);
        let got = engine_slots(&b, b.range);
        if !got.is_empty() {
            with_slots += 1;
        }
        total_slots += got.len();
        multi_host += got.iter().filter(|(_, h)| h.len() > 1).count();
    }
    eprintln!("cases with slots: {with_slots}/256, slots: {total_slots}, multi-host slots: {multi_host}");
    assert!(with_slots > 100, "most generated cases should offer slots");
}
