//! Searches built on slot computation: the earliest free slots, the free starts nearest a
//! requested one, and whether one requested start can be booked (and by whom).
//!
//! All three run the same candidate generation as [`compute_slots`] on small ranges, so a start
//! is bookable exactly when it is listed as a slot.

use crate::interval::{DAY, Interval};
use crate::rules::EventRules;
use crate::slots::{HostInput, Mode, SlotQuery, SlotSet, WindowCache, compute_slots, host_starts};

/// Why a requested start cannot be booked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Before `now + min_notice`; `earliest` is the first allowed instant.
    TooSoon {
        /// First instant a booking may start.
        earliest: i64,
    },
    /// At or after `now + max_days_ahead`.
    TooFar {
        /// First instant past the horizon.
        limit: i64,
    },
    /// Inside open hours but not on the slot grid of its window.
    OffGrid {
        /// The window's first candidate start, from which the grid counts.
        window_start: i64,
    },
    /// Not inside any host's open hours (or, for collective events, not every host's).
    OutsideHours,
    /// A slot of the event type, but taken: no host is free, or they reached their daily limit.
    Unavailable,
}

/// Checks one requested start and answers the indexes of the hosts free for it (every host for
/// collective event types). `only_host` restricts the check to one host (as a booking that names
/// its host does).
pub fn check_start(
    rules: &EventRules,
    hosts: &[HostInput<'_>],
    now: i64,
    start: i64,
    only_host: Option<usize>,
) -> Result<Vec<u32>, Rejection> {
    let bookable = rules.bookable(now);
    if start < bookable.start {
        return Err(Rejection::TooSoon { earliest: bookable.start });
    }
    if start >= bookable.end {
        return Err(Rejection::TooFar { limit: bookable.end });
    }
    let point = Interval::new(start, start + 1);
    let mut cache = WindowCache::default();
    let mut on_schedule = 0usize;
    let mut free = Vec::new();
    let mut nearest_grid = None;
    let mut scratch = Vec::with_capacity(1);
    for (idx, host) in hosts.iter().enumerate() {
        if !rules.collective && only_host.is_some_and(|h| h != idx) {
            continue;
        }
        let windows = cache.get(host.schedule, point);
        scratch.clear();
        host_starts(rules, host, windows, point, Mode::Schedule, &mut scratch);
        if scratch.is_empty() {
            nearest_grid = nearest_grid.or_else(|| {
                windows
                    .iter()
                    .find(|w| w.span.start <= start && start + rules.duration <= w.span.end)
                    .map(|w| w.span.start)
            });
            continue;
        }
        on_schedule += 1;
        scratch.clear();
        host_starts(rules, host, windows, point, Mode::Free, &mut scratch);
        if !scratch.is_empty() {
            free.push(idx as u32);
        }
    }
    let expected = if rules.collective { hosts.len() } else { 1 };
    if on_schedule < expected || on_schedule == 0 {
        return Err(match nearest_grid {
            Some(window_start) if on_schedule == 0 => Rejection::OffGrid { window_start },
            _ => Rejection::OutsideHours,
        });
    }
    if free.is_empty() || (rules.collective && free.len() < hosts.len()) {
        return Err(Rejection::Unavailable);
    }
    Ok(free)
}

/// The first `n` free slots from `now`, searching forward in growing chunks (1, 1, 2, 4, …, at
/// most 16 days) up to the horizon, so a near answer never computes the whole horizon.
pub fn earliest(
    rules: &EventRules,
    hosts: &[HostInput<'_>],
    now: i64,
    n: usize,
    only_host: Option<usize>,
) -> SlotSet {
    let bookable = rules.bookable(now);
    let mut found = SlotSet::default();
    let mut from = bookable.start;
    let mut chunk = DAY;
    while from < bookable.end && found.len() < n {
        let to = (from + chunk).min(bookable.end);
        let q = SlotQuery { range: Interval::new(from, to), now, only_host };
        let part = compute_slots(rules, hosts, &q);
        if found.is_empty() {
            found = part;
        } else {
            found.append(&part);
        }
        from = to;
        if chunk < 16 * DAY && found.len() < n && from > bookable.start + DAY {
            chunk *= 2;
        }
    }
    found.truncate(n);
    found
}

/// Up to `n` free starts nearest `at` (ties go to the earlier start), in order of distance.
///
/// Searches rings of growing radius around `at` (1, 3, 7, 14, 31, 62 days, then the whole
/// horizon) and stops once the `n`-th nearest lies inside the ring, so the answer is exact.
pub fn nearest(
    rules: &EventRules,
    hosts: &[HostInput<'_>],
    now: i64,
    at: i64,
    n: usize,
    only_host: Option<usize>,
) -> SlotSet {
    let bookable = rules.bookable(now);
    if n == 0 || bookable.is_empty() {
        return SlotSet::default();
    }
    let whole = (at - bookable.start).abs().max((bookable.end - at).abs()) + 1;
    let mut radius_days = [1, 3, 7, 14, 31, 62].into_iter().map(|d| d * DAY).chain(std::iter::once(whole));
    loop {
        let radius = radius_days.next().unwrap_or(whole).min(whole);
        let q = SlotQuery { range: Interval::new(at - radius, at + radius), now, only_host };
        let set = compute_slots(rules, hosts, &q);
        let mut order: Vec<usize> = (0..set.len()).collect();
        let starts = set.starts();
        order.sort_by_key(|&i| ((starts[i] - at).abs(), starts[i]));
        order.truncate(n);
        let settled = order.len() == n && order.last().is_some_and(|&i| (starts[i] - at).abs() < radius);
        if settled || radius >= whole {
            return set.select(&order);
        }
    }
}
