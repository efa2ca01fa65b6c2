//! A host's busy time: every interval that blocks a slot, merged (docs/API.md, Slots, rule 3).
//!
//! Busy time comes from three places — other bookings' blocked intervals (each widened by its
//! own event type's buffers), internal blocks, and external calendars' busy intervals — and once
//! merged they are all the same thing: instants a new booking's blocked interval must not touch.

use crate::interval::{Interval, MINUTE};

/// A booking's blocked interval: `[start - buffer_before, end + buffer_after)`, buffers in
/// minutes of its own event type.
pub fn blocked_interval(start: i64, end: i64, buffer_before_min: u32, buffer_after_min: u32) -> Interval {
    Interval::new(start - i64::from(buffer_before_min) * MINUTE, end + i64::from(buffer_after_min) * MINUTE)
}

/// Sorted, disjoint busy intervals. Touching intervals are merged (a booking may still start
/// exactly where busy time ends, because intervals are half-open).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BusyTimeline {
    spans: Vec<Interval>,
}

impl BusyTimeline {
    /// Nothing busy.
    pub const fn empty() -> Self {
        Self { spans: Vec::new() }
    }

    /// Builds the timeline from intervals in any order; empty ones are ignored.
    ///
    /// Costs O(n) when the input is already sorted by start (as a store's range query returns
    /// it), O(n log n) otherwise.
    pub fn from_intervals(intervals: impl IntoIterator<Item = Interval>) -> Self {
        let mut spans: Vec<Interval> = intervals.into_iter().filter(|i| !i.is_empty()).collect();
        spans.sort_by_key(|i| i.start);
        let mut merged: Vec<Interval> = Vec::with_capacity(spans.len());
        for s in spans {
            match merged.last_mut() {
                Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
                _ => merged.push(s),
            }
        }
        Self { spans: merged }
    }

    /// The merged intervals, sorted.
    pub fn spans(&self) -> &[Interval] {
        &self.spans
    }

    /// True when nothing is busy.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Index of the first span that ends after `t`: the only one that can overlap an interval
    /// starting at `t`. O(log n).
    pub fn first_ending_after(&self, t: i64) -> usize {
        self.spans.partition_point(|s| s.end <= t)
    }

    /// True when `iv` overlaps busy time.
    pub fn overlaps(&self, iv: Interval) -> bool {
        self.spans.get(self.first_ending_after(iv.start)).is_some_and(|s| s.start < iv.end)
    }

    /// The merged spans that overlap `range`, clipped to it.
    pub fn within(&self, range: Interval) -> impl Iterator<Item = Interval> + '_ {
        self.spans[self.first_ending_after(range.start)..]
            .iter()
            .take_while(move |s| s.start < range.end)
            .map(move |s| Interval::new(s.start.max(range.start), s.end.min(range.end)))
    }

    /// A cursor for checking many intervals in increasing order of start, each check O(1)
    /// amortised.
    pub fn cursor(&self, from: i64) -> BusyCursor<'_> {
        BusyCursor { spans: &self.spans, idx: self.first_ending_after(from) }
    }
}

/// Walks a [`BusyTimeline`] forward. Checks must come in non-decreasing order of start.
#[derive(Debug)]
pub struct BusyCursor<'a> {
    spans: &'a [Interval],
    idx: usize,
}

impl BusyCursor<'_> {
    /// True when `iv` is free of busy time. `iv.start` must not go below an earlier call's.
    #[inline]
    pub fn is_free(&mut self, iv: Interval) -> bool {
        self.conflict(iv).is_none()
    }

    /// The end of the busy span that `iv` overlaps, if any: the earliest instant a blocked
    /// interval may start to clear it. `iv.start` must not go below an earlier call's.
    #[inline]
    pub fn conflict(&mut self, iv: Interval) -> Option<i64> {
        while self.idx < self.spans.len() && self.spans[self.idx].end <= iv.start {
            self.idx += 1;
        }
        self.spans.get(self.idx).filter(|s| s.start < iv.end).map(|s| s.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(a: i64, b: i64) -> Interval {
        Interval::new(a, b)
    }

    #[test]
    fn merges_overlapping_and_touching() {
        let t = BusyTimeline::from_intervals([iv(10, 20), iv(0, 5), iv(5, 7), iv(15, 30), iv(40, 40)]);
        assert_eq!(t.spans(), &[iv(0, 7), iv(10, 30)]);
    }

    #[test]
    fn half_open_intervals_touch_without_overlap() {
        let t = BusyTimeline::from_intervals([iv(10, 20)]);
        assert!(!t.overlaps(iv(0, 10)));
        assert!(!t.overlaps(iv(20, 30)));
        assert!(t.overlaps(iv(19, 21)));
        assert!(t.overlaps(iv(0, 100)));
        let mut c = t.cursor(0);
        assert!(c.is_free(iv(0, 10)));
        assert!(!c.is_free(iv(5, 11)));
        assert!(c.is_free(iv(20, 25)));
    }

    #[test]
    fn within_clips() {
        let t = BusyTimeline::from_intervals([iv(0, 10), iv(20, 30), iv(40, 50)]);
        assert_eq!(t.within(iv(5, 45)).collect::<Vec<_>>(), vec![iv(5, 10), iv(20, 30), iv(40, 45)]);
    }

    #[test]
    fn buffers_widen_the_blocked_interval() {
        assert_eq!(blocked_interval(3_600, 5_400, 10, 5), iv(3_000, 5_700));
    }
}
