//! CalDAV servers (iCloud, Fastmail, Nextcloud, Radicale, ...) behind the provider seam.
//!
//! A connection keeps the calendar home's URL, the user name and the sealed app password. A
//! sync asks `sync-collection` (RFC 6578) for what changed since its token and reads the changed
//! resources with `calendar-multiget`; a resource removed is a series deleted. Servers without
//! `sync-collection` are polled by their `getctag`: when it moves, the whole calendar is read
//! again (a full sync). Each resource holds one series whole, so a changed resource replaces
//! every stored part of its series. Recurrences are expanded here (`series_busy`), which works
//! whatever the server offers.
//!
//! Our events are resources named after the booking (`sked-<booking id>.ics`): created with
//! `If-None-Match: *` (a retried create finds its own resource), updated and deleted with
//! `If-Match` on the ETag last written.

use async_trait::async_trait;
use jiff::tz::TimeZone;
use sked_caldav::{Account, CalDav, ProviderError, Resource};
use sked_calendar::busy::StoredEvent;
use sked_core::Interval;
use sked_core::ids::BookingId;
use sked_core::interval::DAY;
use sked_ics::{Naming, ReadOptions};
use sked_store::{BookingCalendarEvent, EventType};

use super::provider::{AccountCalendar, BookingEvent, Changes, Provider, Written};
use super::tokens::Session;
use super::{CalError, EXPAND_DAYS};

/// Token prefix of a `sync-collection` token.
const SYNC: &str = "sync:";
/// Token prefix of a `getctag` value (servers without `sync-collection`).
const CTAG: &str = "ctag:";
/// Most `sync-collection` rounds one sync follows (a server truncating forever is a loop).
const MAX_ROUNDS: usize = 50;

/// A CalDAV server.
#[derive(Debug)]
pub struct CalDavCalendar<'a> {
    pub client: &'a CalDav,
}

/// The account a session works for: the home it was connected with, its user, its password.
fn account(s: &Session<'_>, password: String) -> Result<Account, CalError> {
    let home = s.conn.server_url.as_deref().unwrap_or_default();
    let user = s.conn.username.clone().unwrap_or_default();
    Ok(Account::new(home, user, password)?)
}

/// The resource name of a booking's event in `calendar`.
fn href(calendar: &str, booking: BookingId) -> String {
    let base = calendar.trim_end_matches('/');
    format!("{base}/sked-{}.ics", booking.0)
}

/// The booking a resource name of ours stands for.
fn booking_of_href(href: &str) -> Option<BookingId> {
    let name = href.rsplit('/').next()?;
    let id = name.strip_prefix("sked-")?.strip_suffix(".ics")?;
    uuid::Uuid::try_parse(id).ok().map(BookingId)
}

/// The calendar object Sked stores for a booking.
fn object(e: BookingEvent<'_>) -> String {
    let b = e.booking;
    sked_ics::render_stored(
        &sked_ics::Invite {
            // Not the UID of the emailed invitation: a host who accepts that one into the
            // same calendar must not collide with ours.
            uid: &format!("sked-{}", b.id),
            sequence: u32::try_from(b.sequence).unwrap_or(0),
            stamp: b.updated_at,
            start: b.start_at,
            end: b.end_at,
            cancelled: false,
            title: &e.event_type.title,
            location: e.event_type.location.as_deref(),
            // The host's own calendar names the client: "Consultation with Pat".
            host_name: &b.attendee_name,
            host_email: None,
            attendee_name: &b.attendee_name,
            attendee_email: b.attendee_email.as_deref(),
            attendee_phone: b.attendee_phone.as_deref(),
            notes: b.notes.as_deref(),
            confirmation_code: &b.confirmation_code,
            imip: None,
        },
        &b.id.to_string(),
    )
}

/// The events of some resources; unreadable ones are skipped with a warning.
fn read(resources: &[Resource], zone: &TimeZone, owner: &[String]) -> Vec<StoredEvent> {
    let options = ReadOptions { calendar_zone: zone, owner };
    let mut out = Vec::new();
    for r in resources {
        match sked_ics::read_events(&r.data, Naming::Resource(&r.href), &options) {
            Ok(read) => out.extend(read.events),
            Err(e) => tracing::warn!(href = %r.href, error = %e, "calendar object not read"),
        }
    }
    out
}

/// A resource that is gone: its series deleted.
fn removed(href: &str) -> StoredEvent {
    StoredEvent {
        id: href.to_owned(),
        series_id: href.to_owned(),
        cancelled: true,
        blocks: false,
        start: None,
        end: None,
        time_zone: None,
        recurrence: Vec::new(),
        original_start: None,
        booking_id: None,
    }
}

