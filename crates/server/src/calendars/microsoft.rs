//! Microsoft 365 and Outlook.com calendars (Microsoft Graph) behind the provider seam.
//!
//! Busy time comes from `calendarView/delta` over a window from a day ago to the expansion
//! horizon: Graph expands recurring series into their occurrences itself, so every item is a
//! single event. The stored token is the window's end and Graph's `deltaLink`; once the window
//! has slid a month, the next sync starts a fresh round (a full sync) so new occurrences come
//! into view. Our events carry a `transactionId` derived from the booking, so a create retried
//! after a lost answer returns the event the first attempt made. Change notifications come
//! through subscriptions (`POST /webhooks/microsoft`).

use async_trait::async_trait;
use jiff::Timestamp;
use sked_calendar::busy::StoredEvent;
use sked_calendar::{ProviderError, ProviderResult, Tokens};
use sked_core::interval::DAY;
use sked_microsoft::events::transaction_id;
use sked_microsoft::{
    Attendee, DeltaStart, EventPatch, MAX_EVENT_SUBSCRIPTION_MINUTES, Microsoft, NewEvent, NewSubscription,
    events_resource,
};
use sked_store::{BookingCalendarEvent, EventType};

use super::provider::{AccountCalendar, BookingEvent, Changes, Channel, Provider, Written};
use super::tokens::Session;
use super::{CalError, EXPAND_DAYS};

/// Where Graph posts change and lifecycle notifications.
pub const WEBHOOK: &str = "/webhooks/microsoft";
/// A delta window is renewed once its end is this much closer than the horizon.
const WINDOW_SLACK: i64 = 30 * DAY;

/// Microsoft Graph, through one app registration.
#[derive(Debug)]
pub struct Outlook<'a> {
    pub client: &'a Microsoft,
    /// This server's public URL (subscriptions post to it).
    pub base_url: &'a str,
}

fn instant(secs: i64) -> Result<Timestamp, CalError> {
    Timestamp::from_second(secs).map_err(|e| CalError::Provider(ProviderError::Transport(e.to_string())))
}

/// `"<window end> <deltaLink>"`.
fn token(window_end: i64, link: &str) -> String {
    format!("{window_end} {link}")
}

fn parse_token(t: &str) -> Option<(i64, &str)> {
    let (end, link) = t.split_once(' ')?;
    Some((end.parse().ok()?, link))
}

