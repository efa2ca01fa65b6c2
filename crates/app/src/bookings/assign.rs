//! Which hosts a booking gets, and what to offer when the start cannot be booked.

use jiff::ToSpan;
use sked_core::assign::{Assignment, Choice, HostStats, choose, local_week};
use sked_core::ids::{BookingId, EventTypeId, HostId, TenantId};
use sked_core::local::{date_of, start_of_day};
use sked_core::{EventRules, Interval, Rejection, check_start, nearest};
use sked_store::{Booking, DailyLimit, HostLoad};

use crate::App;
use crate::availability::Snapshot;
use crate::error::{Alternative, AppError, AppResult, Refusal};

/// The index of a host the caller named, which must be an active host of the event type.
pub(super) fn named_host(snap: &Snapshot, host: Option<HostId>) -> AppResult<Option<usize>> {
    match host {
        None if snap.assignment == Assignment::Specific => {
            Err(AppError::field("host_id", "this event type assigns a specific host: name one"))
        }
        None => Ok(None),
        Some(h) => snap
            .host_index(h)
            .map(Some)
            .ok_or_else(|| AppError::field("host_id", "is not an active host of this event type")),
    }
}

/// Checks the start and picks the hosts of the booking, `hosts[0]` the primary. A booking being
/// moved keeps its primary host when that host is free.
pub(super) async fn pick_hosts(
    app: &App,
    snap: &Snapshot,
    now: i64,
    start: i64,
    only: Option<usize>,
    moving: Option<&Booking>,
) -> AppResult<Vec<HostId>> {
    let inputs = snap.inputs();
    let free = match check_start(&snap.rules, &inputs, now, start, only) {
        Ok(free) => free,
        Err(r) => {
            let et = snap.event_type.id;
            let alts =
                alternatives(app, snap.event_type.tenant_id, et, now, start, only, moving.map(|b| b.id));
            return Err(unavailable(&snap.rules, r, alts.await?));
        }
    };
    let ids = |idx: &[u32]| idx.iter().map(|&i| snap.hosts[i as usize].id).collect::<Vec<_>>();
    if snap.rules.collective {
        // Every host takes part; the one named (or the moved booking's) comes first.
        let mut all = ids(&free);
        let first = only.map(|i| snap.hosts[i].id).or_else(|| moving.map(|b| b.host_id));
        if let Some(pos) = first.and_then(|h| all.iter().position(|x| *x == h)) {
            all[..=pos].rotate_right(1);
        }
        return Ok(all);
    }
    if let Some(current) = moving.and_then(|b| b.host_ids.first()).and_then(|h| snap.host_index(*h))
        && free.contains(&(current as u32))
        && only.is_none_or(|o| o == current)
    {
        return Ok(vec![snap.hosts[current].id]);
    }
    if free.len() == 1 {
        return Ok(ids(&free));
    }
    let week = (snap.assignment == Assignment::LeastBusy).then(|| local_week(&snap.default_zone(), start));
    let all: Vec<HostId> = snap.hosts.iter().map(|h| h.id).collect();
    let loads = match (&snap.assigned, week) {
        // Read with the snapshot: no second read on the way to the booking.
        (Some(assigned), None) => HostLoad::of(&all, assigned, &[]),
        _ => app.store.host_loads(snap.event_type.tenant_id, snap.event_type.id, &all, week).await?,
    };
    let stats: Vec<HostStats> = snap
        .hosts
        .iter()
        .zip(&loads)
        .map(|(h, l)| HostStats {
            weight: u32::try_from(h.weight).unwrap_or(0),
            priority: i32::try_from(h.priority).unwrap_or(0),
            assigned: u64::try_from(l.assigned).unwrap_or(0),
            last_assigned_at: l.last_assigned_at,
            week_load: u32::try_from(l.week_load).unwrap_or(u32::MAX),
        })
        .collect();
    match choose(snap.assignment, &free, &stats) {
        Ok(Choice::One(i)) => Ok(vec![snap.hosts[i as usize].id]),
        Ok(Choice::All) => Ok(ids(&free)),
        Err(e) => Err(AppError::Internal(anyhow::anyhow!("assignment failed with free hosts: {e}"))),
    }
}

/// Up to three free starts nearest `start`. They can be far away, so they come from the full
/// (cached) snapshot, without the booking being moved if any.
pub async fn alternatives(
    app: &App,
    tenant: TenantId,
    event_type: EventTypeId,
    now: i64,
    start: i64,
    only: Option<usize>,
    moving: Option<BookingId>,
) -> AppResult<Vec<Alternative>> {
    let full = app.availability.get(tenant, event_type, now).await?;
    app.availability
        .compute(move || {
            let excluded;
            let snap = match moving {
                Some(id) => {
                    excluded = full.without(id);
                    &excluded
                }
                None => &*full,
            };
            let set = nearest(&snap.rules, &snap.inputs(), now, start, 3, only);
            Ok(set
                .iter()
                .map(|s| Alternative {
                    start: s.start,
                    end: s.end,
                    host_ids: s.hosts.iter().map(|&h| snap.hosts[h as usize].id).collect(),
                })
                .collect())
        })
        .await
}

/// The error for a start the engine refused.
fn unavailable(rules: &EventRules, r: Rejection, alternatives: Vec<Alternative>) -> AppError {
    let refusal = match r {
        Rejection::TooSoon { earliest } => {
            Refusal::TooSoon { earliest, notice_minutes: rules.min_notice / 60 }
        }
        Rejection::TooFar { limit } => Refusal::TooFar { limit, days: rules.horizon / 86_400 },
        Rejection::OffGrid { window_start } => {
            Refusal::OffGrid { window_start, every_minutes: rules.interval / 60 }
        }
        Rejection::OutsideHours => Refusal::OutsideHours,
        Rejection::Unavailable => Refusal::Taken,
    };
    let outcome = if refusal.is_taken() { "slot_unavailable" } else { "outside_availability" };
    metrics::counter!("sked_bookings_total", "outcome" => outcome).increment(1);
    AppError::Unavailable { refusal, alternatives }
}

/// The error after every attempt found the start taken.
pub(super) async fn taken(
    app: &App,
    tenant: TenantId,
    et: EventTypeId,
    start: i64,
    host: Option<HostId>,
    moving: Option<BookingId>,
) -> AppError {
    let now = app.clock.now_second();
    let snap = match app.availability.get(tenant, et, now).await {
        Ok(s) => s,
        Err(e) => return e,
    };
    let only = host.and_then(|h| snap.host_index(h));
    match alternatives(app, tenant, et, now, start, only, moving).await {
        Ok(alts) => unavailable(&snap.rules, Rejection::Unavailable, alts),
        Err(e) => e,
    }
}

/// The daily limit to re-check at write time: each host's local day of the start.
pub(super) fn daily_limit(snap: &Snapshot, b: &Booking) -> Option<DailyLimit> {
    let limit = snap.rules.daily_limit?;
    let days = b
        .host_ids
        .iter()
        .filter_map(|h| {
            let tz = snap.host_zone(snap.host_index(*h)?);
            let date = date_of(tz, b.start_at);
            let from = start_of_day(tz, date)?.as_second();
            let to = start_of_day(tz, date.checked_add(1.day()).ok()?)?.as_second();
            Some((*h, Interval::new(from, to)))
        })
        .collect();
    Some(DailyLimit { limit: i64::from(limit), days })
}
