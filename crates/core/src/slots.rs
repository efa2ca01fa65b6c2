//! Bookable slots of an event type (docs/API.md, Slots, rules 2–7).
//!
//! Per host: each window of its schedule is slotted on its own grid (`window start + k ×
//! interval`, in elapsed time), a candidate is kept when `start + duration` fits in the window,
//! it lies in the bookable range (notice, horizon, the query), the host is under its daily limit
//! that local date, and the candidate's blocked interval (with this event type's buffers) touches
//! none of the host's busy time. Then hosts are combined: any free host for round-robin and
//! friends, every host for collective events.
//!
//! Cost per host is O(windows + busy spans in range + kept slots): the busy cursor jumps past a
//! conflict straight to the first grid point after it, so a full calendar is as cheap as an empty
//! one, and busy time outside the range is never visited.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::busy::BusyTimeline;
use crate::interval::Interval;
use crate::local::LocalDater;
use crate::rules::EventRules;
use crate::schedule::{Schedule, Window};

/// One host's inputs.
#[derive(Clone, Copy, Debug)]
pub struct HostInput<'a> {
    /// The host's schedule. Hosts that share a schedule should pass the same reference: its
    /// windows are then computed once.
    pub schedule: &'a Schedule,
    /// Everything that blocks the host: other bookings' blocked intervals, blocks, external busy.
    pub busy: &'a BusyTimeline,
    /// Starts of the host's confirmed bookings of this event type, in any order; only read when
    /// the event type has a daily limit, and only those near the queried range matter.
    pub booked_starts: &'a [i64],
}

/// What to compute.
#[derive(Clone, Copy, Debug)]
pub struct SlotQuery {
    /// Starts must lie in `[from, to)`.
    pub range: Interval,
    /// The current instant, for minimum notice and the horizon.
    pub now: i64,
    /// Restrict the answer to the host at this index (ignored for collective event types, which
    /// always need every host).
    pub only_host: Option<usize>,
}

/// A bookable slot: a start, its end, and the indexes (into the hosts passed in) of the hosts
/// free for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot<'a> {
    /// Start, Unix seconds.
    pub start: i64,
    /// End (`start + duration`), Unix seconds.
    pub end: i64,
    /// Indexes of the free hosts, ascending; every host for collective event types.
    pub hosts: &'a [u32],
}

/// Slots sorted by start, with their hosts stored flat.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlotSet {
    duration: i64,
    starts: Vec<i64>,
    /// `hosts[host_at[i]..host_at[i + 1]]` are slot i's hosts.
    host_at: Vec<u32>,
    hosts: Vec<u32>,
}

impl SlotSet {
    fn new(duration: i64) -> Self {
        Self { duration, starts: Vec::new(), host_at: vec![0], hosts: Vec::new() }
    }

    fn push(&mut self, start: i64, hosts: impl IntoIterator<Item = u32>) {
        self.starts.push(start);
        self.hosts.extend(hosts);
        self.host_at.push(self.hosts.len() as u32);
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// True when there is no slot.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Slot `i`.
    pub fn get(&self, i: usize) -> Option<Slot<'_>> {
        let start = *self.starts.get(i)?;
        let hosts = &self.hosts[self.host_at[i] as usize..self.host_at[i + 1] as usize];
        Some(Slot { start, end: start + self.duration, hosts })
    }

