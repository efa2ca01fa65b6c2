//! What the stand-in remembers: accounts, their calendars and events, OAuth codes and tokens,
//! delta and skip tokens, subscriptions and their queued notifications, and the failure
//! switches. One `Mutex<State>` guards it all; no lock is held across an `.await`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::{Map, Value};

use super::shape::random_id;

/// Everything, behind the stand-in's one lock.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// The account that consents at the next authorization.
    pub consenting: String,
    /// The next authorization is refused by the user (`error=access_denied`).
    pub deny_next: bool,
    pub accounts: Vec<Account>,
    pub calendars: Vec<Calendar>,
    pub codes: HashMap<String, AuthCode>,
    /// Refresh token → grant.
    pub grants: HashMap<String, Grant>,
    /// Access token → what it allows.
    pub access: HashMap<String, Access>,
    /// Refresh answers carry a new refresh token (Microsoft's usual behaviour).
    pub rotate_refresh: bool,
    pub subscriptions: Vec<Subscription>,
    /// Change notifications waiting for `deliver_notifications`.
    pub outbox: Vec<(String, Value)>,
    pub requests: Vec<(String, String)>,
    pub down: bool,
    /// While set, every call is carried out at once and answered only this much later.
    pub slow: Option<std::time::Duration>,
    /// Graph calls still to refuse with 429, and the `Retry-After` they carry.
    pub rate_limited: usize,
    pub retry_after: u64,
    /// Graph calls still to refuse with 503, and their `Retry-After`.
    pub unavailable: usize,
    pub unavailable_retry_after: Option<u64>,
    /// Graph calls still to carry out but answer 504 `UnknownError` (the answer lost).
    pub lost_answers: usize,
    /// Most items on any page, whatever the client prefers.
    pub page_size: Option<usize>,
    /// Change counter over all calendars; events remember the value of their last change.
    pub seq: u64,
    pub delta_tokens: HashMap<String, Arc<DeltaPoint>>,
    pub skip_tokens: HashMap<String, Skip>,
    /// Tokens made stale on purpose, and how Graph answers them.
    pub expired_tokens: HashMap<String, DeltaExpiry>,
    /// `(account, transactionId)` → event id, for idempotent creates.
    pub transactions: HashMap<(String, String), String>,
    /// How long a notification URL has to answer the validation request.
    pub validation_timeout: Duration,
    /// Longest subscription granted, in minutes, when shorter than Graph's own cap.
    pub subscription_cap_minutes: Option<i64>,
}

/// How a stale delta token is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeltaExpiry {
    /// 410 Gone (`resyncRequired`), as after mailbox maintenance.
    Gone,
    /// 400 `syncStateNotFound`, as when the sync state fell out of Graph's cache.
    SyncStateNotFound,
}

/// A Microsoft account.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    /// Graph's user id (a GUID).
    pub id: String,
    /// The sign-in name (`userPrincipalName`).
    pub upn: String,
    /// The mailbox address, if the account has one of its own.
    pub mail: Option<String>,
    pub display_name: String,
}

/// A calendar and its events.
#[derive(Debug, Clone)]
pub(crate) struct Calendar {
    pub id: String,
    /// The owning account's upn.
    pub owner: String,
    pub name: String,
    pub is_default: bool,
    pub can_edit: bool,
    pub change_key: String,
    pub events: Vec<Stored>,
}

/// The span of an event: instants, or (all day) dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Span {
    Timed(Timestamp, Timestamp),
    AllDay(Date, Date),
}

/// An event as stored: the client's fields, its span, and what the server keeps about it.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub id: String,
    /// Fields as given (`subject`, `body`, `showAs`, `recurrence`, `transactionId`, ...), without
    /// `start`/`end`, which `span` holds.
    pub fields: Map<String, Value>,
    pub span: Span,
    /// `originalStartTimeZone` / `originalEndTimeZone`, as the client named them.
    pub start_zone: String,
    pub end_zone: String,
    /// For an exception: its series and the original start of the occurrence it replaces.
    pub master: Option<(String, Timestamp)>,
    /// For a series: original starts of occurrences deleted one by one.
    pub cancelled: Vec<Timestamp>,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub change_key: String,
    pub ical_uid: String,
    /// The change that last touched it.
    pub changed: u64,
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
}

