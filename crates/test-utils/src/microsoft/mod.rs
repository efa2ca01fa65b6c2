//! A local stand-in for the Microsoft identity platform (OAuth 2.0 v2.0 endpoints) and Microsoft
//! Graph's calendar API, for Sked's tests.
//!
//! Sked's real Microsoft client is pointed at it (only the base URLs differ from production). It
//! answers as Graph documents (field names, JSON shapes, status codes and error bodies): PKCE
//! S256 checked at the token endpoint, refresh-token rotation, `/me`, `/me/calendars`,
//! calendar-view delta with real paging and incremental rounds, events with `transactionId`
//! idempotency, and subscriptions whose creation performs the validation handshake. A test acts
//! as the user in Outlook ([`MicrosoftStandIn::put_event`] and friends), breaks things on
//! purpose (throttling, outages, revoked grants, stale delta tokens) and has notifications
//! delivered when it chooses ([`MicrosoftStandIn::deliver_notifications`],
//! [`MicrosoftStandIn::send_lifecycle`]). Time comes from the [`Clock`] shared with the code
//! under test, so tokens and subscriptions expire by it.

mod api;
mod delta;
mod errors;
mod events;
mod me;
mod mutate;
mod oauth;
mod shape;
mod state;
mod subscriptions;
mod times;
mod view;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State as AxState};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use jiff::Timestamp;
use serde_json::{Value, json};
use sked_core::Clock;

pub use state::DeltaExpiry;
pub use subscriptions::{Lifecycle, MAX_MINUTES as MAX_SUBSCRIPTION_MINUTES};

use errors::GraphError;
use shape::{Render, render};
use state::State;

/// The app registration the stand-in accepts.
const CLIENT_ID: &str = "6731de76-14a6-49ae-97bc-6eba6914391e";
const CLIENT_SECRET: &str = "sked~test~secret";
/// The tenant notifications name.
const TENANT_ID: &str = "84bd8158-6d4d-4958-8b9f-9d6445542f95";
/// The account that consents unless a test says otherwise.
const DEFAULT_ACCOUNT: &str = "host@contoso.test";

/// A running stand-in for Microsoft. Cheap to clone; every clone speaks to the same server.
#[derive(Clone)]
pub struct MicrosoftStandIn {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for MicrosoftStandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MicrosoftStandIn").field("base_url", &self.base_url()).finish_non_exhaustive()
    }
}

/// Shared by the handle and the HTTP handlers.
#[derive(Debug)]
pub(crate) struct Inner {
    clock: Arc<dyn Clock>,
    addr: SocketAddr,
    state: Mutex<State>,
    http: reqwest::Client,
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

impl MicrosoftStandIn {
    /// Starts on `127.0.0.1:0`. `clock` is shared with the code under test: it decides when
    /// codes, access tokens and subscriptions expire.
    pub async fn start(clock: Arc<dyn Clock>) -> MicrosoftStandIn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        crate::install_tls();
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut state = State {
            consenting: DEFAULT_ACCOUNT.to_owned(),
            rotate_refresh: true,
            validation_timeout: Duration::from_secs(10),
            ..State::default()
        };
        state.ensure_account(DEFAULT_ACCOUNT);
        let inner = Arc::new(Inner { clock, addr, state: Mutex::new(state), http });
        let app = Router::new()
            .route("/{tenant}/oauth2/v2.0/authorize", get(oauth::authorize))
            .route("/{tenant}/oauth2/v2.0/token", post(oauth::token))
            .route("/v1.0/{*rest}", any(api::dispatch))
            .fallback(|| async { GraphError::segment("") })
            .layer(middleware::from_fn_with_state(inner.clone(), gate))
            .with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        MicrosoftStandIn { inner }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.inner.base_url()
    }

    /// The authorization endpoint (`login.microsoftonline.com/common/oauth2/v2.0/authorize`).
    pub fn auth_url(&self) -> String {
        format!("{}/common/oauth2/v2.0/authorize", self.base_url())
    }

    /// The token endpoint (`login.microsoftonline.com/common/oauth2/v2.0/token`).
    pub fn token_url(&self) -> String {
        format!("{}/common/oauth2/v2.0/token", self.base_url())
    }

    /// The Graph base (`graph.microsoft.com/v1.0`).
    pub fn graph_base(&self) -> String {
        format!("{}/v1.0", self.base_url())
    }

    /// The only application (client) id accepted.
    pub fn client_id(&self) -> &str {
        CLIENT_ID
    }

    /// Its secret.
    pub fn client_secret(&self) -> &str {
        CLIENT_SECRET
    }

