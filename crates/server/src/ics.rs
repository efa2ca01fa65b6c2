//! `GET /v1/bookings/{id}/ics`: a booking as an RFC 5545 calendar object, with a stable `UID` and
//! a `SEQUENCE` that grows with each reschedule, so calendar apps update the event in place. The object
//! itself is written by `sked-ics`.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sked_core::ids::BookingId;
use sked_store::{Booking, EventType, Host};

use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiPath;
use crate::state::AppState;

/// The calendar object of a booking.
pub fn render(b: &Booking, e: &EventType, host: &Host) -> String {
    sked_ics::render(&invite(b, e, host))
}

/// What the calendar object of a booking says (also each event of a host's feed, so both carry
/// the same `UID`).
pub fn invite<'a>(b: &'a Booking, e: &'a EventType, host: &'a Host) -> sked_ics::Invite<'a> {
    sked_ics::Invite {
        uid: &b.uid,
        sequence: u32::try_from(b.sequence).unwrap_or(0),
        stamp: b.updated_at,
        start: b.start_at,
        end: b.end_at,
        cancelled: b.status == sked_core::booking::BookingStatus::Cancelled,
        title: &e.title,
        location: e.location.as_deref(),
        host_name: &host.name,
        host_email: host.email.as_deref(),
        attendee_name: &b.attendee_name,
        attendee_email: b.attendee_email.as_deref(),
        attendee_phone: None,
        notes: b.notes.as_deref(),
        confirmation_code: &b.confirmation_code,
        imip: None,
    }
}

/// A booking as an iCalendar file.
#[utoipa::path(get, path = "/v1/bookings/{id}/ics", tag = "bookings", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn booking_ics(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<BookingId>,
) -> ApiResult<Response> {
    let b = state.store.booking(auth.tenant, id).await.map_err(|e| ApiError::store("booking", e))?;
    let e = state
        .store
        .event_type(auth.tenant, b.event_type_id)
        .await
        .map_err(|e| ApiError::store("event type", e))?;
    let host = state.store.host(auth.tenant, b.host_id).await.map_err(|e| ApiError::store("host", e))?;
    let body = render(&b, &e, &host);
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}.ics\"", b.confirmation_code)),
        ],
        body,
    )
        .into_response())
}
