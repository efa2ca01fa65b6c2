//! Bookings written into hosts' calendars.
//!
//! Every booking event reaches [`WriteBack`], which enqueues a `calendar.push` job when one of
//! the booking's hosts has a connected calendar that receives bookings (or the booking was
//! written before). The job makes the provider agree with the booking as it is now, whatever
//! happened in between: an event in each host's booking calendar while the booking is
//! confirmed (created, or patched when the time moved), and none once it is cancelled or a host
//! left it. Each provider makes a retried insert find its own event (an id Sked chose, a
//! transaction id, a resource name): an outage delays the event, never duplicates or loses it.

use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use sked_app::BookingEvent;
use sked_calendar::ProviderError;
use sked_core::booking::BookingStatus;
use sked_core::ids::{BookingId, HostId, TenantId};
use sked_jobs::{JobError, JobHandler};
use sked_store::{
    Booking, BookingCalendarEvent, BookingFilter, Connection, EventType, Job, Page, REVOKED, StoreError,
};

use super::jobs::{Backfill, Health, Push};
use super::provider::{self, Written};
use super::tokens::Session;
use super::{CalError, job};
use crate::events::EventConsumer;
use crate::state::Services;

/// The title of a booking's event.
pub fn summary(b: &Booking, et: &EventType) -> String {
    format!("{} with {}", et.title, b.attendee_name)
}

/// The description of a booking's event: who booked, how to reach them, the code.
pub fn description(b: &Booking, et: &EventType) -> String {
    let mut lines = vec![
        format!("{} booked through Sked.", et.title),
        String::new(),
        format!("Client: {}", b.attendee_name),
    ];
    if let Some(e) = &b.attendee_email {
        lines.push(format!("Email: {e}"));
    }
    if let Some(p) = &b.attendee_phone {
        lines.push(format!("Phone: {p}"));
    }
    if let Some(tz) = &b.attendee_time_zone {
        lines.push(format!("Client's time zone: {tz}"));
    }
    if let Some(n) = b.notes.as_deref().filter(|n| !n.trim().is_empty()) {
        lines.push(format!("Notes: {n}"));
    }
    lines.push(format!("Confirmation code: {}", b.confirmation_code));
    lines.join("\n")
}

/// The kind of booking-event jobs for calendar write-back.
pub const EVENT_KIND: &str = "booking.event.calendar";

/// Enqueues write-backs for booking events.
#[derive(Debug)]
pub struct WriteBack(pub Arc<Services>);

#[async_trait]
impl EventConsumer for WriteBack {
    fn name(&self) -> &'static str {
        "calendar write-back"
    }

    fn kind(&self) -> &'static str {
        EVENT_KIND
    }

    async fn consume(&self, tenant: Option<TenantId>, event: &BookingEvent) -> Result<(), JobError> {
        let state = &self.0;
        let (Some(tenant), id) = (tenant, event.booking_id) else {
            return Ok(());
        };
        let hosts: Vec<HostId> = event.booking["host_ids"]
            .as_array()
            .map(|a| a.iter().filter_map(|h| h.as_str()?.parse().ok()).collect())
            .unwrap_or_default();
        let retry = |e: StoreError| JobError::Retry(e.to_string());
        // Only pushes write a booking's events, and this consumer queues them: a booking just
        // created has none to look for.
        let mut wanted = event.event != sked_app::bookings::CREATED
            && !state.store.booking_calendar_events(id).await.map_err(retry)?.is_empty();
        for h in hosts {
            if wanted {
                break;
            }
            // Read once for the jobs of a lease: a connection made before the booking is seen.
            let all = state.job_reads.connections(&state.store, tenant, h).await.map_err(retry)?;
            wanted = all.iter().any(|c| receives(c).is_some());
        }
        if wanted {
            let now = state.clock.now_second();
            state.store.enqueue(&job(tenant, &Push { booking_id: id }, now)?).await.map_err(retry)?;
            state.wake_worker.notify_one();
        }
        Ok(())
    }
}

/// A host's connections that receive bookings: `(connection, calendar)`.
async fn receiving(
    state: &Services,
    tenant: TenantId,
    host: HostId,
) -> Result<impl Iterator<Item = (Connection, String)>, StoreError> {
    let all = state.store.list_connections(tenant, Some(host), Page { limit: 100, after: None }).await?;
    Ok(all.into_iter().filter_map(|c| {
        let cal = receives(&c)?.to_owned();
        Some((c, cal))
    }))
}