#[async_trait]
impl Provider for Outlook<'_> {
    fn name(&self) -> &'static str {
        "microsoft"
    }

    fn label(&self) -> &'static str {
        "Outlook"
    }

    async fn refresh(&self, refresh_token: &str) -> ProviderResult<Tokens> {
        let t = self.client.refresh(refresh_token).await?;
        Ok(Tokens {
            access_token: t.access_token,
            expires_in: t.expires_in.map_or(3_600, |s| i64::try_from(s).unwrap_or(3_600)),
            refresh_token: t.refresh_token,
            refresh_token_expires_in: None,
            scope: t.scope,
        })
    }

    async fn calendars(&self, s: &mut Session<'_>) -> Result<Vec<AccountCalendar>, CalError> {
        let m = self.client;
        let list = s.call(|t| async move { m.calendars(&t).await }).await?;
        Ok(list
            .into_iter()
            .map(|k| AccountCalendar {
                id: k.id,
                summary: k.name,
                time_zone: None,
                primary: k.is_default,
                writable: k.can_edit,
            })
            .collect())
    }

    async fn changes(
        &self,
        s: &mut Session<'_>,
        calendar: &str,
        from: Option<&str>,
        _zone: &jiff::tz::TimeZone,
    ) -> Result<Changes, CalError> {
        let m = self.client;
        let now = s.state().clock.now_second();
        let horizon = now + EXPAND_DAYS * DAY;
        let (end, start) = match from.map(parse_token) {
            // The window slid far enough: a fresh round brings new occurrences into view.
            Some(Some((end, _))) if end < horizon - WINDOW_SLACK => {
                return Err(ProviderError::Gone { reason: "window".into() }.into());
            }
            Some(Some((end, link))) => (end, DeltaStart::Link(link)),
            Some(None) => return Err(ProviderError::Gone { reason: "unreadable token".into() }.into()),
            None => (horizon, DeltaStart::Fresh { start: instant(now - DAY)?, end: instant(horizon)? }),
        };
        let round = s.call(|t| async move { m.calendar_view_delta_round(&t, calendar, start).await }).await?;
        Ok(Changes {
            events: round.events.iter().map(sked_microsoft::events::Event::stored).collect(),
            token: Some(token(end, &round.delta_link)),
            pages: round.pages,
            whole_series: false,
            complete: false,
        })
    }

    async fn event(
        &self,
        s: &mut Session<'_>,
        _calendar: &str,
        id: &str,
        _zone: &jiff::tz::TimeZone,
    ) -> Result<Option<StoredEvent>, CalError> {
        let m = self.client;
        match s.call(|t| async move { m.get_event(&t, id).await }).await {
            Ok(e) if e.is_gone() => Ok(None),
            Ok(e) => Ok(Some(e.stored())),
            Err(CalError::Provider(ProviderError::NotFound | ProviderError::Gone { .. })) => Ok(None),
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
        let m = self.client;
        let b = e.booking;
        let (start, end) = (instant(b.start_at)?, instant(b.end_at)?);
        if let Some(w) = existing {
            // Only the time moved: what the host changed in the event since stays.
            let patch = EventPatch { start: Some(start), end: Some(end), ..Default::default() };
            let (patch, id) = (&patch, w.event_id.as_str());
            match s.call(|t| async move { m.update_event(&t, id, patch).await }).await {
                Ok(_) => return Ok(Written { event_id: w.event_id.clone(), etag: None }),
                // Deleted in Outlook: written again, as a new event.
                Err(CalError::Provider(ProviderError::NotFound | ProviderError::Gone { .. })) => {}
                Err(e) => return Err(e),
            }
        }
        // A new event after one the host deleted needs a new transaction id; retries of the
        // same write keep theirs (the record they start from does not change).
        let generation = existing.map_or(0, |w| u32::try_from(w.updated_at.rem_euclid(1 << 30)).unwrap_or(1));
        let new = NewEvent {
            subject: super::writeback::summary(b, e.event_type),
            body: super::writeback::description(b, e.event_type),
            start,
            end,
            location: e.event_type.location.clone(),
            attendee: b
                .attendee_email
                .as_ref()
                .map(|email| Attendee { email: email.clone(), name: Some(b.attendee_name.clone()) }),
            booking_id: b.id.to_string(),
            transaction_id: transaction_id(&b.id.to_string(), generation),
        };
        let new = &new;
        let made = s.call(|t| async move { m.create_event(&t, calendar, new).await }).await?;
        Ok(Written { event_id: made.id, etag: None })
    }

    async fn remove(
        &self,
        s: &mut Session<'_>,
        _calendar: &str,
        event: &str,
        _etag: Option<&str>,
        _event_type: &EventType,
    ) -> Result<(), CalError> {
        let m = self.client;
        s.call(|t| async move { m.delete_event(&t, event).await }).await?;
        Ok(())
    }

    async fn watch(
        &self,
        s: &mut Session<'_>,
        calendar: &str,
        _channel_id: &str,
        token: &str,
    ) -> Result<Option<Channel>, CalError> {
        let m = self.client;
        let now = s.state().clock.now_second();
        let url = format!("{}{WEBHOOK}", self.base_url);
        let resource = events_resource(Some(calendar));
        let expiration = instant(now + (MAX_EVENT_SUBSCRIPTION_MINUTES - 60) * 60)?;
        let ask = NewSubscription {
            notification_url: &url,
            lifecycle_url: Some(&url),
            resource: &resource,
            expiration,
            client_state: token,
        };
        let ask = &ask;
        let made = s.call(|t| async move { m.create_subscription(&t, ask).await }).await?;
        Ok(Some(Channel {
            id: made.id,
            resource_id: made.resource.unwrap_or(resource),
            expires_at: made.expiration.as_second(),
        }))
    }

    async fn unwatch(&self, access: &str, channel: &str, _resource: &str) -> Result<(), CalError> {
        Ok(self.client.delete_subscription(access, channel).await?)
    }
}