impl CalDavCalendar<'_> {
    /// The whole calendar and where to continue: a `sync-collection` token where the server
    /// has them, else its `getctag` (and then only events that touch `window`, by
    /// `calendar-query`; recurring ones come whole and are expanded here).
    async fn everything(
        &self,
        a: &Account,
        calendar: &str,
        (zone, window): (&TimeZone, Interval),
        owner: &[String],
        out: &mut Changes,
    ) -> Result<(), CalError> {
        match self.client.sync_collection(a, calendar, None).await {
            Ok(page) => {
                out.pages += 1;
                let hrefs: Vec<String> = page.changed.iter().map(|c| c.href.clone()).collect();
                let got = self.client.multiget(a, calendar, &hrefs).await?;
                out.events.extend(read(&got, zone, owner));
                if page.truncated {
                    return self.since(a, calendar, &page.token, zone, owner, out).await;
                }
                out.token = Some(format!("{SYNC}{}", page.token));
            }
            Err(ProviderError::Refused { .. } | ProviderError::NotFound) => {
                // No sync-collection here: the whole calendar, and its ctag to poll.
                let ctag = self.client.ctag(a, calendar).await?;
                let got = self.client.calendar_query(a, calendar, Some(window), false).await?;
                out.pages += 2;
                out.events.extend(read(&got, zone, owner));
                out.token = ctag.map(|c| format!("{CTAG}{c}"));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// What changed since a `sync-collection` token.
    async fn since(
        &self,
        a: &Account,
        calendar: &str,
        token: &str,
        zone: &TimeZone,
        owner: &[String],
        out: &mut Changes,
    ) -> Result<(), CalError> {
        let mut token = token.to_owned();
        for _ in 0..MAX_ROUNDS {
            let page = self.client.sync_collection(a, calendar, Some(&token)).await?;
            out.pages += 1;
            out.events.extend(page.removed.iter().map(|h| removed(h)));
            let hrefs: Vec<String> = page.changed.iter().map(|c| c.href.clone()).collect();
            if !hrefs.is_empty() {
                let got = self.client.multiget(a, calendar, &hrefs).await?;
                // Listed as changed but gone by the time it was read: removed.
                for h in hrefs.iter().filter(|h| !got.iter().any(|r| &r.href == *h)) {
                    out.events.push(removed(h));
                }
                out.events.extend(read(&got, zone, owner));
            }
            token = page.token;
            if !page.truncated {
                break;
            }
        }
        out.token = Some(format!("{SYNC}{token}"));
        Ok(())
    }
}

#[async_trait]
impl Provider for CalDavCalendar<'_> {
    fn name(&self) -> &'static str {
        "caldav"
    }

    fn label(&self) -> &'static str {
        "the CalDAV calendar"
    }

    async fn calendars(&self, s: &mut Session<'_>) -> Result<Vec<AccountCalendar>, CalError> {
        let password = s.token(false).await?;
        let a = account(s, password)?;
        let home = a.base_url.to_string();
        let found = match self.client.calendars(&a, &home).await {
            Err(ProviderError::Unauthorized) => return Err(refused(s).await),
            other => other?,
        };
        Ok(found.into_iter().enumerate().map(|(i, k)| calendar(i, k)).collect())
    }

    async fn changes(
        &self,
        s: &mut Session<'_>,
        calendar: &str,
        token: Option<&str>,
        zone: &TimeZone,
    ) -> Result<Changes, CalError> {
        let password = s.token(false).await?;
        let a = account(s, password)?;
        let owner = owner(s);
        let mut out = Changes { whole_series: true, ..Changes::default() };
        let done = match token {
            None => {
                let now = s.state().clock.now_second();
                let window = Interval::new(now - DAY, now + EXPAND_DAYS * DAY);
                self.everything(&a, calendar, (zone, window), &owner, &mut out).await
            }
            Some(t) if t.starts_with(SYNC) => {
                self.since(&a, calendar, &t[SYNC.len()..], zone, &owner, &mut out).await
            }
            Some(t) => {
                let now = self.client.ctag(&a, calendar).await.map_err(CalError::from)?;
                out.pages += 1;
                if now.as_deref().is_some_and(|c| t.strip_prefix(CTAG) == Some(c)) {
                    out.token = Some(t.to_owned());
                    Ok(())
                } else {
                    // Something changed, and only a full read says what.
                    Err(ProviderError::Gone { reason: "ctag changed".into() }.into())
                }
            }
        };
        match done {
            Err(CalError::Provider(ProviderError::Unauthorized)) => Err(refused(s).await),
            Err(e) => Err(e),
            Ok(()) => Ok(out),
        }
    }

    async fn event(
        &self,
        s: &mut Session<'_>,
        _calendar: &str,
        id: &str,
        zone: &TimeZone,
    ) -> Result<Option<StoredEvent>, CalError> {
        let password = s.token(false).await?;
        let a = account(s, password)?;
        match self.client.get(&a, id).await {
            Ok(r) => Ok(read(std::slice::from_ref(&r), zone, &owner(s)).into_iter().find(|e| e.is_master())),
            Err(ProviderError::NotFound | ProviderError::Gone { .. }) => Ok(None),
            Err(ProviderError::Unauthorized) => Err(refused(s).await),
            Err(e) => Err(e.into()),
        }
    }

    async fn write(
        &self,
        s: &mut Session<'_>,
        calendar: &str,
        e: BookingEvent<'_>,
        existing: Option<&BookingCalendarEvent>,
    ) -> Result<Written, CalError> {
        let password = s.token(false).await?;
        let a = account(s, password)?;
        let body = object(e);
        let c = self.client;
        let target = existing.map_or_else(|| href(calendar, e.booking.id), |m| m.event_id.clone());
        let update = |etag: String| {
            let (a, target, body) = (&a, &target, &body);
            async move { c.put_update(a, target, body, &etag).await }
        };
        let written = match existing.and_then(|m| m.etag.clone()) {
            Some(etag) => match update(etag).await {
                // The host changed it since: their version is replaced by the booking's.
                Err(ProviderError::Changed) => match c.get(&a, &target).await {
                    Ok(now) => update(now.etag.unwrap_or_default()).await,
                    Err(ProviderError::NotFound) => c.put_new(&a, &target, &body).await,
                    Err(e) => Err(e),
                },
                Err(ProviderError::NotFound) => c.put_new(&a, &target, &body).await,
                other => other,
            },
            None => match c.put_new(&a, &target, &body).await {
                // Made by an earlier attempt whose answer was lost: brought up to date.
                Err(ProviderError::Duplicate) => {
                    let now = c.get(&a, &target).await?;
                    update(now.etag.unwrap_or_default()).await
                }
                other => other,
            },
        };
        let etag = match written {
            Ok(Some(etag)) => Some(etag),
            // The server stored it but gave no ETag (it reformatted the object): ask.
            Ok(None) => c.get(&a, &target).await?.etag,
            Err(ProviderError::Unauthorized) => return Err(refused(s).await),
            Err(e) => return Err(e.into()),
        };
        Ok(Written { event_id: target, etag })
    }

    async fn remove(
        &self,
        s: &mut Session<'_>,
        _calendar: &str,
        event: &str,
        etag: Option<&str>,
        _event_type: &EventType,
    ) -> Result<(), CalError> {
        let password = s.token(false).await?;
        let a = account(s, password)?;
        match self.client.delete(&a, event, etag).await {
            // Changed by the host since: it goes all the same, the booking is over.
            Err(ProviderError::Changed) => {
                self.client.delete(&a, event, None).await.map(drop).map_err(Into::into)
            }
            Err(ProviderError::Unauthorized) => Err(refused(s).await),
            other => other.map(drop).map_err(Into::into),
        }
    }

    fn chosen_id(&self, calendar: &str, booking: BookingId) -> Option<String> {
        Some(href(calendar, booking))
    }

    fn booking_of(&self, event: &str) -> Option<BookingId> {
        booking_of_href(event)
    }
}