/// The calendar a connection writes bookings into, if it receives them.
fn receives(c: &Connection) -> Option<&str> {
    (c.provider != "ics" && c.status != REVOKED).then_some(c.booking_calendar_id.as_deref()).flatten()
}

/// Makes the provider agree with one booking.
#[derive(Debug)]
pub struct PushJob(pub Arc<Services>);

/// Pushes of one booking run one at a time in a process (a batch may hold several for the same
/// booking): each reads the booking and what was written, then writes, so two at once could
/// leave an older time or an event of a cancelled booking behind.
static PUSHING: LazyLock<Vec<tokio::sync::Mutex<()>>> =
    LazyLock::new(|| (0..64).map(|_| tokio::sync::Mutex::new(())).collect());

/// Holds off pushes of `booking` in this process while the caller works on it.
pub async fn booking_lock(booking: BookingId) -> tokio::sync::MutexGuard<'static, ()> {
    let stripe = (booking.0.as_u128() % PUSHING.len() as u128) as usize;
    PUSHING[stripe].lock().await
}

#[async_trait]
impl JobHandler<Push> for PushJob {
    async fn run(&self, p: Push, j: &Job) -> Result<(), JobError> {
        let Some(tenant) = j.tenant_id else { return Err(JobError::Permanent("no tenant".into())) };
        let _one_at_a_time = booking_lock(p.booking_id).await;
        if push(&self.0, tenant, p.booking_id).await? {
            super::provider_answers(&self.0, tenant).await;
        }
        Ok(())
    }
}

