//! A snapshot: one event type's hosts, schedules, bookings and blocks as the engine's inputs,
//! built from what the store read (with the hosts' busy time from connected calendars).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::tz::TimeZone;
use sked_core::assign::Assignment;
use sked_core::ids::{BookingId, HostId};
use sked_core::interval::DAY;
use sked_core::recurrence::ExpandError;
use sked_core::rules::RulesSpec;
use sked_core::schedule::Schedule as CoreSchedule;
use sked_core::{BusyTimeline, EventRules, HostInput, Interval, RecurrenceRule, WorkBudget};
use sked_store::{Assigned, Block, EventType, Host, Occupancy, Versions};

use super::External;
use super::context::Context;
use crate::error::{AppError, AppResult};

/// The engine's inputs for one event type over its bookable horizon.
#[derive(Debug)]
pub struct Snapshot {
    /// A number no other snapshot made by this process has: what was computed from it can be
    /// kept under it.
    pub serial: u64,
    /// Versions it was built from.
    pub versions: Versions,
    /// Instants it holds busy time for.
    pub loaded: Interval,
    /// The event type.
    pub event_type: EventType,
    /// Its validated rules.
    pub rules: EventRules,
    /// Its assignment strategy.
    pub assignment: Assignment,
    /// Its active hosts, in its order.
    pub hosts: Vec<Host>,
    /// Their round-robin counts, read with the rest for a booking (not kept in the cache).
    pub assigned: Option<Vec<Assigned>>,
    schedules: Vec<CoreSchedule>,
    host_schedule: Vec<usize>,
    occupancy: Vec<Occupancy>,
    block_spans: Vec<Vec<Interval>>,
    busy: Vec<BusyTimeline>,
    booked: Vec<Vec<i64>>,
}

impl Snapshot {
    /// The engine inputs, one per host.
    pub fn inputs(&self) -> Vec<HostInput<'_>> {
        (0..self.hosts.len())
            .map(|i| HostInput {
                schedule: &self.schedules[self.host_schedule[i]],
                busy: &self.busy[i],
                booked_starts: &self.booked[i],
            })
            .collect()
    }

    /// The same snapshot as if `booking` did not exist (a booking being moved does not block
    /// itself).
    pub fn without(&self, booking: BookingId) -> Snapshot {
        let occupancy: Vec<Occupancy> =
            self.occupancy.iter().filter(|o| o.booking_id != booking).cloned().collect();
        let (busy, booked) = busy_per_host(&self.hosts, &self.event_type, &occupancy, &self.block_spans);
        Snapshot {
            serial: next_serial(),
            versions: self.versions.clone(),
            loaded: self.loaded,
            event_type: self.event_type.clone(),
            rules: self.rules,
            assignment: self.assignment,
            hosts: self.hosts.clone(),
            assigned: self.assigned.clone(),
            schedules: self.schedules.clone(),
            host_schedule: self.host_schedule.clone(),
            occupancy,
            block_spans: self.block_spans.clone(),
            busy,
            booked,
        }
    }

    /// Index of an active host of the event type.
    pub fn host_index(&self, id: HostId) -> Option<usize> {
        self.hosts.iter().position(|h| h.id == id)
    }

    /// The zone of a host's schedule.
    pub fn host_zone(&self, idx: usize) -> &TimeZone {
        self.schedules[self.host_schedule[idx]].time_zone()
    }

    /// The zone answers are grouped in by default: the first host's schedule zone.
    pub fn default_zone(&self) -> TimeZone {
        if self.hosts.is_empty() { TimeZone::UTC } else { self.host_zone(0).clone() }
    }
}

/// The event type's rules, validated (stored values were validated on write; a failure here is a
/// bug, reported as such).
pub fn rules_of(e: &EventType) -> AppResult<(EventRules, Assignment)> {
    let assignment = e.assignment;
    let num = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
    let spec = RulesSpec {
        duration_minutes: num(e.duration_minutes),
        slot_interval_minutes: e.slot_interval_minutes.map(num),
        buffer_before_minutes: num(e.buffer_before_minutes),
        buffer_after_minutes: num(e.buffer_after_minutes),
        min_notice_minutes: num(e.min_notice_minutes),
        max_days_ahead: num(e.max_days_ahead),
        daily_limit: e.daily_limit.map(num),
        collective: assignment == Assignment::Collective,
    };
    let rules = spec
        .validate()
        .map_err(|f| AppError::Internal(anyhow::anyhow!("stored event type is invalid: {f}")))?;
    Ok((rules, assignment))
}

