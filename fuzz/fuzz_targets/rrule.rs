//! RRULE blocks: any rule text, start, duration, zone and range.
//!
//! Input: 17 bytes of parameters (zone, start, duration, range offset and length, little-endian;
//! see `params`), then the rule text (UTF-8). Properties, for every rule that parses:
//! - nothing panics, in `parse`, `first` or `occurrences`;
//! - every occurrence overlaps the range and lasts exactly the block's duration; the answer is
//!   sorted by start; the budget never spends past its limit;
//! - work is bounded by the range and the block's duration, not the rule's age: the steps spent
//!   are at most one per `MIN_GAP_SECONDS` of wall time across the range widened by the
//!   duration and a day each side (plus 26 hours' slack for a change of UTC offset), a few
//!   more, COUNT, and the positions BYSETPOS picks in the week before;
//! - a window of the range holds exactly what the full expansion from the start holds there, and
//!   `first` is the full expansion's first occurrence.

#![no_main]

use jiff::tz::TimeZone;
use libfuzzer_sys::fuzz_target;
use sked_core::interval::{DAY, HOUR, Interval};
use sked_core::recurrence::{ExpandError, MAX_COUNT, MIN_GAP_SECONDS};
use sked_core::{RecurrenceRule, WorkBudget};

/// Zones with DST gaps and folds, half-hour changes, a skipped day (Apia, 2011) and none.
const ZONES: &[&str] = &[
    "UTC",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Pacific/Apia",
    "Pacific/Chatham",
    "America/St_Johns",
    "Asia/Kolkata",
];

/// The server's budget for one request's expansions.
const BUDGET: u64 = 250_000;
/// The most steps spent on the full expansion each input is compared with (more is skipped: a
/// slow input is a lost thousand fast ones).
const FULL_BUDGET: u64 = 30_000;
/// The server takes instants from 1970 to 2199.
const LAST_INSTANT: i64 = 7_258_118_399;

struct Params {
    zone: &'static str,
    start: i64,
    duration: i64,
    range: Interval,
}

fn params(data: &[u8]) -> Option<(Params, &str)> {
    let (head, text) = data.split_at_checked(17)?;
    let u32_at = |i: usize| head.get(i..i + 4).and_then(|b| b.try_into().ok()).map_or(0, u32::from_le_bytes);
    let (flags, zone) = (head[0], ZONES[usize::from(head[0] & 0x3F) % ZONES.len()]);
    // Any instant the server accepts.
    let start = (i64::from(u32_at(1)) * 2).min(LAST_INSTANT);
    // Up to two days, zero too; or (flag 0x40) up to a year and a day, as the server allows.
    let longest = if flags & 0x40 == 0 { 2 * DAY } else { 366 * DAY };
    let duration = i64::from(u32_at(5)) % (longest + 1);
    // The range within two years of the start; or (flag 0x80) up to 4,000 years away.
    let minutes = i64::from(u32_at(9) as i32);
    let minutes = if flags & 0x80 == 0 { minutes % (2 * 366 * 24 * 60) } else { minutes };
    let range_start = start + minutes * 60;
    // Up to 100 days: the server asks for at most 62 at a time.
    let len = i64::from(u32_at(13)) % (100 * DAY);
    let range = Interval::new(range_start, range_start + len);
    Some((Params { zone, start, duration, range }, std::str::from_utf8(text).ok()?))
}

fuzz_target!(|data: &[u8]| {
    let Some((p, text)) = params(data) else { return };
    let Ok(rule) = RecurrenceRule::parse(text) else { return };
    let Ok(tz) = TimeZone::get(p.zone) else { return };
    let end = p.start + p.duration;
    let first = rule.first(&tz, p.start);

    let mut budget = WorkBudget::new(BUDGET);
    let got = rule.occurrences(&tz, p.start, end, p.range, &mut budget);
    assert!(budget.spent() <= BUDGET, "spent {} of {BUDGET}", budget.spent());
    let Ok(got) = got else { return };
    for iv in &got {
        assert!(iv.overlaps(&p.range), "{iv:?} is outside {:?}", p.range);
        assert_eq!(iv.len(), p.duration, "{iv:?} is not {} s long", p.duration);
    }
    assert!(got.windows(2).all(|w| w[0].start <= w[1].start), "not sorted: {got:?}");

    // One step per MIN_GAP_SECONDS of the wall-clock span walked, a few more, COUNT, and the
    // positions BYSETPOS picks in the week before the span (expanded whole, at most 366).
    let text_upper = rule.as_str().to_ascii_uppercase();
    let count = if text_upper.contains("COUNT=") { u64::from(MAX_COUNT) } else { 0 };
    let set_pos = if text_upper.contains("BYSETPOS=") { 366 } else { 0 };
    let span = p.range.len() + p.duration + 2 * DAY + (DAY + 2 * HOUR);
    let bound = (span / MIN_GAP_SECONDS) as u64 + 4 + count + set_pos;
    assert!(budget.spent() <= bound, "{} steps, bound {bound}, for {text:?}", budget.spent());

    // The same range seen from the start: only while the walk from the start stays cheap.
    if p.range.is_empty() || p.range.end - p.start > 2 * 366 * DAY {
        return;
    }
    let mut budget = WorkBudget::new(FULL_BUDGET);
    let full = match rule.occurrences(&tz, p.start, end, Interval::new(p.start - 1, p.range.end), &mut budget)
    {
        Ok(full) => full,
        Err(ExpandError::OverBudget(_)) => return,
        Err(e) => panic!("the full expansion fails ({e}) where the window did not"),
    };
    let seen: Vec<Interval> = full.iter().copied().filter(|iv| iv.overlaps(&p.range)).collect();
    assert_eq!(got, seen, "the window differs from the full expansion for {text:?}");
    match first {
        Ok(Some(f)) if f >= p.start && f < p.range.end && p.duration > 0 => {
            let earliest = full.first().map(|iv| iv.start);
            assert_eq!(earliest, Some(f), "`first` is not the first occurrence for {text:?}");
        }
        Ok(None) => assert!(full.is_empty(), "`first` is none, yet {full:?} for {text:?}"),
        _ => {}
    }
});
