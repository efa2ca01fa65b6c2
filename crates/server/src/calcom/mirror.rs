//! Applies a Cal.com booking change to Sked, through the booking rules every door shares.
//!
//! Each change applies once: a delivery already applied (same trigger, uid and times) changes
//! nothing, and neither does one made before (by its `createdAt`) the newest one applied to the
//! booking, so late and repeated deliveries never move a booking back. A reschedule moves the
//! booking whichever of its uids it names and keeps the new uid known (when the booking was
//! cancelled first, as a host's reschedule request does, the new time is a new booking). A booking Cal.com sold is
//! recorded without the event type's slot rules, but never on time another Sked booking holds:
//! then nothing is written and the outcome is a conflict, answered with its reason (2xx, so
//! Cal.com does not retry what cannot succeed).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;
use sked_app::bookings::{ExternalBooking, cancel, move_by_host, record_external};
use sked_app::{Actor, AppError, Attendee};
use sked_core::booking::{BookingSource, BookingStatus};
use sked_core::contact::Email;
use sked_core::ids::{BookingId, EventTypeId, HostId, TenantId};
use sked_store::{CalcomNote, StoreError};
use utoipa::ToSchema;

use super::ACTOR;
use super::payload::{Delivery, Trigger};
use crate::error::{ApiError, ApiResult};
use crate::state::Services;

/// What a delivery did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CalcomOutcome {
    /// `created`, `rescheduled`, `cancelled` (applied); `unchanged` (applied before, or older
    /// than what was); `ignored` (not for the mirror: an unmapped event type, an unknown
    /// booking, another trigger); `conflict` (the time is taken in Sked: nothing was written).
    #[schema(value_type = CalcomOutcomeName)]
    pub outcome: &'static str,
    /// The Sked booking, when there is one.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub booking_id: Option<BookingId>,
    /// Why, for a person.
    pub detail: String,
}

/// The outcomes of a delivery.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
pub enum CalcomOutcomeName {
    Created,
    Rescheduled,
    Cancelled,
    Unchanged,
    Ignored,
    Conflict,
}

impl CalcomOutcome {
    fn new(outcome: &'static str, booking_id: Option<BookingId>, detail: impl Into<String>) -> Self {
        Self { outcome, booking_id, detail: detail.into() }
    }

    /// Whether something changed or was already so (200), rather than was not done (202).
    pub fn applied(&self) -> bool {
        !matches!(self.outcome, "ignored" | "conflict")
    }
}

fn store(e: StoreError) -> ApiError {
    ApiError::Internal(e.into())
}

/// Applies `d` in `tenant`, whose Cal.com event types map to `map`.
pub async fn apply(
    s: &Services,
    tenant: TenantId,
    map: &BTreeMap<String, EventTypeId>,
    d: &Delivery,
) -> ApiResult<CalcomOutcome> {
    let key = d.key();
    if s.store.calcom_delivery_applied(tenant, &key).await.map_err(store)? {
        return Ok(CalcomOutcome::new("unchanged", None, "this delivery was applied before"));
    }
    let known = s.store.calcom_mirror(tenant, &d.uids()).await.map_err(store)?;
    if let Some(k) = &known
        && k.last_created_at >= d.created_at
    {
        let detail = "a delivery made at the same time or later was applied to this booking";
        return Ok(CalcomOutcome::new("unchanged", k.booking_id, detail));
    }
    let actor = Actor { tenant, name: ACTOR.into() };
    let note = |booking_id: Option<BookingId>| CalcomNote {
        tenant_id: tenant,
        booking_id,
        uids: d.uids().into_iter().map(str::to_owned).collect(),
        created_at: d.created_at,
        delivery: booking_id.map(|_| key.clone()),
        at: s.clock.now_second(),
    };
    let Some(id) = known.and_then(|k| k.booking_id) else {
        if d.trigger == Trigger::Cancelled {
            // Remembered, so the booking's creation arriving late is recognised as older.
            s.store.note_calcom(&note(None)).await.map_err(store)?;
            return Ok(CalcomOutcome::new("ignored", None, "no booking with this uid was mirrored"));
        }
        return create(s, &actor, map, d, &note).await;
    };
    let b = s.store.booking(tenant, id).await.map_err(store)?;
    let outcome = match d.trigger {
        Trigger::Created => CalcomOutcome::new("unchanged", Some(id), "this booking is mirrored already"),
        Trigger::Cancelled if b.status == BookingStatus::Cancelled => {
            CalcomOutcome::new("unchanged", Some(id), "the booking is cancelled already")
        }
        Trigger::Cancelled => {
            cancel(&s.app, &actor, id, d.reason.clone(), None).await?;
            CalcomOutcome::new("cancelled", Some(id), "cancelled as in Cal.com")
        }
        // A host's reschedule request cancels the booking in Cal.com first; the time the
        // attendee then picks is a new booking.
        Trigger::Rescheduled if b.status == BookingStatus::Cancelled => {
            return create(s, &actor, map, d, &note).await;
        }
        Trigger::Rescheduled if (b.start_at, b.end_at) == (d.start, d.end) => {
            CalcomOutcome::new("unchanged", Some(id), "the booking is at these times already")
        }
        Trigger::Rescheduled => {
            match move_by_host(&s.app, &actor, id, d.start, d.end, "rescheduled in Cal.com").await {
                Ok(_) => CalcomOutcome::new("rescheduled", Some(id), "moved as in Cal.com"),
                Err(AppError::Unavailable { .. }) => return Ok(conflict(Some(id), d)),
                Err(AppError::Rejected(why)) => return Ok(CalcomOutcome::new("ignored", Some(id), why)),
                Err(AppError::Invalid(errors)) => return Ok(invalid(Some(id), &errors)),
                Err(e) => return Err(e.into()),
            }
        }
    };
    s.store.note_calcom(&note(Some(id))).await.map_err(store)?;
    Ok(outcome)
}