    /// Makes `upn` the account that consents next, creating it (with a default calendar named
    /// "Calendar") if missing.
    pub fn set_account(&self, upn: &str) {
        let mut st = self.inner.lock();
        st.ensure_account(upn);
        st.consenting = upn.to_owned();
    }

    /// Gives the account `upn` no mailbox address of its own (`mail: null`, as personal
    /// accounts often have); `/me` then names it only by `userPrincipalName`.
    pub fn clear_mail(&self, upn: &str) {
        let mut st = self.inner.lock();
        st.ensure_account(upn);
        if let Some(a) = st.accounts.iter_mut().find(|a| a.upn == upn) {
            a.mail = None;
        }
    }

    /// Makes the next authorization end with the user refusing (`error=access_denied`).
    pub fn deny_next_consent(&self) {
        self.inner.lock().deny_next = true;
    }

    /// The id of the consenting account's default calendar.
    pub fn default_calendar(&self) -> String {
        let st = self.inner.lock();
        st.default_calendar(&st.consenting).map(|c| c.id.clone()).unwrap()
    }

    /// Adds a calendar to the consenting account; returns its id.
    pub fn add_calendar(&self, name: &str) -> String {
        let mut st = self.inner.lock();
        let owner = st.consenting.clone();
        st.add_calendar(&owner, name, false)
    }

    /// Makes a calendar read-only (`canEdit: false`; writes answer 403) or writable again.
    pub fn set_read_only(&self, calendar_id: &str, read_only: bool) {
        if let Some(c) = self.inner.lock().calendar_mut(calendar_id) {
            c.can_edit = !read_only;
        }
    }

    /// As the user in Outlook: creates an event in `calendar_id` from a Graph POST body (with
    /// `start`/`end` as `dateTimeTimeZone`, `isAllDay`, `showAs`, `recurrence`...); returns its
    /// id. Panics on a body Graph would refuse.
    pub fn put_event(&self, calendar_id: &str, event: Value) -> String {
        let now = self.inner.now();
        let Value::Object(body) = event else { panic!("put_event takes a JSON object") };
        self.inner
            .lock()
            .insert_event(calendar_id, body, now)
            .unwrap_or_else(|e| panic!("put_event: {}", e.body()))
    }

    /// As the user: changes an event (or one occurrence, which becomes an exception) with
    /// Graph's PATCH semantics; returns the id of the stored event holding the change.
    pub fn patch_event(&self, event_id: &str, patch: Value) -> String {
        let now = self.inner.now();
        let Value::Object(patch) = patch else { panic!("patch_event takes a JSON object") };
        self.inner
            .lock()
            .patch_event(None, event_id, patch, now)
            .unwrap_or_else(|e| panic!("patch_event: {}", e.body()))
    }

    /// As the user: moves an event (or one occurrence) to `[start, end)`.
    pub fn move_event(&self, event_id: &str, start: Timestamp, end: Timestamp) -> String {
        let at = |t: Timestamp| json!({"dateTime": times::utc_z(t).trim_end_matches('Z'), "timeZone": "UTC"});
        self.patch_event(event_id, json!({"start": at(start), "end": at(end)}))
    }

    /// As the user: deletes an event, a whole series, or one occurrence.
    pub fn delete_event(&self, event_id: &str) {
        let now = self.inner.now();
        self.inner
            .lock()
            .delete_event(None, event_id, now)
            .unwrap_or_else(|e| panic!("delete_event: {}", e.body()));
    }

