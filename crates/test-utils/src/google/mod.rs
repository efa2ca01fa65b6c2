//! A local stand-in for Google's OAuth 2.0 endpoints and Calendar API v3, for Sked's tests.
//!
//! Sked's real Google client is pointed at it (only the base URLs differ from production). It
//! answers as the documented API does (field names, JSON shapes, status codes and error bodies)
//! and lets a test act as the user in Google Calendar ([`GoogleStandIn::put_event`] and friends),
//! break things on purpose (down, rate limits, revoked grants, expired sync tokens) and deliver
//! push notifications when it chooses ([`GoogleStandIn::deliver_push`]). Time comes from the
//! [`Clock`] shared with the server under test, so token and channel expiry follow it.

mod api;
mod calendars;
mod errors;
mod events;
mod expand;
mod list;
mod mutate;
mod oauth;
mod push;
mod shape;
mod state;
mod times;
mod token;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::{Request, State as AxState};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use jiff::Timestamp;
use serde_json::{Value, json};
use sked_core::Clock;

pub use shape::base32hex_ok;

use errors::ApiError;
use state::State;

/// The OAuth client the stand-in accepts.
const CLIENT_ID: &str = "sked-test.apps.googleusercontent.com";
const CLIENT_SECRET: &str = "GOCSPX-sked-test-secret";
/// The account that consents unless a test says otherwise.
const DEFAULT_ACCOUNT: &str = "host@example.test";

/// A running stand-in for Google. Cheap to clone; every clone speaks to the same server.
#[derive(Clone)]
pub struct GoogleStandIn {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for GoogleStandIn {
    // Not the whole state: a failing assertion should not print every event and token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleStandIn").field("base_url", &self.base_url()).finish_non_exhaustive()
    }
}

/// A held `events.list` answer ([`GoogleStandIn::hold_next_list`]).
#[derive(Debug)]
pub struct ListHold {
    served: tokio::sync::oneshot::Receiver<()>,
    release: tokio::sync::oneshot::Sender<()>,
}

impl ListHold {
    /// Waits until the listing has been computed (and is being held).
    pub async fn served(&mut self) {
        let _ = (&mut self.served).await;
    }

    /// Lets the held answer go.
    pub fn release(self) {
        let _ = self.release.send(());
    }
}

/// Shared by the handle and the HTTP handlers.
#[derive(Debug)]
pub(crate) struct Inner {
    clock: Arc<dyn Clock>,
    addr: SocketAddr,
    state: Mutex<State>,
    http: reqwest::Client,
    /// The next events listing, once computed, waits here (see [`GoogleStandIn::hold_next_list`]).
    pub(crate) list_hold:
        Mutex<Option<(tokio::sync::oneshot::Sender<()>, tokio::sync::oneshot::Receiver<()>)>>,
}

impl Inner {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl GoogleStandIn {
    /// Starts on `127.0.0.1:0`. `clock` is shared with the server under test: it decides when
    /// access tokens, codes and push channels expire.
    pub async fn start(clock: Arc<dyn Clock>) -> GoogleStandIn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        crate::install_tls();
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(std::time::Duration::from_secs(10))
            .user_agent("APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)")
            .build()
            .unwrap();
        let mut state = State { consenting: DEFAULT_ACCOUNT.to_owned(), ..State::default() };
        state.ensure_account(DEFAULT_ACCOUNT);
        let inner =
            Arc::new(Inner { clock, addr, state: Mutex::new(state), http, list_hold: Mutex::new(None) });
        let app = Router::new()
            .route("/o/oauth2/v2/auth", get(oauth::authorize))
            .route("/token", post(token::token))
            .route("/revoke", post(token::revoke))
            .route("/oauth2/v3/userinfo", get(oauth::userinfo))
            .route("/calendar/v3/{*rest}", any(api::dispatch))
            .fallback(|| async { ApiError::not_found() })
            .layer(middleware::from_fn_with_state(inner.clone(), gate))
            .with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        GoogleStandIn { inner }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.inner.base_url()
    }

    /// The authorization endpoint (`accounts.google.com/o/oauth2/v2/auth` in production).
    pub fn auth_url(&self) -> String {
        format!("{}/o/oauth2/v2/auth", self.base_url())
    }

    /// The token endpoint (`oauth2.googleapis.com/token`).
    pub fn token_url(&self) -> String {
        format!("{}/token", self.base_url())
    }

    /// The revocation endpoint (`oauth2.googleapis.com/revoke`).
    pub fn revoke_url(&self) -> String {
        format!("{}/revoke", self.base_url())
    }

    /// The OpenID Connect userinfo endpoint (`www.googleapis.com/oauth2/v3/userinfo`).
    pub fn userinfo_url(&self) -> String {
        format!("{}/oauth2/v3/userinfo", self.base_url())
    }