/// Mirrors a booking Sked does not have yet (a creation, or a reschedule of one never seen).
async fn create(
    s: &Services,
    actor: &Actor,
    map: &BTreeMap<String, EventTypeId>,
    d: &Delivery,
    note: &impl Fn(Option<BookingId>) -> CalcomNote,
) -> ApiResult<CalcomOutcome> {
    let Some(event_type_id) = d.event_type_id.as_ref().and_then(|id| map.get(id)).copied() else {
        let id = d.event_type_id.as_deref().unwrap_or("(none)");
        tracing::warn!(
            calcom_event_type = id,
            "a Cal.com booking of an unmapped event type was not mirrored"
        );
        let detail = format!("Cal.com event type {id} is not mapped to a Sked event type");
        return Ok(CalcomOutcome::new("ignored", None, detail));
    };
    let req = ExternalBooking {
        event_type_id,
        start: d.start,
        end: d.end,
        attendee: Attendee {
            name: d.attendee.name.clone(),
            email: d.attendee.email.as_deref().and_then(|e| Email::parse(e).ok()),
            phone: None,
            time_zone: d
                .attendee
                .time_zone
                .clone()
                .filter(|z| sked_core::local::parse_zone("attendee.time_zone", z).is_ok()),
        },
        notes: d.notes.clone(),
        metadata: json!({ "calcom": d.facts }),
        source: BookingSource::Calcom,
        external_ref: Some(d.uid.clone()),
        preferred_host: organizer(s, actor.tenant, event_type_id, d.organizer_email.as_deref()).await?,
    };
    let w = match record_external(&s.app, actor, &req).await {
        Ok(w) => w,
        Err(AppError::Unavailable { .. }) => return Ok(conflict(None, d)),
        Err(AppError::NotFound(_)) => {
            return Ok(CalcomOutcome::new("ignored", None, "the mapped Sked event type no longer exists"));
        }
        Err(AppError::Rejected(why)) => return Ok(CalcomOutcome::new("ignored", None, why)),
        Err(AppError::Invalid(errors)) => return Ok(invalid(None, &errors)),
        Err(e) => return Err(e.into()),
    };
    let id = w.view.id;
    s.store.note_calcom(&note(Some(id))).await.map_err(store)?;
    // Another process mirrored the same booking meanwhile: its booking is the one the uid names.
    let first = s.store.calcom_mirror(actor.tenant, &[d.uid.as_str()]).await.map_err(store)?;
    if let Some(other) = first.and_then(|m| m.booking_id).filter(|b| *b != id) {
        cancel(&s.app, actor, id, Some("mirrored twice from Cal.com".into()), None).await?;
        return Ok(CalcomOutcome::new("unchanged", Some(other), "this booking is mirrored already"));
    }
    Ok(CalcomOutcome::new("created", Some(id), "mirrored from Cal.com"))
}

/// The event type's host whose address is the Cal.com organizer's, if any.
async fn organizer(
    s: &Services,
    tenant: TenantId,
    event_type: EventTypeId,
    email: Option<&str>,
) -> ApiResult<Option<HostId>> {
    let Some(email) = email.and_then(|e| Email::parse(e).ok()) else { return Ok(None) };
    let e = match s.store.event_type(tenant, event_type).await {
        Ok(e) => e,
        Err(StoreError::NotFound) => return Ok(None),
        Err(err) => return Err(store(err)),
    };
    for id in e.host_ids {
        let h = s.store.host(tenant, id).await.map_err(store)?;
        if h.email.is_some_and(|m| m.eq_ignore_ascii_case(email.as_str())) {
            return Ok(Some(h.id));
        }
    }
    Ok(None)
}

fn conflict(booking: Option<BookingId>, d: &Delivery) -> CalcomOutcome {
    tracing::warn!(uid = %d.uid, trigger = d.trigger.as_str(), "a Cal.com booking's time is taken in Sked; not mirrored");
    metrics::counter!("sked_calcom_conflicts_total").increment(1);
    CalcomOutcome::new(
        "conflict",
        booking,
        "the time is taken in Sked by another booking; nothing was changed",
    )
}

fn invalid(booking: Option<BookingId>, errors: &[sked_core::FieldError]) -> CalcomOutcome {
    let why = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
    CalcomOutcome::new("ignored", booking, format!("the booking cannot be recorded: {why}"))
}