    /// The stored events of a calendar (series as their masters), as a GET returns them in UTC,
    /// with their single-value extended properties.
    pub fn events(&self, calendar_id: &str) -> Vec<Value> {
        let st = self.inner.lock();
        let Some(cal) = st.calendar(calendar_id) else { return Vec::new() };
        let Some(owner) = st.account(&cal.owner) else { return Vec::new() };
        let all: Vec<String> = cal
            .events
            .iter()
            .flat_map(|e| {
                e.fields
                    .get("singleValueExtendedProperties")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|p| p.get("id").and_then(Value::as_str).map(str::to_owned))
            .collect();
        let r =
            Render { tz: &jiff::tz::TimeZone::UTC, tz_name: "UTC", expand: Some(&all), odata_type: false };
        cal.events.iter().map(|e| render(e, None, owner, r)).collect()
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

    /// While `down`, every endpoint but the authorize page answers 503.
    pub fn set_down(&self, down: bool) {
        self.inner.lock().down = down;
    }

    /// The next `calls` Graph calls answer 429 `TooManyRequests` with `Retry-After`.
    pub fn rate_limit_next(&self, calls: usize, retry_after_secs: u64) {
        let mut st = self.inner.lock();
        st.rate_limited = calls;
        st.retry_after = retry_after_secs;
    }

    /// The next `calls` Graph calls answer 503 `ServiceNotAvailable` (with `Retry-After` when
    /// given).
    pub fn unavailable_next(&self, calls: usize, retry_after_secs: Option<u64>) {
        let mut st = self.inner.lock();
        st.unavailable = calls;
        st.unavailable_retry_after = retry_after_secs;
    }

    /// The next `calls` Graph calls are carried out, but answered 504 `UnknownError`, as when
    /// Graph's gateway gives up on a request that went through: the caller cannot tell whether
    /// its change was made.
    pub fn lose_next_answers(&self, calls: usize) {
        self.inner.lock().lost_answers = calls;
    }

    /// Revokes every refresh token: refreshing answers 400 `invalid_grant`. Access tokens
    /// already issued keep working until they expire.
    pub fn revoke_refresh_tokens(&self) {
        for g in self.inner.lock().grants.values_mut() {
            g.revoked = true;
        }
    }

    /// Whether refresh answers carry a new refresh token (they do unless told otherwise).
    pub fn set_rotate_refresh_tokens(&self, rotate: bool) {
        self.inner.lock().rotate_refresh = rotate;
    }

    /// The refresh tokens issued so far that still work.
    pub fn live_refresh_tokens(&self) -> Vec<String> {
        self.inner.lock().grants.iter().filter(|(_, g)| !g.revoked).map(|(t, _)| t.clone()).collect()
    }

    /// Makes every delta and skip token issued so far stale: using one answers 410 Gone or
    /// 400 `syncStateNotFound`, as `how` says.
    pub fn expire_delta_tokens(&self, how: DeltaExpiry) {
        delta::expire_all(&mut self.inner.lock(), how);
    }

    /// Caps every page (delta pages and the calendar list) at `max` items.
    pub fn set_page_size(&self, max: usize) {
        self.inner.lock().page_size = Some(max.max(1));
    }

    /// How long a notification URL may take to answer the validation request (10 s, as Graph).
    pub fn set_validation_timeout(&self, timeout: Duration) {
        self.inner.lock().validation_timeout = timeout;
    }

    /// Grants subscriptions at most `minutes` (Graph may grant less than asked).
    pub fn cap_subscriptions(&self, minutes: Option<i64>) {
        self.inner.lock().subscription_cap_minutes = minutes;
    }

    /// The live subscriptions: `{id, resource, changeType, notificationUrl,
    /// lifecycleNotificationUrl, clientState, expirationDateTime}`.
    pub fn subscriptions(&self) -> Vec<Value> {
        let now = self.inner.now();
        let st = self.inner.lock();
        st.subscriptions
            .iter()
            .filter(|s| s.live(now))
            .map(|s| {
                json!({"id": s.id, "resource": s.resource, "changeType": s.change_types.join(","),
                       "notificationUrl": s.notification_url, "lifecycleNotificationUrl": s.lifecycle_url,
                       "clientState": s.client_state, "expirationDateTime": times::utc_z(s.expiration)})
            })
            .collect()
    }

    /// Delivers the change notifications queued by event changes, batched per notification
    /// URL; returns the status each POST got (0: no answer). Nothing is retried.
    pub async fn deliver_notifications(&self) -> Vec<u16> {
        subscriptions::deliver(&self.inner).await
    }

    /// Sends a lifecycle notification for subscription `id` to its lifecycle URL; the status it
    /// got, or `None` when the subscription has no lifecycle URL or is unknown.
    /// `SubscriptionRemoved` also removes the subscription.
    pub async fn send_lifecycle(&self, id: &str, event: Lifecycle) -> Option<u16> {
        subscriptions::lifecycle(&self.inner, id, event).await
    }
}

/// Records every request, and answers 503 for everything but the authorize page while down.
async fn gate(AxState(inner): AxState<Arc<Inner>>, req: Request, next: Next) -> Response {
    let target = req.uri().path_and_query().map_or_else(|| req.uri().path().to_owned(), |p| p.to_string());
    let (down, slow) = {
        let mut st = inner.lock();
        st.requests.push((req.method().to_string(), target));
        (st.down, st.slow)
    };
    if down && !req.uri().path().ends_with("/authorize") {
        return GraphError::unavailable(None).into_response();
    }
    let answer = next.run(req).await;
    if let Some(wait) = slow {
        tokio::time::sleep(wait).await;
    }
    answer
}