    /// The slots in order of start.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Slot<'_>> + '_ {
        (0..self.len()).map(|i| Slot {
            start: self.starts[i],
            end: self.starts[i] + self.duration,
            hosts: &self.hosts[self.host_at[i] as usize..self.host_at[i + 1] as usize],
        })
    }

    /// The start instants, sorted.
    pub fn starts(&self) -> &[i64] {
        &self.starts
    }

    /// Position of the slot starting at `start`, if there is one.
    pub fn position(&self, start: i64) -> Option<usize> {
        self.starts.binary_search(&start).ok()
    }

    /// Keeps only the first `n` slots.
    pub fn truncate(&mut self, n: usize) {
        if n < self.len() {
            self.starts.truncate(n);
            self.host_at.truncate(n + 1);
            self.hosts.truncate(self.host_at[n] as usize);
        }
    }

    /// Appends `other`'s slots that start after this set's last one.
    pub fn append(&mut self, other: &SlotSet) {
        let after = self.starts.last().copied().unwrap_or(i64::MIN);
        for slot in other.iter().filter(|s| s.start > after) {
            self.push(slot.start, slot.hosts.iter().copied());
        }
    }

    /// A set of the given slots (indexes into this set), in the order given.
    pub fn select(&self, picks: &[usize]) -> SlotSet {
        let mut out = SlotSet::new(self.duration);
        for s in picks.iter().filter_map(|&i| self.get(i)) {
            out.push(s.start, s.hosts.iter().copied());
        }
        out
    }

    /// The slots grouped by their local date in `tz`: each date with the indexes of its slots,
    /// in order. Dates come sorted; a date with no slot is absent.
    pub fn group_by_date(&self, tz: &TimeZone) -> BTreeMap<Date, Vec<usize>> {
        let mut dater = LocalDater::new(tz);
        let mut out: BTreeMap<Date, Vec<usize>> = BTreeMap::new();
        let mut current: Option<(Date, Vec<usize>)> = None;
        for (i, &start) in self.starts.iter().enumerate() {
            let date = dater.date_of(start);
            match &mut current {
                Some((d, v)) if *d == date => v.push(i),
                _ => {
                    if let Some((d, v)) = current.take() {
                        out.entry(d).or_default().extend(v);
                    }
                    current = Some((date, vec![i]));
                }
            }
        }
        if let Some((d, v)) = current {
            out.entry(d).or_default().extend(v);
        }
        out
    }
}

/// Computes the bookable slots of an event type for a team of hosts (one host is a team of one).
pub fn compute_slots(rules: &EventRules, hosts: &[HostInput<'_>], q: &SlotQuery) -> SlotSet {
    let mut out = SlotSet::new(rules.duration);
    let bookable = rules.bookable(q.now);
    let range = Interval::new(q.range.start.max(bookable.start), q.range.end.min(bookable.end));
    if range.is_empty() || hosts.is_empty() {
        return out;
    }
    let mut windows = WindowCache::default();
    let mut per_host: Vec<(u32, Vec<i64>)> = Vec::with_capacity(hosts.len());
    for (idx, host) in hosts.iter().enumerate() {
        if !rules.collective && q.only_host.is_some_and(|h| h != idx) {
            continue;
        }
        let mut starts = Vec::new();
        host_starts(rules, host, windows.get(host.schedule, range), range, Mode::Free, &mut starts);
        if rules.collective && starts.is_empty() {
            return out;
        }
        per_host.push((idx as u32, starts));
    }
    if rules.collective {
        let all: Vec<u32> = (0..hosts.len() as u32).collect();
        let (_, first) = &per_host[0];
        let mut cursors = vec![0usize; per_host.len()];
        'slot: for &s in first {
            for (k, (_, list)) in per_host.iter().enumerate().skip(1) {
                let c = &mut cursors[k];
                while *c < list.len() && list[*c] < s {
                    *c += 1;
                }
                if list.get(*c) != Some(&s) {
                    continue 'slot;
                }
            }
            out.push(s, all.iter().copied());
        }
    } else if let [(idx, list)] = per_host.as_slice() {
        out.starts.reserve(list.len());
        for &s in list {
            out.push(s, [*idx]);
        }
    } else {
        merge_any_host(range.start, &per_host, &mut out);
    }
    out
}

/// Merges per-host sorted starts into slots listing every free host. Keys pack the offset from
/// `base` (under 2^31 s for any horizon the rules allow) and the host index into one u64, so one
/// sort of the concatenated runs does the k-way merge.
fn merge_any_host(base: i64, per_host: &[(u32, Vec<i64>)], out: &mut SlotSet) {
    let mut keys: Vec<u64> = Vec::with_capacity(per_host.iter().map(|(_, l)| l.len()).sum());
    for (idx, list) in per_host {
        keys.extend(list.iter().map(|&s| (((s - base) as u64) << 32) | u64::from(*idx)));
    }
    keys.sort_unstable();
    let mut i = 0;
    while i < keys.len() {
        let off = keys[i] >> 32;
        let mut j = i;
        while j < keys.len() && keys[j] >> 32 == off {
            j += 1;
        }
        out.push(base + off as i64, keys[i..j].iter().map(|k| (k & 0xffff_ffff) as u32));
        i = j;
    }
}