/// What a refresh token stands for.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub account: String,
    pub scopes: Vec<String>,
    pub revoked: bool,
}

/// What an access token stands for.
#[derive(Debug, Clone)]
pub(crate) struct Access {
    pub account: String,
    pub scopes: Vec<String>,
    pub expires: Timestamp,
}

/// A change-notification subscription.
#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    pub id: String,
    pub account: String,
    pub resource: String,
    /// The calendar it watches; `None` for all of the account's events.
    pub calendar_id: Option<String>,
    pub change_types: Vec<String>,
    pub notification_url: String,
    pub lifecycle_url: Option<String>,
    pub client_state: Option<String>,
    pub expiration: Timestamp,
    pub removed: bool,
}

impl Subscription {
    /// Not removed and not expired at `now`.
    pub(crate) fn live(&self, now: Timestamp) -> bool {
        !self.removed && self.expiration > now
    }
}

/// Where a delta token points: the calendar view as the client last saw it.
#[derive(Debug, Clone)]
pub(crate) struct DeltaPoint {
    pub account: String,
    pub calendar_id: String,
    /// The path the round was asked on (links repeat it).
    pub path: String,
    pub from: Timestamp,
    pub to: Timestamp,
    /// Instance id → fingerprint of what the client was sent.
    pub known: HashMap<String, u64>,
    /// The change counter when the view was taken.
    pub seq: u64,
}

/// The rest of a round, snapshotted at its first page. Every page of a round shares the one
/// snapshot, so a round of many pages costs what its items do, not their square.
#[derive(Debug, Clone)]
pub(crate) struct Skip {
    pub items: Arc<Vec<Value>>,
    /// The first item of the page this token asks for.
    pub at: usize,
    /// Where the round ends.
    pub point: Arc<DeltaPoint>,
}

impl State {
    /// The account with this upn, created (with its default calendar) if missing.
    pub(crate) fn ensure_account(&mut self, upn: &str) {
        if self.account(upn).is_some() {
            return;
        }
        let name = upn.split('@').next().unwrap_or(upn).to_owned();
        let id = super::shape::guid();
        self.accounts.push(Account {
            id,
            upn: upn.to_owned(),
            mail: Some(upn.to_owned()),
            display_name: name,
        });
        self.add_calendar(upn, "Calendar", true);
    }

    /// Adds a calendar to `owner`; returns its id.
    pub(crate) fn add_calendar(&mut self, owner: &str, name: &str, is_default: bool) -> String {
        let id = random_id();
        self.calendars.push(Calendar {
            id: id.clone(),
            owner: owner.to_owned(),
            name: name.to_owned(),
            is_default,
            can_edit: true,
            change_key: super::shape::change_key(),
            events: Vec::new(),
        });
        id
    }

    pub(crate) fn account(&self, upn: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.upn == upn)
    }

    pub(crate) fn calendar(&self, id: &str) -> Option<&Calendar> {
        self.calendars.iter().find(|c| c.id == id)
    }

    pub(crate) fn calendar_mut(&mut self, id: &str) -> Option<&mut Calendar> {
        self.calendars.iter_mut().find(|c| c.id == id)
    }

    /// The default calendar of `account`.
    pub(crate) fn default_calendar(&self, account: &str) -> Option<&Calendar> {
        self.calendars.iter().find(|c| c.owner == account && c.is_default)
    }

    /// `account`'s calendar `id` (`None`: the caller cannot see it; Graph answers 404).
    pub(crate) fn calendar_of(&self, account: &str, id: &str) -> Option<&Calendar> {
        self.calendars.iter().find(|c| c.owner == account && c.id == id)
    }

    /// The calendar holding event `event_id` (a stored id, not an occurrence's).
    pub(crate) fn calendar_with_event(&self, event_id: &str) -> Option<&Calendar> {
        self.calendars.iter().find(|c| c.events.iter().any(|e| e.id == event_id))
    }
}
