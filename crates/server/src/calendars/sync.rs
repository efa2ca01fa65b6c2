//! Keeping a local copy of a calendar's busy time, and following our own events back.
//!
//! The same for every provider: a sync asks the provider for the calendar's events, everything
//! the first time (a full sync), then only what changed since the last token (incremental); a
//! stale token starts a clean full sync. Every event is kept ([`StoredEvent`]); each series touched (a recurring event with
//! its exceptions, or a single event) has its busy time recomputed from all of its kept parts and
//! replaced, with the new sync token, in one transaction that also bumps the host's version, so
//! cached availability refreshes. A sync that raced another one for the same calendar loses on
//! the token and simply runs again.
//!
//! Events Sked wrote for bookings are not busy time (the booking already occupies the host).
//! When the host moved or deleted one in their calendar, the booking follows: rescheduled (the
//! host's calendar decides the host's time, so slot rules do not apply, but another booking's
//! time is never taken) or cancelled, with the provider's name as history actor and the usual
//! booking events (see `follow.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use jiff::tz::TimeZone;
use sked_calendar::ProviderError;
use sked_calendar::busy::{StoredEvent, series_busy};
use sked_core::Interval;
use sked_core::ids::ConnectionId;
use sked_core::interval::DAY;
use sked_jobs::{JobError, JobHandler};
use sked_store::{Connection, ConnectionCalendar, ExternalEventRow, Job, StoreError, SyncWrite};

use super::follow::{Followed, follow};
use super::jobs::Sync;
use super::provider;
use super::tokens::Session;
use super::{CalError, EXPAND_DAYS};
use crate::state::Services;

/// Syncs one calendar.
#[derive(Debug)]
pub struct SyncJob(pub Arc<Services>);

#[async_trait]
impl JobHandler<Sync> for SyncJob {
    async fn run(&self, p: Sync, j: &Job) -> Result<(), JobError> {
        let state = &self.0;
        match sync(state, p.connection_id, &p.calendar_id, p.full).await {
            Ok(report) => {
                if report.recovered {
                    super::provider_answers(
                        state,
                        j.tenant_id.ok_or_else(|| JobError::Permanent("no tenant".into()))?,
                    )
                    .await;
                }
                Ok(())
            }
            // Disconnected, no longer busy, or revoked (already recorded): nothing to do.
            Err(CalError::Store(StoreError::NotFound) | CalError::Revoked) => Ok(()),
            Err(CalError::Provider(ProviderError::NotFound)) => {
                // The calendar is gone from the account (deleted on the server): recorded for
                // the admin, polled again later; the health check says the same.
                let why = "the calendar is gone from the account; choose another one or disconnect";
                let _ = state.store.set_calendar_error(p.connection_id, &p.calendar_id, Some(why)).await;
                Ok(())
            }
            Err(CalError::Store(StoreError::Stale)) => {
                Err(JobError::RetryAfter(1, "another sync of this calendar finished first".into()))
            }
            Err(e) => {
                let _ = state
                    .store
                    .set_calendar_error(p.connection_id, &p.calendar_id, Some(&e.to_string()))
                    .await;
                Err(e.into())
            }
        }
    }
}

/// What one sync did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// It listed everything (first sync, forced, or after a stale token).
    pub full: bool,
    /// Pages fetched.
    pub pages: usize,
    /// Events received.
    pub events: usize,
    /// Series whose busy time was recomputed.
    pub series: usize,
    /// Bookings moved because the host moved their event.
    pub moved: usize,
    /// Bookings cancelled because the host deleted their event.
    pub cancelled: usize,
    /// The calendar's last sync had failed: the provider answers again.
    pub recovered: bool,
}

