//! The seam between the calendar engine and each provider's protocol.
//!
//! The engine (sync, write-back, following the host's changes, health, push channels,
//! disconnecting) is written once against [`Provider`]; each provider module (`google`,
//! `microsoft`, `caldav`, `ics`) implements it with its own client. Calls go through a
//! [`Session`], which holds the connection's credentials and refreshes them (or records the
//! connection revoked) whatever the provider.

use async_trait::async_trait;
use jiff::tz::TimeZone;
use sked_calendar::Tokens;
use sked_calendar::busy::StoredEvent;
use sked_core::ids::BookingId;
use sked_store::{Booking, BookingCalendarEvent, EventType};

use super::tokens::Session;
use super::{CalError, google, microsoft};
use crate::state::Services;

/// One calendar of an account, as the provider lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountCalendar {
    /// The provider's id of the calendar (a CalDAV collection's URL, a feed's URL).
    pub id: String,
    pub summary: String,
    /// Its IANA zone, when the provider says.
    pub time_zone: Option<String>,
    /// The account's main calendar.
    pub primary: bool,
    /// Sked may write bookings into it.
    pub writable: bool,
}

/// What one sync round received from a calendar.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    /// Events changed since the token (every event when there was none). A deleted event is
    /// one with `cancelled` set (a deleted master drops its whole series).
    pub events: Vec<StoredEvent>,
    /// Where the next round continues (`None`: the next round lists everything).
    pub token: Option<String>,
    /// Requests made.
    pub pages: usize,
    /// Each changed series comes whole (a CalDAV resource, a feed): stored parts of it that
    /// are not among the events are gone.
    pub whole_series: bool,
    /// The events are the whole calendar (a feed downloaded again): what is stored and did
    /// not come is gone.
    pub complete: bool,
}

/// A booking as written into a host's calendar.
#[derive(Clone, Copy, Debug)]
pub struct BookingEvent<'a> {
    pub booking: &'a Booking,
    pub event_type: &'a EventType,
}

/// An event Sked wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub event_id: String,
    /// The provider's version of it, when updates must name it.
    pub etag: Option<String>,
}

/// A push channel (or subscription) the provider opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Channel {
    pub id: String,
    /// What the provider calls the watched resource.
    pub resource_id: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// One provider's protocol, as the engine uses it.
#[async_trait]
pub trait Provider: Send + Sync {
    /// Its name in connections and history (`google`, ...).
    fn name(&self) -> &'static str;

    /// How people call it ("Google Calendar"), for history and messages.
    fn label(&self) -> &'static str;

    /// Gets new credentials with a refresh token. Providers without one (a password, a public
    /// feed) answer that the grant is gone.
    async fn refresh(&self, _refresh_token: &str) -> sked_calendar::ProviderResult<Tokens> {
        Err(sked_calendar::ProviderError::InvalidGrant("the server refused the credentials".into()))
    }

    /// The account's calendars now.
    async fn calendars(&self, s: &mut Session<'_>) -> Result<Vec<AccountCalendar>, CalError>;

    /// Events of a calendar changed since `token`, or all of them without one; wall times
    /// without a zone are read in `zone`. A token the provider no longer knows ends in
    /// [`ProviderError::Gone`](sked_calendar::ProviderError).
    async fn changes(
        &self,
        s: &mut Session<'_>,
        calendar: &str,
        token: Option<&str>,
        zone: &TimeZone,
    ) -> Result<Changes, CalError>;

    /// One event as the provider has it now (`None`: deleted).
    async fn event(
        &self,
        s: &mut Session<'_>,
        calendar: &str,
        id: &str,
        zone: &TimeZone,
    ) -> Result<Option<StoredEvent>, CalError>;

    /// Writes a booking's event: creates it, or moves the one written before (`existing`).
    /// A create retried after a lost answer must find its own event, not make a second.
    async fn write(
        &self,
        s: &mut Session<'_>,
        calendar: &str,
        e: BookingEvent<'_>,
        existing: Option<&BookingCalendarEvent>,
    ) -> Result<Written, CalError>;

    /// Deletes an event Sked wrote (one already gone counts as deleted).
    async fn remove(
        &self,
        s: &mut Session<'_>,
        calendar: &str,
        event: &str,
        etag: Option<&str>,
        event_type: &EventType,
    ) -> Result<(), CalError>;

    /// The id a booking's event gets before the provider answers, when Sked chooses it: an
    /// insert whose answer was lost can then be found and deleted.
    fn chosen_id(&self, _calendar: &str, _booking: BookingId) -> Option<String> {
        None
    }

    /// The booking an event id chosen by Sked stands for ([`chosen_id`](Self::chosen_id)).
    fn booking_of(&self, _event: &str) -> Option<BookingId> {
        None
    }

    /// Opens a push channel on a calendar: notifications go to `address` carrying `token`.
    /// `None` when the provider has none (the calendar is polled).
    async fn watch(
        &self,
        _s: &mut Session<'_>,
        _calendar: &str,
        _channel_id: &str,
        _token: &str,
    ) -> Result<Option<Channel>, CalError> {
        Ok(None)
    }

    /// Stops a push channel (one the provider no longer knows counts as stopped).
    async fn unwatch(&self, _access: &str, _channel: &str, _resource: &str) -> Result<(), CalError> {
        Ok(())
    }

    /// Gives a grant back when a host disconnects (nothing, where there is no grant).
    async fn revoke(&self, _refresh_token: &str) -> Result<(), CalError> {
        Ok(())
    }
}

/// The provider of a connection (by its `provider` name).
pub fn of<'a>(state: &'a Services, name: &str) -> Result<Box<dyn Provider + 'a>, CalError> {
    match name {
        "google" => {
            Ok(Box::new(super::google::GoogleCalendar { g: google(state)?, base_url: &state.base_url }))
        }
        "microsoft" => {
            Ok(Box::new(super::microsoft::Outlook { client: microsoft(state)?, base_url: &state.base_url }))
        }
        "caldav" => Ok(Box::new(super::caldav::CalDavCalendar { client: &state.caldav })),
        "ics" => Ok(Box::new(super::feed::Feed { http: &state.feeds })),
        other => Err(CalError::NotConfigured(format!("the calendar provider {other:?}"))),
    }
}
