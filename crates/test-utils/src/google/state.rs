//! What the stand-in remembers: accounts and their calendars and events, OAuth codes and tokens,
//! push channels and their queued notifications, issued sync and page tokens, and the failure
//! switches. One `Mutex<State>` guards it all; no lock is held across an `.await`.

use std::collections::HashMap;

use jiff::Timestamp;
use serde_json::Value;

use super::times::millis;

/// Everything, behind the stand-in's one lock.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// The account that consents at the next authorization.
    pub consenting: String,
    /// The next authorization is refused by the user (`error=access_denied`).
    pub deny_next: bool,
    /// Scopes (by their ending) the user unticks on the next consent screen.
    pub withhold_next: Vec<String>,
    pub accounts: Vec<Account>,
    pub calendars: Vec<Calendar>,
    pub codes: HashMap<String, AuthCode>,
    /// Refresh token → grant.
    pub grants: HashMap<String, Grant>,
    /// Access token → what it allows.
    pub access: HashMap<String, Access>,
    pub channels: Vec<Channel>,
    pub outbox: Vec<Notice>,
    pub requests: Vec<(String, String)>,
    pub down: bool,
    /// While set, every call is carried out at once and answered only this much later.
    pub slow: Option<std::time::Duration>,
    /// API calls still to refuse with 429, and the `Retry-After` they carry.
    pub rate_limited: usize,
    pub retry_after: u64,
    pub page_size: Option<usize>,
    /// Seconds new grants last (time-limited access), if limited.
    pub grant_lifetime: Option<i64>,
    /// Change counter over all calendars; events remember the value of their last change.
    pub seq: u64,
    pub sync_tokens: HashMap<String, SyncPoint>,
    pub cursors: HashMap<String, Cursor>,
}

/// A Google account.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub email: String,
    /// The stable numeric user id (`sub`).
    pub sub: String,
    /// Scopes granted to the client so far (for `include_granted_scopes`).
    pub granted: Vec<String>,
    /// The user has consented to the client before (refresh tokens then need `prompt=consent`).
    pub consented: bool,
}

/// A calendar and its events, deleted ones included.
#[derive(Debug, Clone)]
pub(crate) struct Calendar {
    pub id: String,
    pub owner: String,
    pub summary: String,
    pub time_zone: String,
    pub primary: bool,
    /// The push `resourceId`, stable per calendar.
    pub resource_id: String,
    pub events: Vec<Stored>,
    /// The account may only read it (`accessRole: reader`): event writes are refused.
    pub read_only: bool,
}

/// An event as stored: the full resource, the change that last touched it, and whether it was
/// deleted (deleted events are listed as short `cancelled` stubs).
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub id: String,
    pub json: Value,
    pub changed: u64,
    pub deleted: bool,
}

/// A one-time authorization code.
#[derive(Debug, Clone)]
pub(crate) struct AuthCode {
    pub account: String,
    pub redirect_uri: String,
    /// `(code_challenge, is_s256)`.
    pub challenge: Option<(String, bool)>,
    pub scopes: Vec<String>,
    pub issued: Timestamp,
    pub used: bool,
    /// Whether the exchange hands out a refresh token.
    pub refresh: bool,
}

/// What a refresh token stands for.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub account: String,
    pub scopes: Vec<String>,
    pub revoked: bool,
    /// When time-limited access ends (the user granted access for a while).
    pub expires: Option<Timestamp>,
}

/// What an access token stands for.
#[derive(Debug, Clone)]
pub(crate) struct Access {
    pub account: String,
    pub scopes: Vec<String>,
    pub expires: Timestamp,
    /// The refresh token it came with or from.
    pub grant: Option<String>,
}

/// A push channel on a calendar's events.
#[derive(Debug, Clone)]
pub(crate) struct Channel {
    pub id: String,
    pub resource_id: String,
    pub resource_uri: String,
    pub token: Option<String>,
    pub address: String,
    pub expiration_ms: i64,
    pub calendar_id: String,
    pub account: String,
    /// Message numbers handed out so far.
    pub numbered: u64,
    pub stopped: bool,
}

impl Channel {
    /// Not stopped and not expired at `now`.
    pub(crate) fn live(&self, now: Timestamp) -> bool {
        !self.stopped && self.expiration_ms > millis(now)
    }
}