    /// The Calendar API base (`www.googleapis.com/calendar/v3`).
    pub fn api_base(&self) -> String {
        format!("{}/calendar/v3", self.base_url())
    }

    /// The only OAuth client id accepted.
    pub fn client_id(&self) -> &str {
        CLIENT_ID
    }

    /// Its secret.
    pub fn client_secret(&self) -> &str {
        CLIENT_SECRET
    }

    /// Makes `email` the Google account that consents next, creating it (with a primary
    /// calendar whose id is the email, in UTC) if missing.
    pub fn set_account(&self, email: &str) {
        let mut st = self.inner.lock();
        st.ensure_account(email);
        st.consenting = email.to_owned();
    }

    /// Makes the next authorization end with the user refusing: the redirect carries
    /// `error=access_denied` instead of a code.
    pub fn deny_next_consent(&self) {
        self.inner.lock().deny_next = true;
    }

    /// Makes the next authorization grant all it asks for except the scopes ending with one of
    /// `scopes` (`"calendar.events"`): the user unticked them on Google's granular consent
    /// screen.
    pub fn withhold_next_consent(&self, scopes: &[&str]) {
        self.inner.lock().withhold_next = scopes.iter().map(|s| (*s).to_owned()).collect();
    }

    /// Holds the next `events.list` answer back once it is computed, until the returned handle
    /// releases it: what changes meanwhile is not in it, as when Google's answer is in flight.
    /// Tests use it to make a race happen on purpose.
    pub fn hold_next_list(&self) -> ListHold {
        let (served_tx, served) = tokio::sync::oneshot::channel();
        let (release, release_rx) = tokio::sync::oneshot::channel();
        *self.inner.list_hold.lock().unwrap_or_else(|e| e.into_inner()) = Some((served_tx, release_rx));
        ListHold { served, release }
    }

    /// Makes `calendar_id` read-only for its account (shared to it as `reader`), or writable
    /// again: event writes to it answer 403 `requiredAccessLevel`.
    pub fn set_read_only(&self, calendar_id: &str, read_only: bool) {
        let mut st = self.inner.lock();
        let id = self.calendar_id(&st, calendar_id);
        if let Some(c) = st.calendars.iter_mut().find(|c| c.id == id) {
            c.read_only = read_only;
        }
    }

    /// Adds a secondary calendar to `email`'s account (creating the account if missing).
    pub fn add_calendar(&self, email: &str, calendar_id: &str, summary: &str, time_zone: &str) {
        let mut st = self.inner.lock();
        st.ensure_account(email);
        st.add_calendar(email, calendar_id, summary, time_zone, false);
    }

    /// Sets a calendar's time zone (a primary calendar starts in UTC).
    pub fn set_time_zone(&self, calendar_id: &str, time_zone: &str) {
        let mut st = self.inner.lock();
        let cal = st.calendar_mut(calendar_id).unwrap_or_else(|| panic!("no calendar {calendar_id}"));
        cal.time_zone = time_zone.to_owned();
    }

    /// As the user editing in Google: inserts or replaces an event (JSON as the API returns
    /// it; `id` generated if absent, server fields filled if absent) and returns its id. Bumps
    /// the calendar's change log and queues push notifications for its channels.
    /// `calendar_id` may be `primary` (the consenting account's).
    pub fn put_event(&self, calendar_id: &str, event: Value) -> String {
        let now = self.inner.now();
        let mut st = self.inner.lock();
        let cal = self.calendar_id(&st, calendar_id);
        let Value::Object(mut ev) = event else { panic!("put_event takes a JSON object") };
        let id = match ev.get("id").and_then(Value::as_str) {
            Some(id) => id.to_owned(),
            None => shape::new_event_id(),
        };
        ev.insert("id".into(), json!(id));
        st.store_event(&cal, ev, now);
        id
    }

    /// As the user: patches fields of an event (Google's patch semantics; e.g. a new
    /// `start`/`end`, which raises `sequence`) and returns the event as the API would.
    pub fn patch_event(&self, calendar_id: &str, event_id: &str, patch: Value) -> Value {
        let now = self.inner.now();
        let mut st = self.inner.lock();
        let cal = self.calendar_id(&st, calendar_id);
        let Value::Object(patch) = patch else { panic!("patch_event takes a JSON object") };
        let stored = st.stored(&cal, event_id).unwrap_or_else(|| panic!("no event {event_id} in {cal}"));
        let mut ev = stored.json.as_object().cloned().unwrap_or_default();
        shape::merge_patch(&mut ev, &patch);
        if !patch.contains_key("sequence") {
            ev.remove("sequence");
        }
        st.store_event(&cal, ev, now);
        st.rendered(&cal, event_id).unwrap()
    }

