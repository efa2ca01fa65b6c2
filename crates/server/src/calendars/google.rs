//! Google Calendar behind the provider seam: events listed unexpanded with sync tokens, our
//! events written with ids Sked chooses (so a retried insert finds its own event), push
//! channels, and the grant revoked on disconnect.

use async_trait::async_trait;
use serde_json::{Value, json};
use sked_calendar::busy::StoredEvent;
use sked_calendar::{ProviderResult, Tokens};
use sked_core::ids::BookingId;
use sked_core::notify::SendUpdates;
use sked_google::events::BOOKING_PROPERTY;
use sked_google::{Google, GoogleError, ListEvents};
use sked_store::{Booking, BookingCalendarEvent, EventType};

use super::CalError;
use super::provider::{AccountCalendar, BookingEvent, Changes, Channel, Provider, Written};
use super::tokens::Session;
use crate::time::rfc3339;

/// Where Google posts notifications.
pub const WEBHOOK: &str = "/webhooks/google";
/// Events per page asked of Google.
const PAGE: u32 = 2_500;

/// Google Calendar, through one OAuth application.
#[derive(Debug)]
pub struct GoogleCalendar<'a> {
    pub g: &'a Google,
    /// This server's public URL (push channels post to it).
    pub base_url: &'a str,
}

/// The provider's event id for a booking: base32hex (`a-v`, `0-9`), so a client-chosen id.
pub fn event_id(booking: BookingId) -> String {
    format!("sked{}", booking.0.simple())
}

/// The booking an event id of ours stands for ([`event_id`]).
pub fn booking_of_event(event: &str) -> Option<BookingId> {
    let hex = event.strip_prefix("sked")?;
    if hex.len() != 32 {
        return None;
    }
    uuid::Uuid::try_parse(hex).ok().map(BookingId)
}

/// Google's `sendUpdates` for an event type's `send_updates`.
fn send_updates(et: &EventType) -> &'static str {
    match et.send_updates {
        SendUpdates::All => "all",
        SendUpdates::ExternalOnly => "externalOnly",
        SendUpdates::None => "none",
    }
}

/// The event Sked writes for a booking.
pub fn event_body(b: &Booking, et: &EventType) -> Value {
    let attendees: Vec<Value> =
        b.attendee_email.iter().map(|e| json!({ "email": e, "displayName": b.attendee_name })).collect();
    let mut body = json!({
        "summary": super::writeback::summary(b, et),
        "description": super::writeback::description(b, et),
        "start": { "dateTime": rfc3339(b.start_at) },
        "end": { "dateTime": rfc3339(b.end_at) },
        "status": "confirmed",
        "attendees": attendees,
        "extendedProperties": { "private": { BOOKING_PROPERTY: b.id.to_string(), "sked_tenant_id": b.tenant_id.to_string() } },
        "reminders": { "useDefault": true },
    });
    if let Some(l) = &et.location {
        body["location"] = json!(l);
    }
    body
}