/// Syncs one calendar of a connection (busy, or receiving bookings).
pub async fn sync(
    state: &Services,
    id: ConnectionId,
    calendar: &str,
    full: bool,
) -> Result<SyncReport, CalError> {
    let c = state.store.find_connection(id).await?;
    let cal = state
        .store
        .connection_calendars(id)
        .await?
        .into_iter()
        .find(|k| k.calendar_id == calendar && k.synced(c.booking_calendar_id.as_deref()))
        .ok_or(CalError::Store(StoreError::NotFound))?;
    let p = provider::of(state, &c.provider)?;
    let zone = zone_of(state, &c, &cal).await?;
    let mut session = Session::new(state, &*p, c)?;
    let mut report = SyncReport {
        full: full || cal.sync_token.is_none(),
        recovered: cal.last_error.is_some(),
        ..Default::default()
    };
    let whole_series;
    let (events, token) = loop {
        let from = if report.full { None } else { cal.sync_token.as_deref() };
        match p.changes(&mut session, calendar, from, &zone).await {
            Err(CalError::Provider(ProviderError::Gone { .. })) if !report.full => {
                tracing::info!(connection = %id, calendar, "sync token expired; syncing in full");
                report.full = true;
            }
            Ok(changes) => {
                report.pages += changes.pages;
                // A whole new listing replaces what is stored, as a full sync does.
                report.full |= changes.complete;
                whole_series = changes.whole_series;
                break (changes.events, changes.token);
            }
            Err(e) => return Err(e),
        }
    };
    // Events Sked wrote, known by their id even where the provider keeps no booking id on them.
    let written: BTreeMap<String, String> = state
        .store
        .written_events(id, calendar)
        .await?
        .into_iter()
        .map(|m| (m.event_id, m.booking_id.to_string()))
        .collect();
    let events: Vec<StoredEvent> = events
        .into_iter()
        .map(|mut s| {
            if s.booking_id.is_none() {
                s.booking_id = written.get(&s.id).cloned();
            }
            s
        })
        .collect();
    report.events = events.len();
    let now = state.clock.now_second();
    let expand_until = now + EXPAND_DAYS * DAY;
    // Recurring events are expanded ahead of time; when the window has slid far enough, every
    // series is expanded again from the events kept.
    let re_expand = !report.full && cal.expanded_until.is_none_or(|u| u < expand_until - 30 * DAY);
    let mut changes: BTreeMap<String, Option<StoredEvent>> = BTreeMap::new();
    let mut touched: BTreeSet<String> = BTreeSet::new();
    // Series deleted as a whole: their exceptions go with them.
    let mut dropped: BTreeSet<String> = BTreeSet::new();
    for s in &events {
        touched.insert(s.series_id.clone());
        if s.cancelled && s.is_master() {
            dropped.insert(s.series_id.clone());
        }
        changes.insert(s.id.clone(), relevant(s, &zone, now).then(|| s.clone()));
    }
    // Every kept part of each touched series, with this sync's changes laid over them.
    let mut parts: BTreeMap<String, StoredEvent> = BTreeMap::new();
    if !report.full {
        let kept = if re_expand {
            state.store.external_events(id, calendar).await?
        } else {
            state.store.external_series(id, calendar, &touched.iter().cloned().collect::<Vec<_>>()).await?
        };
        for row in kept {
            if let Ok(s) = serde_json::from_str::<StoredEvent>(&row.data) {
                parts.insert(s.id.clone(), s);
            }
        }
        if re_expand {
            touched.extend(parts.values().map(|s| s.series_id.clone()));
        }
    }
    // Our own events, found by the booking id they carry, by the one kept from before, or
    // (deleted ones may come as bare ids) by the id we gave them.
    let ours: Vec<(&StoredEvent, String)> = events
        .iter()
        .filter_map(|e| {
            let id = e
                .booking_id
                .clone()
                .or_else(|| parts.get(&e.id)?.booking_id.clone())
                .or_else(|| p.booking_of(&e.id).map(|b| b.to_string()))?;
            Some((e, id))
        })
        .collect();
    if whole_series {
        // A changed series came whole: its stored parts that did not come are gone.
        let received: BTreeSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
        let came: BTreeSet<&str> = events.iter().map(|e| e.series_id.as_str()).collect();
        let stale: Vec<String> = parts
            .values()
            .filter(|s| came.contains(s.series_id.as_str()) && !received.contains(s.id.as_str()))
            .map(|s| s.id.clone())
            .collect();
        for id in stale {
            changes.insert(id, None);
        }
    }
    for (event_id, change) in &changes {
        match change {
            Some(s) => {
                parts.insert(event_id.clone(), s.clone());
            }
            None => {
                parts.remove(event_id);
            }
        }
    }
    parts.retain(|event_id, s| {
        let keep = !dropped.contains(&s.series_id);
        if !keep {
            changes.insert(event_id.clone(), None);
        }
        keep
    });
    let mut by_series: BTreeMap<&str, Vec<StoredEvent>> = BTreeMap::new();
    for s in parts.values() {
        by_series.entry(s.series_id.as_str()).or_default().push(s.clone());
    }
    let horizon = Interval::new(now - DAY, expand_until);
    // A calendar synced only because it receives bookings keeps its events (ours among them)
    // but blocks no time.
    let busy: Vec<(String, Vec<Interval>)> = if !cal.busy {
        Vec::new()
    } else {
        touched
            .iter()
            .map(|series| {
                let spans =
                    by_series.get(series.as_str()).map_or_else(Vec::new, |p| series_busy(p, &zone, horizon));
                (series.clone(), spans)
            })
            // A full sync starts from nothing, so only series with busy time are written.
            .filter(|(_, spans)| !report.full || !spans.is_empty())
            .collect()
    };
    report.series = busy.len();
    let mut upsert = Vec::new();
    let mut delete = Vec::new();
    for (event_id, change) in changes {
        match change {
            Some(s) => upsert.push(ExternalEventRow {
                connection_id: id,
                calendar_id: calendar.to_owned(),
                event_id,
                series_id: s.series_id.clone(),
                booking_id: s.booking_id.clone(),
                data: serde_json::to_string(&s).unwrap_or_default(),
            }),
            None if !report.full => delete.push(event_id),
            None => {}
        }
    }
    // The host's changes to our events are followed before the sync token moves on: one that
    // fails (the database, say) fails the sync, which runs again from the same token. Following
    // is idempotent, so changes already followed are not followed twice.
    for (e, booking) in ours {
        match follow(&mut session, &*p, calendar, e, &booking, &zone).await {
            Ok(Followed::Moved) => report.moved += 1,
            Ok(Followed::Cancelled) => report.cancelled += 1,
            Ok(Followed::Nothing) => {}
            Err(err @ CalError::Booking(_)) => {
                // Refused for good by the booking's own rules: recorded, never retried.
                tracing::warn!(event = %e.id, error = %err, "could not follow a change to a booking's event")
            }
            Err(err) => return Err(err),
        }
    }
    state
        .store
        .apply_sync(&SyncWrite {
            connection_id: id,
            calendar_id: calendar.to_owned(),
            expected_token: cal.sync_token.clone(),
            new_token: token,
            full: report.full,
            upsert,
            delete,
            busy,
            synced_at: now,
            expanded_until: (report.full || re_expand).then_some(expand_until),
        })
        .await?;
    Ok(report)
}

/// The zone all-day events and zone-less recurrences are read in: the calendar's, else the
/// host's.
async fn zone_of(state: &Services, c: &Connection, cal: &ConnectionCalendar) -> Result<TimeZone, CalError> {
    if let Some(tz) = cal.time_zone.as_deref().and_then(|z| sked_core::local::parse_zone("", z).ok()) {
        return Ok(tz);
    }
    let host = state.store.host(c.tenant_id, c.host_id).await?;
    Ok(host.time_zone.tz().clone())
}

/// Whether an event is worth keeping: exceptions of a series always (a cancelled one removes an
/// occurrence), a series or single event unless it is deleted or ended more than a day ago
/// without repeating.
fn relevant(s: &StoredEvent, zone: &TimeZone, now: i64) -> bool {
    if !s.is_master() {
        return true;
    }
    if s.cancelled {
        return false;
    }
    !s.recurrence.is_empty() || s.end.and_then(|e| e.instant(zone)).is_none_or(|end| end > now - DAY)
}