    /// As the user: deletes an event; it then reads as `status: cancelled` and comes back
    /// in incremental sync.
    pub fn delete_event(&self, calendar_id: &str, event_id: &str) {
        let now = self.inner.now();
        let mut st = self.inner.lock();
        let cal = self.calendar_id(&st, calendar_id);
        assert!(st.stored(&cal, event_id).is_some(), "no event {event_id} in {cal}");
        st.delete_stored(&cal, event_id, now);
    }

    /// The calendar's current (not cancelled) events, as the API returns them.
    pub fn events(&self, calendar_id: &str) -> Vec<Value> {
        let st = self.inner.lock();
        let cal_id = self.calendar_id(&st, calendar_id);
        let cal = st.calendar(&cal_id).unwrap();
        let tz = times::zone_or_utc(&cal.time_zone);
        cal.events
            .iter()
            .filter(|e| e.json.get("status").and_then(Value::as_str) != Some("cancelled"))
            .map(|e| shape::render(e, &tz, false))
            .collect()
    }

    /// Every request made to the stand-in, in order: (method, path with query as sent).
    pub fn requests(&self) -> Vec<(String, String)> {
        self.inner.lock().requests.clone()
    }

    /// While `Some`, every call is carried out at once but answered only that much later (a
    /// caller that gives up first never hears that its change was made); `None` heals.
    pub fn set_slow(&self, slow: Option<std::time::Duration>) {
        self.inner.lock().slow = slow;
    }

    /// While `down`, every API, token, revoke and userinfo call answers 503 `backendError`.
    pub fn set_down(&self, down: bool) {
        self.inner.lock().down = down;
    }

    /// The next `calls` Calendar API calls (authenticated ones) answer 429 `rateLimitExceeded`
    /// with `Retry-After: retry_after_secs`.
    pub fn rate_limit_next(&self, calls: usize, retry_after_secs: u64) {
        let mut st = self.inner.lock();
        st.rate_limited = calls;
        st.retry_after = retry_after_secs;
    }

    /// Revokes every refresh token: refreshing answers 400 `invalid_grant`. Access tokens
    /// already issued keep working until they expire.
    pub fn revoke_refresh_tokens(&self) {
        for g in self.inner.lock().grants.values_mut() {
            g.revoked = true;
        }
    }

    /// Grants made from now on last `secs` (the user chose time-limited access): token answers
    /// carry `refresh_token_expires_in`, and refreshing after it ends answers `invalid_grant`.
    pub fn set_grant_lifetime(&self, secs: Option<i64>) {
        self.inner.lock().grant_lifetime = secs;
    }

    /// Forgets every sync token issued so far: the next incremental list answers 410.
    pub fn invalidate_sync_tokens(&self) {
        self.inner.lock().sync_tokens.clear();
    }

    /// Caps every page at `max` items (events and the calendar list), to force paging.
    pub fn set_page_size(&self, max: usize) {
        self.inner.lock().page_size = Some(max.max(1));
    }

    /// The live push channels: `{id, resourceId, token, address, expiration (ms), calendar_id}`.
    pub fn channels(&self) -> Vec<Value> {
        let now = self.inner.now();
        let st = self.inner.lock();
        st.channels
            .iter()
            .filter(|c| c.live(now))
            .map(|c| {
                json!({"id": c.id, "resourceId": c.resource_id, "token": c.token, "address": c.address,
                       "expiration": c.expiration_ms, "calendar_id": c.calendar_id})
            })
            .collect()
    }

    /// Delivers the queued push notifications, in order, to live channels (a notification for
    /// a channel stopped or expired since is dropped), and returns the HTTP status each address
    /// answered (0 when it could not be reached). Nothing is retried.
    pub async fn deliver_push(&self) -> Vec<u16> {
        push::deliver(&self.inner).await
    }

    fn calendar_id(&self, st: &State, calendar_id: &str) -> String {
        if calendar_id == "primary" {
            return st.resolve(&st.consenting, "primary").unwrap();
        }
        assert!(st.calendar(calendar_id).is_some(), "no calendar {calendar_id}");
        calendar_id.to_owned()
    }
}

/// Records every request, and answers 503 for everything but the consent page while down.
async fn gate(AxState(inner): AxState<Arc<Inner>>, req: Request, next: Next) -> Response {
    let target = req.uri().path_and_query().map_or_else(|| req.uri().path().to_owned(), |p| p.to_string());
    let (down, slow) = {
        let mut st = inner.lock();
        st.requests.push((req.method().to_string(), target));
        (st.down, st.slow)
    };
    if down && req.uri().path() != "/o/oauth2/v2/auth" {
        return ApiError::backend().into_response();
    }
    let answer = next.run(req).await;
    if let Some(wait) = slow {
        tokio::time::sleep(wait).await;
    }
    answer
}