#[async_trait]
impl Provider for GoogleCalendar<'_> {
    fn name(&self) -> &'static str {
        "google"
    }

    fn label(&self) -> &'static str {
        "Google Calendar"
    }

    async fn refresh(&self, refresh_token: &str) -> ProviderResult<Tokens> {
        self.g.refresh(refresh_token).await
    }

    async fn calendars(&self, s: &mut Session<'_>) -> Result<Vec<AccountCalendar>, CalError> {
        let g = self.g;
        let list = s.call(|t| async move { g.calendar_list(&t).await }).await?;
        Ok(list
            .into_iter()
            .map(|k| AccountCalendar {
                writable: k.writable(),
                id: k.id,
                summary: k.summary,
                time_zone: k.time_zone,
                primary: k.primary,
            })
            .collect())
    }

    async fn changes(
        &self,
        s: &mut Session<'_>,
        calendar: &str,
        sync_token: Option<&str>,
        _zone: &jiff::tz::TimeZone,
    ) -> Result<Changes, CalError> {
        let g = self.g;
        let mut out = Changes::default();
        let mut page: Option<String> = None;
        loop {
            // Deleted events too, in full syncs as well: one of ours deleted while the sync
            // token was lost still cancels its booking.
            let q = ListEvents {
                sync_token,
                page_token: page.as_deref(),
                max_results: Some(PAGE),
                show_deleted: true,
                ..Default::default()
            };
            let q = &q;
            let p = s.call(|t| async move { g.list_events(&t, calendar, q).await }).await?;
            out.pages += 1;
            out.events.extend(p.items.iter().map(sked_google::events::Event::stored));
            match p.next_page_token {
                Some(next) => page = Some(next),
                None => {
                    out.token = p.next_sync_token;
                    out.whole_series = false;
                    return Ok(out);
                }
            }
        }
    }

    async fn event(
        &self,
        s: &mut Session<'_>,
        calendar: &str,
        id: &str,
        _zone: &jiff::tz::TimeZone,
    ) -> Result<Option<StoredEvent>, CalError> {
        let g = self.g;
        match s.call(|t| async move { g.get_event(&t, calendar, id).await }).await {
            Ok(e) => Ok(Some(e.stored())),
            Err(CalError::Provider(GoogleError::NotFound | GoogleError::Gone { .. })) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn write(
        &self,
        s: &mut Session<'_>,
        calendar: &str,
        e: BookingEvent<'_>,
        existing: Option<&BookingCalendarEvent>,
    ) -> Result<Written, CalError> {
        let g = self.g;
        let body = event_body(e.booking, e.event_type);
        let su = send_updates(e.event_type);
        let body = &body;
        if let Some(m) = existing {
            // Only the time moved: what the host changed in the event since (attendees they
            // added, notes in the description) stays.
            let moved = json!({ "start": body["start"], "end": body["end"], "status": "confirmed" });
            let (moved, event) = (&moved, m.event_id.as_str());
            match s.call(|t| async move { g.patch_event(&t, calendar, event, moved, su).await }).await {
                Ok(_) => return Ok(Written { event_id: m.event_id.clone(), etag: None }),
                // Deleted for good in the provider: write it again.
                Err(CalError::Provider(GoogleError::NotFound)) => {}
                Err(e) => return Err(e),
            }
        }
        let id = event_id(e.booking.id);
        let mut with_id = body.clone();
        with_id["id"] = json!(id);
        let with_id = &with_id;
        match s.call(|t| async move { g.insert_event(&t, calendar, with_id, su).await }).await {
            Ok(made) => Ok(Written { event_id: made.id, etag: None }),
            // Written by an earlier attempt whose answer was lost: bring it up to date.
            Err(CalError::Provider(GoogleError::Duplicate)) => {
                let event = id.as_str();
                s.call(|t| async move { g.patch_event(&t, calendar, event, body, su).await }).await?;
                Ok(Written { event_id: id, etag: None })
            }
            Err(e) => Err(e),
        }
    }

    async fn remove(
        &self,
        s: &mut Session<'_>,
        calendar: &str,
        event: &str,
        _etag: Option<&str>,
        et: &EventType,
    ) -> Result<(), CalError> {
        let (g, su) = (self.g, send_updates(et));
        s.call(|t| async move { g.delete_event(&t, calendar, event, su).await }).await?;
        Ok(())
    }

    fn chosen_id(&self, _calendar: &str, booking: BookingId) -> Option<String> {
        Some(event_id(booking))
    }

    fn booking_of(&self, event: &str) -> Option<BookingId> {
        booking_of_event(event)
    }

    async fn watch(
        &self,
        s: &mut Session<'_>,
        calendar: &str,
        channel_id: &str,
        token: &str,
    ) -> Result<Option<Channel>, CalError> {
        let g = self.g;
        let address = format!("{}{WEBHOOK}", self.base_url);
        let addr = address.as_str();
        let made =
            s.call(|t| async move { g.watch(&t, calendar, channel_id, addr, token, None).await }).await?;
        Ok(Some(Channel {
            id: made.id,
            resource_id: made.resource_id,
            // Google caps the expiry (a week for calendars); without one, assume a day.
            expires_at: made.expiration.map_or(0, |ms| ms / 1_000),
        }))
    }

    async fn unwatch(&self, access: &str, channel: &str, resource: &str) -> Result<(), CalError> {
        Ok(self.g.stop_channel(access, channel, resource).await?)
    }

    async fn revoke(&self, refresh_token: &str) -> Result<(), CalError> {
        self.g.revoke(refresh_token).await?;
        tracing::info!("Google grant revoked");
        Ok(())
    }
}