/// A notification waiting for `deliver_push`.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    pub channel_id: String,
    pub number: u64,
    pub state: &'static str,
}

/// Where a sync token points: a calendar at a change counter value.
#[derive(Debug, Clone)]
pub(crate) struct SyncPoint {
    pub calendar_id: String,
    pub seq: u64,
}

/// The rest of a paged listing, snapshotted at its first page.
#[derive(Debug, Clone)]
pub(crate) struct Cursor {
    /// The calendar (or `calendarList:{email}`) it lists.
    pub scope: String,
    pub items: Vec<Value>,
    /// The `nextSyncToken` of the last page.
    pub sync_token: Option<String>,
}

impl State {
    /// The account with `email`, created (with its primary calendar) if missing.
    pub(crate) fn ensure_account(&mut self, email: &str) {
        if self.accounts.iter().any(|a| a.email == email) {
            return;
        }
        let sub = format!("1{:020}", rand::random::<u64>());
        self.accounts.push(Account { email: email.to_owned(), sub, granted: Vec::new(), consented: false });
        if self.calendar(email).is_none() {
            self.add_calendar(email, email, email, "UTC", true);
        }
    }

    /// Adds a calendar to `owner` (replacing name and zone if it exists).
    pub(crate) fn add_calendar(
        &mut self,
        owner: &str,
        id: &str,
        summary: &str,
        time_zone: &str,
        primary: bool,
    ) {
        if let Some(c) = self.calendars.iter_mut().find(|c| c.id == id) {
            c.summary = summary.to_owned();
            c.time_zone = time_zone.to_owned();
            return;
        }
        self.calendars.push(Calendar {
            id: id.to_owned(),
            owner: owner.to_owned(),
            summary: summary.to_owned(),
            time_zone: time_zone.to_owned(),
            primary,
            resource_id: super::shape::random_token(27, super::shape::RESOURCE_ALPHABET),
            events: Vec::new(),
            read_only: false,
        });
    }

    pub(crate) fn account(&self, email: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.email == email)
    }

    pub(crate) fn calendar(&self, id: &str) -> Option<&Calendar> {
        self.calendars.iter().find(|c| c.id == id)
    }

    pub(crate) fn calendar_mut(&mut self, id: &str) -> Option<&mut Calendar> {
        self.calendars.iter_mut().find(|c| c.id == id)
    }

    /// The id of `account`'s calendar `id` (`primary` names its primary calendar); `None` when
    /// the account cannot see it, which Google answers 404.
    pub(crate) fn resolve(&self, account: &str, id: &str) -> Option<String> {
        self.calendars
            .iter()
            .find(|c| c.owner == account && if id == "primary" { c.primary } else { c.id == id })
            .map(|c| c.id.clone())
    }

    /// Records a change to event `event_id` of calendar `calendar_id`: advances the change
    /// counter and queues an `exists` notification on each live channel of the calendar.
    pub(crate) fn touch(&mut self, calendar_id: &str, event_id: &str, now: Timestamp) {
        self.seq += 1;
        let seq = self.seq;
        if let Some(ev) =
            self.calendar_mut(calendar_id).and_then(|c| c.events.iter_mut().find(|e| e.id == event_id))
        {
            ev.changed = seq;
        }
        self.notify(calendar_id, now);
    }

    /// Queues an `exists` notification on every live channel of the calendar.
    pub(crate) fn notify(&mut self, calendar_id: &str, now: Timestamp) {
        let mut queued = Vec::new();
        for ch in self.channels.iter_mut().filter(|c| c.calendar_id == calendar_id && c.live(now)) {
            ch.numbered += 1;
            queued.push(Notice { channel_id: ch.id.clone(), number: ch.numbered, state: "exists" });
        }
        self.outbox.extend(queued);
    }

    /// Issues a sync token for `calendar_id` as of change `seq`.
    pub(crate) fn issue_sync_token(&mut self, calendar_id: &str, seq: u64) -> String {
        let token = super::shape::sync_token();
        self.sync_tokens.insert(token.clone(), SyncPoint { calendar_id: calendar_id.to_owned(), seq });
        token
    }
}