/// Writes, moves or removes a booking's events so the calendars show the booking as it is.
/// Answers whether the provider was reached (a call of it succeeded).
pub async fn push(state: &Services, tenant: TenantId, id: BookingId) -> Result<bool, CalError> {
    let b = match state.store.booking(tenant, id).await {
        Ok(b) => b,
        Err(StoreError::NotFound) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let et = state.store.event_type(tenant, b.event_type_id).await?;
    let written = state.store.booking_calendar_events(id).await?;
    let mut receivers: Vec<(Connection, String)> = Vec::new();
    for h in b.host_ids.iter() {
        receivers.extend(receiving(state, tenant, *h).await?);
    }
    let confirmed = b.status == BookingStatus::Confirmed;
    let mut failure: Option<CalError> = None;
    let mut reached = false;
    let mut note = |e: CalError| {
        // A revoked connection cannot be written to; the next connection backfills.
        if !matches!(e, CalError::Revoked) && failure.as_ref().is_none_or(|f| !transient(f)) {
            failure = Some(e);
        }
    };
    if !confirmed {
        // An insert whose answer was lost (a timeout) left an event with no record of it: it
        // has the id we gave it, so it is deleted all the same.
        for (c, cal) in &receivers {
            if written.iter().any(|m| m.connection_id == c.id && m.calendar_id == *cal) {
                continue;
            }
            match remove_unrecorded(state, c.clone(), cal, b.id, &et).await {
                Ok(()) => reached = true,
                Err(e) => note(e),
            }
        }
    }
    let targets = if confirmed { receivers } else { Vec::new() };
    for m in written.iter().filter(|m| m.status == "active") {
        if targets.iter().any(|(c, cal)| c.id == m.connection_id && *cal == m.calendar_id) {
            continue;
        }
        match remove(state, m, &et).await {
            Ok(()) => {
                reached = true;
                let gone = BookingCalendarEvent {
                    status: "deleted".into(),
                    updated_at: state.clock.now_second(),
                    ..m.clone()
                };
                state.store.save_booking_calendar_event(&gone).await?;
            }
            Err(e) => note(e),
        }
    }
    for (c, cal) in targets {
        let mine =
            written.iter().find(|m| m.connection_id == c.id && m.status == "active" && m.calendar_id == cal);
        if mine.is_some_and(|m| m.start_at == b.start_at && m.end_at == b.end_at) {
            continue;
        }
        let connection = c.id;
        match upsert(state, c, &cal, &b, &et, mine).await {
            Ok(Written { event_id: event, etag }) => {
                reached = true;
                state
                    .store
                    .save_booking_calendar_event(&BookingCalendarEvent {
                        booking_id: b.id,
                        connection_id: connection,
                        tenant_id: tenant,
                        calendar_id: cal,
                        event_id: event,
                        start_at: b.start_at,
                        end_at: b.end_at,
                        status: "active".into(),
                        updated_at: state.clock.now_second(),
                        etag,
                    })
                    .await?;
            }
            Err(e) => {
                // Refused for good (the calendar turned read-only, say): the connection's
                // health is checked now, so the admin hears of it.
                if matches!(e, CalError::Provider(ref g) if !g.is_transient() && !matches!(g, ProviderError::Unauthorized))
                {
                    let now = state.clock.now_second();
                    state.store.enqueue(&job(tenant, &Health { connection_id: connection }, now)?).await?;
                }
                note(e)
            }
        }
    }
    failure.map_or(Ok(reached), Err)
}

fn transient(e: &CalError) -> bool {
    match e {
        CalError::Provider(g) => g.is_transient(),
        CalError::Store(_) => true,
        _ => false,
    }
}

/// Creates the booking's event (or finds it, after a retry, and brings it up to date), or moves
/// the one written before.
async fn upsert(
    state: &Services,
    c: Connection,
    calendar: &str,
    b: &Booking,
    et: &EventType,
    existing: Option<&BookingCalendarEvent>,
) -> Result<Written, CalError> {
    let p = provider::of(state, &c.provider)?;
    let mut session = Session::new(state, &*p, c)?;
    p.write(&mut session, calendar, provider::BookingEvent { booking: b, event_type: et }, existing).await
}

/// Deletes a booking's event (one already gone counts as deleted).
async fn remove(state: &Services, m: &BookingCalendarEvent, et: &EventType) -> Result<(), CalError> {
    let c = match state.store.find_connection(m.connection_id).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let p = provider::of(state, &c.provider)?;
    let mut session = Session::new(state, &*p, c)?;
    p.remove(&mut session, &m.calendar_id, &m.event_id, m.etag.as_deref(), et).await
}

/// Deletes the event a booking would have in `calendar`, if there is one: by the id Sked chose
/// for it, or else as a sync saw it carrying the booking's id (a create whose answer was lost).
async fn remove_unrecorded(
    state: &Services,
    c: Connection,
    calendar: &str,
    booking: BookingId,
    et: &EventType,
) -> Result<(), CalError> {
    let p = provider::of(state, &c.provider)?;
    let event = match p.chosen_id(calendar, booking) {
        Some(event) => Some(event),
        None => {
            let wanted = booking.to_string();
            let seen = state.store.external_events(c.id, calendar).await?;
            seen.into_iter().find(|r| r.booking_id.as_deref() == Some(wanted.as_str())).map(|r| r.event_id)
        }
    };
    let Some(event) = event else { return Ok(()) };
    let mut session = Session::new(state, &*p, c)?;
    match p.remove(&mut session, calendar, &event, None, et).await {
        Err(CalError::Provider(ProviderError::NotFound | ProviderError::Gone { .. })) => Ok(()),
        other => other,
    }
}

/// Writes a host's upcoming bookings into a newly connected calendar.
#[derive(Debug)]
pub struct BackfillJob(pub Arc<Services>);

#[async_trait]
impl JobHandler<Backfill> for BackfillJob {
    async fn run(&self, p: Backfill, _: &Job) -> Result<(), JobError> {
        let state = &self.0;
        let c = match state.store.find_connection(p.connection_id).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(JobError::Retry(e.to_string())),
        };
        let now = state.clock.now_second();
        let mut filter = BookingFilter {
            from: Some(now),
            host_id: Some(c.host_id),
            status: Some(BookingStatus::Confirmed.as_str().into()),
            limit: 500,
            ..Default::default()
        };
        loop {
            let page = state
                .store
                .list_bookings(c.tenant_id, &filter)
                .await
                .map_err(|e| JobError::Retry(e.to_string()))?;
            for b in &page {
                let push = job(c.tenant_id, &Push { booking_id: b.id }, now)?;
                state.store.enqueue(&push).await.map_err(|e| JobError::Retry(e.to_string()))?;
            }
            match page.last() {
                Some(last) if page.len() as i64 == filter.limit => {
                    filter.after = Some((last.start_at, last.id))
                }
                _ => break,
            }
        }
        state.wake_worker.notify_one();
        Ok(())
    }
}
