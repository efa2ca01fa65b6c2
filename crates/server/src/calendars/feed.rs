//! Subscribed ICS feeds (a calendar's secret address, a team's holiday list) as read-only busy
//! sources behind the provider seam.
//!
//! A feed's address is often its only secret, so it is kept sealed (as a CalDAV password is)
//! and the connection shows only its host. A sync is a conditional `GET` (`If-None-Match`,
//! `If-Modified-Since`): unchanged, it costs one round trip; changed, the whole feed is read
//! again and replaces what was stored. Sked writes nothing into a feed.

use async_trait::async_trait;
use jiff::tz::TimeZone;
use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use sked_calendar::ProviderError;
use sked_calendar::busy::StoredEvent;
use sked_ics::{Naming, ReadOptions};
use sked_store::{BookingCalendarEvent, EventType};

use super::CalError;
use super::provider::{AccountCalendar, BookingEvent, Changes, Provider, Written};
use super::tokens::Session;

/// The one calendar of a feed connection.
pub const CALENDAR: &str = "feed";

/// A feed, fetched with the server's feed client.
#[derive(Debug)]
pub struct Feed<'a> {
    pub http: &'a reqwest::Client,
}

/// What a feed answered.
#[derive(Debug)]
pub enum Fetched {
    /// Unchanged since the validators given.
    Unchanged,
    /// Its text, with the validators to send next time (`etag` or `Last-Modified`).
    Text { body: String, validator: Option<String> },
}

/// A `GET` of a feed (`webcal:` read as `https:`), conditional on `validator`, its answer
/// bounded to what the reader takes.
pub async fn fetch(
    http: &reqwest::Client,
    url: &str,
    validator: Option<&str>,
) -> Result<Fetched, ProviderError> {
    let url = match url.strip_prefix("webcal://") {
        Some(rest) => format!("https://{rest}"),
        None => url.to_owned(),
    };
    let mut req = http.get(&url).header(reqwest::header::ACCEPT, "text/calendar, */*;q=0.5");
    match validator {
        Some(v) if v.starts_with("etag:") => req = req.header(IF_NONE_MATCH, &v[5..]),
        Some(v) if v.starts_with("lm:") => req = req.header(IF_MODIFIED_SINCE, &v[3..]),
        _ => {}
    }
    let mut resp = req.send().await.map_err(|e| ProviderError::Transport(without_url(&e)))?;
    let status = resp.status();
    if status == StatusCode::NOT_MODIFIED && validator.is_some() {
        return Ok(Fetched::Unchanged);
    }
    if !status.is_success() {
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()?.trim().parse().ok());
        return Err(match status.as_u16() {
            401 | 403 => ProviderError::InvalidGrant(format!("the feed answered {status}")),
            404 | 410 => ProviderError::NotFound,
            429 => ProviderError::RateLimited { reason: "429".into(), retry_after },
            500..=599 => {
                ProviderError::Unavailable { status: status.as_u16(), message: String::new(), retry_after }
            }
            s => ProviderError::Refused {
                status: s,
                reason: "feed".into(),
                message: format!("the feed answered {status}"),
            },
        });
    }
    let header = |name| {
        resp.headers()
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let validator = header(ETAG)
        .map(|e| format!("etag:{e}"))
        .or_else(|| header(LAST_MODIFIED).map(|l| format!("lm:{l}")));
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| ProviderError::Transport(without_url(&e)))? {
        if body.len() + chunk.len() > sked_ics::read::MAX_TEXT_BYTES {
            return Err(ProviderError::Refused {
                status: status.as_u16(),
                reason: "too_large".into(),
                message: format!("the feed is larger than {} bytes", sked_ics::read::MAX_TEXT_BYTES),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched::Text { body: String::from_utf8_lossy(&body).into_owned(), validator })
}

/// A transport error without the URL in it: a feed's address is its secret.
fn without_url(e: &reqwest::Error) -> String {
    let mut e = e.to_string();
    if let Some(cut) = e.find(" for url (") {
        e.truncate(cut);
    }
    e
}

/// The feed's events.
pub fn read(body: &str, zone: &TimeZone) -> Result<Vec<StoredEvent>, ProviderError> {
    let options = ReadOptions { calendar_zone: zone, owner: &[] };
    sked_ics::read_events(body, Naming::Feed(CALENDAR), &options).map(|r| r.events).map_err(|e| {
        ProviderError::Refused { status: 200, reason: "not_calendar".into(), message: e.to_string() }
    })
}

fn read_only() -> CalError {
    CalError::Provider(ProviderError::Refused {
        status: 0,
        reason: "read_only".into(),
        message: "a subscribed feed is read-only".into(),
    })
}

#[async_trait]
impl Provider for Feed<'_> {
    fn name(&self) -> &'static str {
        "ics"
    }

    fn label(&self) -> &'static str {
        "the subscribed calendar"
    }

    async fn calendars(&self, s: &mut Session<'_>) -> Result<Vec<AccountCalendar>, CalError> {
        let url = s.token(false).await?;
        fetch(self.http, &url, None).await?;
        Ok(vec![AccountCalendar {
            id: CALENDAR.into(),
            summary: s.conn.account.clone(),
            time_zone: None,
            primary: true,
            writable: false,
        }])
    }

    async fn changes(
        &self,
        s: &mut Session<'_>,
        _calendar: &str,
        token: Option<&str>,
        zone: &TimeZone,
    ) -> Result<Changes, CalError> {
        let url = s.token(false).await?;
        let out = Changes { pages: 1, whole_series: true, complete: true, ..Changes::default() };
        match fetch(self.http, &url, token).await? {
            Fetched::Unchanged => Ok(Changes { complete: false, token: token.map(str::to_owned), ..out }),
            Fetched::Text { body, validator } => {
                // Without validators, every poll reads it again; a constant token still tells
                // the engine a sync happened.
                let token = Some(validator.unwrap_or_else(|| "read".into()));
                Ok(Changes { events: read(&body, zone)?, token, ..out })
            }
        }
    }

    async fn event(
        &self,
        _s: &mut Session<'_>,
        _calendar: &str,
        _id: &str,
        _zone: &TimeZone,
    ) -> Result<Option<StoredEvent>, CalError> {
        // Sked writes no events into a feed, so none is ever followed.
        Ok(None)
    }

    async fn write(
        &self,
        _s: &mut Session<'_>,
        _calendar: &str,
        _e: BookingEvent<'_>,
        _existing: Option<&BookingCalendarEvent>,
    ) -> Result<Written, CalError> {
        Err(read_only())
    }

    async fn remove(
        &self,
        _s: &mut Session<'_>,
        _calendar: &str,
        _event: &str,
        _etag: Option<&str>,
        _event_type: &EventType,
    ) -> Result<(), CalError> {
        Err(read_only())
    }
}