/// A new [`Snapshot::serial`].
fn next_serial() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// What a snapshot is made of, read from the store.
pub(super) struct Build {
    pub(super) context: Arc<Context>,
    pub(super) occupancy: Vec<Occupancy>,
    pub(super) blocks: Vec<Block>,
    pub(super) assigned: Option<Vec<Assigned>>,
    pub(super) external: Vec<Arc<External>>,
    pub(super) reach: Interval,
    pub(super) versions: Versions,
    pub(super) loaded: Interval,
}

impl Build {
    /// Roughly the engine steps [`snapshot`](Self::snapshot) takes: a row of busy time one, a
    /// host a few dozen; a recurring block may expand up to the budget, so any sends the work
    /// off the async threads. A booking's snapshot of the days near its start is small and is
    /// built where it is asked for.
    pub(super) fn cost(&self) -> u64 {
        if self.blocks.iter().any(|b| b.rrule.is_some()) {
            return EXPANSION_BUDGET;
        }
        let rows = self.blocks.len()
            + self.occupancy.len()
            + self.external.iter().map(|x| x.spans.len()).sum::<usize>();
        (rows + 64 * self.context.hosts.len()) as u64
    }

    /// Expands blocks (within [`EXPANSION_BUDGET`]) and merges busy time over the context.
    pub(super) fn snapshot(self) -> AppResult<Snapshot> {
        let Build { context, occupancy, blocks, assigned, external, reach, versions, loaded } = self;
        let hosts = &context.hosts;
        let mut budget = WorkBudget::new(EXPANSION_BUDGET);
        let mut block_spans = Vec::with_capacity(hosts.len());
        for (i, h) in hosts.iter().enumerate() {
            let mut spans = Vec::new();
            for b in blocks.iter().filter(|b| b.host_id == h.id) {
                spans.extend(block_occurrences(b, &context.zones[i], reach, &mut budget)?);
            }
            // Busy time from connected calendars joins the blocks: it carries no buffers.
            spans.extend(external[i].spans.iter().copied().filter(|s| s.overlaps(&reach)));
            block_spans.push(spans);
        }
        let (busy, booked) = busy_per_host(hosts, &context.event_type, &occupancy, &block_spans);
        Ok(Snapshot {
            serial: next_serial(),
            versions,
            loaded,
            event_type: context.event_type.clone(),
            rules: context.rules,
            assignment: context.assignment,
            hosts: hosts.clone(),
            assigned,
            schedules: context.schedules.clone(),
            host_schedule: (0..hosts.len()).collect(),
            occupancy,
            block_spans,
            busy,
            booked,
        })
    }
}

/// Most occurrences of recurring blocks one request expands (an hourly block over ten years is
/// 87,600); past this the request is refused rather than answered from part of the blocks.
pub const EXPANSION_BUDGET: u64 = 250_000;

/// A block's intervals in `range`: itself, or its occurrences when it recurs (in the host's
/// zone). A block that cannot be honoured exactly (a stored rule no longer accepted, or more
/// occurrences than `budget` allows) is an error: never half a block.
pub fn block_occurrences(
    b: &sked_store::Block,
    zone: &TimeZone,
    range: Interval,
    budget: &mut WorkBudget,
) -> AppResult<Vec<Interval>> {
    let Some(text) = b.rrule.as_deref() else {
        let iv = Interval::new(b.start_at, b.end_at);
        return Ok(if iv.overlaps(&range) { vec![iv] } else { vec![] });
    };
    let unusable = |why: String| {
        AppError::BlockUnusable(format!(
            "block {} of host {} cannot be honoured ({why}); change or delete it",
            b.id, b.host_id
        ))
    };
    let rule = RecurrenceRule::parse(text).map_err(unusable)?;
    rule.occurrences(zone, b.start_at, b.end_at, range, budget).map_err(|e| match e {
        ExpandError::OverBudget(_) => AppError::OverBudget(format!(
            "the recurring blocks of host {} repeat too often to check {} days: make them repeat \
             less often, or shorten the range (for event types, max_days_ahead)",
            b.host_id,
            range.len() / DAY
        )),
        ExpandError::Invalid(m) => unusable(m),
    })
}

fn busy_per_host(
    hosts: &[Host],
    event_type: &EventType,
    occupancy: &[Occupancy],
    block_spans: &[Vec<Interval>],
) -> (Vec<BusyTimeline>, Vec<Vec<i64>>) {
    hosts
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let mine = occupancy.iter().filter(|o| o.host_id == h.id);
            let busy = BusyTimeline::from_intervals(
                mine.clone()
                    .map(|o| Interval::new(o.blocked_start, o.blocked_end))
                    .chain(block_spans[i].iter().copied()),
            );
            let booked = mine.filter(|o| o.event_type_id == event_type.id).map(|o| o.start_at).collect();
            (busy, booked)
        })
        .unzip()
}
