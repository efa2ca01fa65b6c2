//! `GET /v1/bookings/{id}/ics`: a booking as an RFC 5545 calendar object, with a stable `UID` and
//! a `SEQUENCE` that grows with each reschedule, so calendar apps update the event in place.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use icalendar::{Calendar, Component, EventStatus};
use sked_core::ids::BookingId;
use sked_core::interval::timestamp;
use sked_store::{Booking, EventType, Host};

use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiPath;
use crate::state::AppState;

/// An instant in iCalendar's UTC form (`20260309T140000Z`).
pub fn ics_time(second: i64) -> String {
    timestamp(second).strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// The calendar object of a booking.
pub fn render(b: &Booking, e: &EventType, host: &Host) -> String {
    let mut event = icalendar::Event::new();
    event
        .uid(&b.uid)
        .sequence(u32::try_from(b.sequence).unwrap_or(0))
        .add_property("DTSTAMP", ics_time(b.updated_at))
        .add_property("DTSTART", ics_time(b.start_at))
        .add_property("DTEND", ics_time(b.end_at))
        .summary(&format!("{} with {}", e.title, host.name))
        .status(if b.status == "cancelled" { EventStatus::Cancelled } else { EventStatus::Confirmed });
    let mut description = format!("Booked by {}", b.attendee_name);
    if let Some(n) = &b.notes {
        description.push_str("\n\n");
        description.push_str(n);
    }
    description.push_str(&format!("\n\nConfirmation code: {}", b.confirmation_code));
    event.description(&description);
    if let Some(loc) = &e.location {
        event.add_property("LOCATION", loc.as_str());
    }
    if let Some(email) = &host.email {
        event.append_property(
            icalendar::Property::new("ORGANIZER", format!("mailto:{email}"))
                .add_parameter("CN", &host.name)
                .done(),
        );
    }
    if let Some(email) = &b.attendee_email {
        event.append_multi_property(
            icalendar::Property::new("ATTENDEE", format!("mailto:{email}"))
                .add_parameter("CN", &b.attendee_name)
                .add_parameter("ROLE", "REQ-PARTICIPANT")
                .done(),
        );
    }
    let mut cal = Calendar::new();
    cal.append_property(("PRODID", "-//Sked//Sked//EN"));
    cal.push(event.done());
    cal.done().to_string()
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