/// Whether candidates are filtered by busy time and daily limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Only free candidates under the daily limit.
    Free,
    /// Every candidate of the schedule (to tell "taken" from "not a slot").
    Schedule,
}

/// Windows per schedule, computed once per distinct schedule.
#[derive(Default)]
pub(crate) struct WindowCache<'s> {
    entries: Vec<(&'s Schedule, Vec<Window>)>,
}

impl<'s> WindowCache<'s> {
    pub(crate) fn get(&mut self, schedule: &'s Schedule, range: Interval) -> &[Window] {
        let pos = match self.entries.iter().position(|(s, _)| std::ptr::eq(*s, schedule)) {
            Some(pos) => pos,
            None => {
                self.entries.push((schedule, schedule.windows(range)));
                self.entries.len() - 1
            }
        };
        &self.entries[pos].1
    }
}

/// Appends one host's candidate starts in `range` to `out`, sorted and without duplicates.
pub(crate) fn host_starts(
    rules: &EventRules,
    host: &HostInput<'_>,
    windows: &[Window],
    range: Interval,
    mode: Mode,
    out: &mut Vec<i64>,
) {
    let limits = match (mode, rules.daily_limit) {
        (Mode::Free, Some(limit)) => {
            Some(DayCounts::new(host.schedule.time_zone(), host.booked_starts, limit))
        }
        _ => None,
    };
    let first_new = out.len();
    let mut cursor = host.busy.cursor(range.start - rules.buffer_before);
    let mut last = i64::MIN;
    let mut sorted = true;
    for w in windows {
        if limits.as_ref().is_some_and(|l| l.is_full(w.date)) {
            continue;
        }
        let Some((first, last_allowed)) = grid_bounds(rules, w.span, range) else { continue };
        if first <= last {
            // Only DST oddities make a day's windows overlap as instants; fall back to a fresh
            // cursor and a final sort.
            sorted = false;
            cursor = host.busy.cursor(first - rules.buffer_before);
        }
        let mut s = first;
        while s <= last_allowed {
            last = s;
            let conflict = match mode {
                Mode::Schedule => None,
                Mode::Free => cursor.conflict(rules.blocked(s)),
            };
            match conflict {
                None => {
                    out.push(s);
                    s += rules.interval;
                }
                Some(busy_end) => {
                    // Jump to the first grid point whose blocked interval starts at or after the
                    // busy span's end: s' - buffer_before >= busy_end.
                    let need = busy_end + rules.buffer_before - s;
                    s += ceil_div(need, rules.interval).max(1) * rules.interval;
                }
            }
        }
    }
    if !sorted {
        out[first_new..].sort_unstable();
        let mut tail = out.split_off(first_new);
        tail.dedup();
        out.extend(tail);
    }
}

/// The first and last candidate start of a window that lie in `range` and fit the duration.
pub(crate) fn grid_bounds(rules: &EventRules, window: Interval, range: Interval) -> Option<(i64, i64)> {
    let first = if window.start >= range.start {
        window.start
    } else {
        window.start + ceil_div(range.start - window.start, rules.interval) * rules.interval
    };
    let last_allowed = (window.end - rules.duration).min(range.end - 1);
    (first <= last_allowed).then_some((first, last_allowed))
}

pub(crate) const fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1).div_euclid(b)
}

/// Confirmed bookings of the event type per local date of a host's schedule.
struct DayCounts {
    counts: Vec<(Date, u32)>,
    limit: u32,
}

impl DayCounts {
    fn new(tz: &TimeZone, starts: &[i64], limit: u32) -> Self {
        let mut dater = LocalDater::new(tz);
        let mut dates: Vec<Date> = starts.iter().map(|&s| dater.date_of(s)).collect();
        dates.sort_unstable();
        let mut counts: Vec<(Date, u32)> = Vec::new();
        for d in dates {
            match counts.last_mut() {
                Some((last, n)) if *last == d => *n += 1,
                _ => counts.push((d, 1)),
            }
        }
        Self { counts, limit }
    }

    fn is_full(&self, date: Date) -> bool {
        self.counts.binary_search_by_key(&date, |(d, _)| *d).is_ok_and(|i| self.counts[i].1 >= self.limit)
    }
}
