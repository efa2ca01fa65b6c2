//! Which host gets a booking that names none.
//!
//! Every strategy is deterministic: given the same free hosts and statistics in the same order
//! it picks the same host, and its last tie-breaker is the host's position in the input (callers
//! pass hosts in a stable order, such as by id).
//!
//! - **round_robin** — weighted fair sharing among the free hosts. Host *i* with weight *wᵢ* and
//!   *cᵢ* bookings of this event type is *eligible* when `cᵢ / wᵢ ≤ n / W` (it has not had more
//!   than its weighted share of the *n* bookings so far, *W* the sum of weights); among eligible
//!   free hosts the one with the smallest `(cᵢ + 1) / wᵢ` (the share it would reach next) wins,
//!   then the least recently booked, then input order. This is worst-case fair weighted queueing
//!   (WF²Q): with every host free, each host's count stays within one booking of
//!   `n · wᵢ / W`. With equal weights it is plain round robin: fewest bookings, then least recently
//!   booked. When no free host is eligible (the ones behind are busy), the smallest
//!   `(cᵢ + 1) / wᵢ` among the free ones wins. A weight of 0 means "only when nobody else can".
//! - **least_busy** — the free host with the fewest confirmed bookings (of any event type) in the
//!   slot's local week; ties by round robin.
//! - **priority** — the free host with the highest `priority`; ties by round robin.
//! - **specific** — the caller must name the host; nothing is chosen here.
//! - **collective** — every host attends.

use std::cmp::Ordering;

use jiff::civil::Weekday;
use jiff::tz::TimeZone;

use crate::interval::Interval;
use crate::local::{LocalTime, date_of, instant_at};

/// How a booking that names no host is assigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Assignment {
    /// Weighted round robin.
    RoundRobin,
    /// Fewest bookings in the slot's week.
    LeastBusy,
    /// Highest priority first.
    Priority,
    /// The caller names the host.
    Specific,
    /// All hosts together.
    Collective,
}

impl Assignment {
    /// All strategies, in API order.
    pub const ALL: [Assignment; 5] =
        [Self::RoundRobin, Self::LeastBusy, Self::Priority, Self::Specific, Self::Collective];

    /// The API name (`round_robin`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RoundRobin => "round_robin",
            Self::LeastBusy => "least_busy",
            Self::Priority => "priority",
            Self::Specific => "specific",
            Self::Collective => "collective",
        }
    }

    /// Parses an API name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

stored_name!(Assignment, "assignment");

/// What assignment knows about one host of the event type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostStats {
    /// Round-robin weight (default 100).
    pub weight: u32,
    /// Higher is preferred by `priority`.
    pub priority: i32,
    /// Confirmed bookings of this event type assigned to the host.
    pub assigned: u64,
    /// When the host was last assigned a booking of this event type (Unix seconds).
    pub last_assigned_at: Option<i64>,
    /// Confirmed bookings of any event type in the local week of the slot (`least_busy`).
    pub week_load: u32,
}

/// The outcome of assignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// This host (an index into the stats).
    One(u32),
    /// Every host.
    All,
}

/// Why no host could be chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AssignError {
    /// No host is free.
    #[error("no host is free")]
    NoFreeHost,
    /// The event type assigns a specific host, and none was named.
    #[error("this event type needs the host to be named")]
    HostRequired,
}

/// Chooses among `free` (indexes into `stats`, all of the event type's hosts) by `assignment`.
pub fn choose(assignment: Assignment, free: &[u32], stats: &[HostStats]) -> Result<Choice, AssignError> {
    if assignment == Assignment::Collective {
        return Ok(Choice::All);
    }
    if assignment == Assignment::Specific {
        return Err(AssignError::HostRequired);
    }
    let mut pool: Vec<u32> = free.iter().copied().filter(|&i| (i as usize) < stats.len()).collect();
    if pool.is_empty() {
        return Err(AssignError::NoFreeHost);
    }
    match assignment {
        Assignment::LeastBusy => {
            let min = pool.iter().map(|&i| stats[i as usize].week_load).min().unwrap_or(0);
            pool.retain(|&i| stats[i as usize].week_load == min);
        }
        Assignment::Priority => {
            let max = pool.iter().map(|&i| stats[i as usize].priority).max().unwrap_or(0);
            pool.retain(|&i| stats[i as usize].priority == max);
        }
        _ => {}
    }
    Ok(Choice::One(round_robin(&pool, stats)))
}

/// The round-robin pick among `pool` (non-empty).
fn round_robin(pool: &[u32], stats: &[HostStats]) -> u32 {
    let n: u128 = stats.iter().map(|s| u128::from(s.assigned)).sum();
    let total_weight: u128 = stats.iter().map(|s| u128::from(s.weight)).sum();
    let eligible = |s: &HostStats| u128::from(s.assigned) * total_weight <= n * u128::from(s.weight);
    // (c_a + 1) / w_a vs (c_b + 1) / w_b, with weight 0 as infinity.
    let finish = |a: &HostStats, b: &HostStats| match (a.weight, b.weight) {
        (0, 0) => Ordering::Equal,
        (0, _) => Ordering::Greater,
        (_, 0) => Ordering::Less,
        (wa, wb) => {
            (u128::from(a.assigned + 1) * u128::from(wb)).cmp(&(u128::from(b.assigned + 1) * u128::from(wa)))
        }
    };
    let key = |&i: &u32| &stats[i as usize];
    let mut best = pool[0];
    for &i in &pool[1..] {
        let (a, b) = (key(&i), key(&best));
        let better = eligible(b)
            .cmp(&eligible(a))
            .then_with(|| finish(a, b))
            .then_with(|| a.last_assigned_at.cmp(&b.last_assigned_at))
            .then_with(|| i.cmp(&best));
        if better == Ordering::Less {
            best = i;
        }
    }
    best
}

/// The local week (Monday 00:00 to the next Monday 00:00 in `tz`) that contains `t`, for
/// counting `least_busy` load.
pub fn local_week(tz: &TimeZone, t: i64) -> Interval {
    let date = date_of(tz, t);
    let back = i64::from(date.weekday().since(Weekday::Monday));
    let monday = date.checked_sub(jiff::Span::new().days(back)).unwrap_or(date);
    let next = monday.checked_add(jiff::Span::new().days(7)).unwrap_or(monday);
    let start = instant_at(tz, monday, LocalTime::MIDNIGHT).unwrap_or(t);
    let end = instant_at(tz, next, LocalTime::MIDNIGHT).unwrap_or(t + 7 * crate::interval::DAY);
    Interval::new(start, end)
}