/// The account's addresses as attendees of its own events.
fn owner(s: &Session<'_>) -> Vec<String> {
    [Some(&s.conn.account), s.conn.username.as_ref()]
        .into_iter()
        .flatten()
        .filter(|a| a.contains('@'))
        .cloned()
        .collect()
}

/// A password refused: the connection is revoked until the host connects again.
async fn refused(s: &mut Session<'_>) -> CalError {
    s.revoked("caldav_auth_failed: the server refused the user name or app password").await
}

/// One discovered calendar as the engine keeps it (the first is the main one).
pub fn calendar(i: usize, k: sked_caldav::CalendarInfo) -> AccountCalendar {
    let fallback = k.url.trim_end_matches('/').rsplit('/').next().unwrap_or("calendar").to_owned();
    AccountCalendar {
        summary: k.name.filter(|n| !n.trim().is_empty()).unwrap_or(fallback),
        id: k.url,
        time_zone: k.time_zone,
        primary: i == 0,
        writable: k.writable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_resource_names_carry_the_booking() {
        let id = BookingId::new();
        let h = href("https://dav.example.com/cal/work/", id);
        assert_eq!(h, format!("https://dav.example.com/cal/work/sked-{}.ics", id.0));
        assert_eq!(booking_of_href(&h), Some(id));
        assert_eq!(booking_of_href("https://dav.example.com/cal/work/meeting.ics"), None);
    }
}
