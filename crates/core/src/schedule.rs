//! Schedules: weekly hours and date overrides in one zone, and the windows of instants they open
//! (docs/API.md, Slots, rule 1).

use std::collections::BTreeMap;

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;

use crate::error::FieldError;
use crate::interval::Interval;
use crate::local::{LocalTime, date_of, instant_at};

/// Weekday keys as the API spells them, Monday first.
pub const WEEKDAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// `[start, end)` of wall time within one day; `end` may be `24:00`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayInterval {
    /// Opening time.
    pub start: LocalTime,
    /// Closing time (exclusive).
    pub end: LocalTime,
}

impl DayInterval {
    /// Parses `start`/`end` in `HH:MM`; the errors name the field (`start` or `end`).
    pub fn parse(start: &str, end: &str) -> Result<Self, FieldError> {
        let start_t = LocalTime::parse(start).map_err(|m| FieldError::new("start", m))?;
        let end_t = LocalTime::parse(end).map_err(|m| FieldError::new("end", m))?;
        Self::new(start_t, end_t)
    }

    /// An interval, if `start < end` and `start` is not `24:00`.
    pub fn new(start: LocalTime, end: LocalTime) -> Result<Self, FieldError> {
        if start.is_end_of_day() {
            return Err(FieldError::new("start", "24:00 can only end an interval"));
        }
        if end <= start {
            return Err(FieldError::new("end", format!("must be after start ({start}), got {end}")));
        }
        Ok(Self { start, end })
    }
}

/// The open intervals of one day: sorted, and no two overlapping (touching is allowed, and the
/// two stay separate windows).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DayHours(Vec<DayInterval>);

impl DayHours {
    /// Closed all day.
    pub const fn closed() -> Self {
        Self(Vec::new())
    }

    /// Validates a day's intervals. Errors name the interval as `[i]` or `[i].end`.
    pub fn new(mut intervals: Vec<DayInterval>) -> Result<Self, FieldError> {
        let order: Vec<usize> = {
            let mut idx: Vec<usize> = (0..intervals.len()).collect();
            idx.sort_by_key(|&i| (intervals[i].start, intervals[i].end));
            idx
        };
        for pair in order.windows(2) {
            let (a, b) = (intervals[pair[0]], intervals[pair[1]]);
            if b.start < a.end {
                return Err(FieldError::new(
                    format!("[{}]", pair[1].max(pair[0])),
                    format!(
                        "{}–{} overlaps {}–{}; intervals of a day must not overlap",
                        b.start, b.end, a.start, a.end
                    ),
                ));
            }
        }
        intervals.sort_by_key(|i| i.start);
        Ok(Self(intervals))
    }

    /// Parses `[(start, end), ...]` in `HH:MM`.
    pub fn parse<S: AsRef<str>>(pairs: &[(S, S)]) -> Result<Self, FieldError> {
        let intervals = pairs
            .iter()
            .enumerate()
            .map(|(i, (s, e))| {
                DayInterval::parse(s.as_ref(), e.as_ref()).map_err(|err| err.within(&format!("[{i}]")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(intervals)
    }

    /// The intervals, sorted by start.
    pub fn intervals(&self) -> &[DayInterval] {
        &self.0
    }

    /// True when closed all day.
    pub fn is_closed(&self) -> bool {
        self.0.is_empty()
    }
}

/// A window of open time: one interval of one local date, as instants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// The schedule-local date the interval belongs to (the date daily limits count against).
    pub date: Date,
    /// The instants it covers.
    pub span: Interval,
}

/// Weekly hours and date overrides, read in one IANA zone.
#[derive(Clone, Debug)]
pub struct Schedule {
    tz: TimeZone,
    weekly: [DayHours; 7],
    overrides: BTreeMap<Date, DayHours>,
}

impl Schedule {
    /// A schedule. `weekly` is indexed Monday = 0; a date in `overrides` replaces its weekday's
    /// hours (closed when the override has no intervals).
    pub fn new(tz: TimeZone, weekly: [DayHours; 7], overrides: BTreeMap<Date, DayHours>) -> Self {
        Self { tz, weekly, overrides }
    }

    /// The same hours every day of the week.
    pub fn every_day(tz: TimeZone, hours: DayHours) -> Self {
        Self::new(tz, std::array::from_fn(|_| hours.clone()), BTreeMap::new())
    }

    /// The schedule's zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// The hours of a weekday.
    pub fn weekly(&self, day: Weekday) -> &DayHours {
        &self.weekly[day.to_monday_zero_offset() as usize]
    }

    /// The overrides, by date.
    pub fn overrides(&self) -> &BTreeMap<Date, DayHours> {
        &self.overrides
    }

    /// The hours that apply on `date`: its override if it has one, else its weekday's.
    pub fn hours_on(&self, date: Date) -> &DayHours {
        self.overrides.get(&date).unwrap_or_else(|| self.weekly(date.weekday()))
    }

    /// The windows of the local dates `first..=last`, in date order and, within a date, in
    /// wall-clock order. Windows that a DST gap leaves empty are dropped.
    pub fn windows_for_dates(&self, first: Date, last: Date, out: &mut Vec<Window>) {
        let mut date = first;
        while date <= last {
            for iv in self.hours_on(date).intervals() {
                let (Some(start), Some(end)) =
                    (instant_at(&self.tz, date, iv.start), instant_at(&self.tz, date, iv.end))
                else {
                    continue;
                };
                if end > start {
                    out.push(Window { date, span: Interval::new(start, end) });
                }
            }
            match date.checked_add(1.day()) {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
    }

    /// Every window that overlaps `range`.
    pub fn windows(&self, range: Interval) -> Vec<Window> {
        let mut out = Vec::new();
        if range.is_empty() {
            return out;
        }
        // A window of date D never starts before D's first instant, and never ends after D+1's
        // first instant (plus a gap), so the local dates of the range, one day either side,
        // cover every window that can overlap it.
        let first = date_of(&self.tz, range.start).yesterday().unwrap_or(Date::MIN);
        let last = date_of(&self.tz, range.end - 1);
        self.windows_for_dates(first, last, &mut out);
        out.retain(|w| w.span.overlaps(&range));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interval::timestamp;
    use jiff::civil::date;

    fn hours(pairs: &[(&str, &str)]) -> DayHours {
        DayHours::parse(pairs).unwrap()
    }

    fn spans(s: &Schedule, from: &str, to: &str) -> Vec<(String, String)> {
        let from: jiff::Timestamp = from.parse().unwrap();
        let to: jiff::Timestamp = to.parse().unwrap();
        s.windows(Interval::from_timestamps(from, to))
            .iter()
            .map(|w| (timestamp(w.span.start).to_string(), timestamp(w.span.end).to_string()))
            .collect()
    }

    #[test]
    fn overlapping_intervals_are_refused_with_their_index() {
        let err = DayHours::parse(&[("09:00", "12:00"), ("11:00", "13:00")]).unwrap_err();
        assert_eq!(err.field, "[1]");
        let err = DayHours::parse(&[("09:00", "12:00"), ("13:00", "12:30")]).unwrap_err();
        assert_eq!(err.field, "[1].end");
        let err = DayHours::parse(&[("25:00", "26:00")]).unwrap_err();
        assert_eq!(err.field, "[0].start");
        let err = DayHours::parse(&[("24:00", "24:00")]).unwrap_err();
        assert_eq!(err.field, "[0].start");
        // Touching is fine and stays two intervals.
        assert_eq!(hours(&[("12:00", "13:00"), ("09:00", "12:00")]).intervals().len(), 2);
    }

    #[test]
    fn end_of_day_runs_to_next_midnight() {
        let tz = TimeZone::get("Europe/London").unwrap();
        let s = Schedule::every_day(tz, hours(&[("22:00", "24:00")]));
        assert_eq!(
            spans(&s, "2026-05-31T22:30:00Z", "2026-06-02T00:00:00Z"),
            vec![
                ("2026-05-31T21:00:00Z".into(), "2026-05-31T23:00:00Z".into()),
                ("2026-06-01T21:00:00Z".into(), "2026-06-01T23:00:00Z".into()),
            ]
        );
    }

    #[test]
    fn overrides_replace_or_close_a_day() {
        let tz = TimeZone::get("UTC").unwrap();
        let mut overrides = BTreeMap::new();
        overrides.insert(date(2026, 12, 24), hours(&[("09:00", "13:00")]));
        overrides.insert(date(2026, 12, 25), DayHours::closed());
        let s = Schedule::new(tz, std::array::from_fn(|_| hours(&[("09:00", "17:00")])), overrides);
        assert_eq!(
            spans(&s, "2026-12-24T00:00:00Z", "2026-12-27T00:00:00Z"),
            vec![
                ("2026-12-24T09:00:00Z".into(), "2026-12-24T13:00:00Z".into()),
                ("2026-12-26T09:00:00Z".into(), "2026-12-26T17:00:00Z".into()),
            ]
        );
    }
}
