//! A local stand-in for Twilio's Messages API (2010-04-01), for Sked's tests.
//!
//! Sked's real Twilio client is pointed at it (only the base URL differs from production). It
//! answers as the documented API does (JSON shapes, status codes, error codes), records every
//! message it accepts, can fail on purpose ([`TwilioStandIn::fail_with`]), and acts as Twilio
//! towards the server under test: signed status callbacks
//! ([`TwilioStandIn::send_status_callback`]) and signed inbound messages
//! ([`TwilioStandIn::send_inbound`]).
//!
//! Twilio hands a message to the carrier within moments: a message answers `queued` (or
//! `accepted` through a Messaging Service) and is listed from then on as `sent`, with its
//! `date_sent` set, until a status callback moves it on.

mod api;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::routing::get;
use jiff::Timestamp;
use sked_core::Clock;

/// The number a Messaging Service sends from in the stand-in (Twilio's test number).
pub const SERVICE_NUMBER: &str = "+15005550006";

/// How the stand-in answers API requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Failure {
    /// Normally.
    #[default]
    None,
    /// 500 with Twilio's error document (code 20500).
    ServerError,
    /// 429 with code 20429, and `Retry-After: secs` when given.
    Throttle {
        /// The `Retry-After` header, if any.
        retry_after_secs: Option<u64>,
    },
    /// The request is carried out (a message is accepted and kept), but the answer is lost: the
    /// caller sees a 502, as after a crash or a cut connection between sending and hearing back.
    LostAnswer,
    /// The request is carried out at once, and answered only after this many seconds (a caller
    /// killed meanwhile never hears that its message was accepted).
    SlowAnswer {
        /// Seconds before the answer.
        secs: u64,
    },
}

/// A message the stand-in accepted, as it was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentSms {
    /// Its sid (`SM` and 32 hex digits).
    pub sid: String,
    /// `To`.
    pub to: String,
    /// `From`, when given.
    pub from: Option<String>,
    /// `MessagingServiceSid`, when given.
    pub messaging_service_sid: Option<String>,
    /// `Body`.
    pub body: String,
    /// `StatusCallback`, when given.
    pub status_callback: Option<String>,
}

/// A running stand-in for Twilio. Cheap to clone; every clone speaks to the same server.
#[derive(Clone)]
pub struct TwilioStandIn {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for TwilioStandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioStandIn")
            .field("base_url", &self.base_url())
            .field("account_sid", &self.inner.account_sid)
            .finish_non_exhaustive()
    }
}

/// Shared by the handle and the HTTP handlers.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) account_sid: String,
    pub(crate) auth_token: String,
    clock: Option<Arc<dyn Clock>>,
    addr: SocketAddr,
    state: Mutex<State>,
    http: reqwest::Client,
}

/// Everything the stand-in remembers, behind one lock (never held across an `.await`).
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) messages: Vec<Stored>,
    pub(crate) failure: Failure,
    pub(crate) requests: usize,
}

/// A message as stored.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) asked: SentSms,
    pub(crate) status: String,
    pub(crate) created: Timestamp,
    pub(crate) updated: Timestamp,
    pub(crate) sent_at: Option<Timestamp>,
    pub(crate) error_code: Option<i64>,
    pub(crate) num_segments: u32,
}

impl Stored {
    /// The number it went out from.
    pub(crate) fn sender_number(&self) -> Option<&str> {
        self.asked.from.as_deref().or(self.asked.messaging_service_sid.as_ref().map(|_| SERVICE_NUMBER))
    }
}

impl Inner {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    // Without a shared clock the stand-in is Twilio far away, whose clock is the wall clock.
    #[allow(clippy::disallowed_methods)]
    pub(crate) fn now(&self) -> Timestamp {
        self.clock.as_ref().map_or_else(Timestamp::now, |c| c.now())
    }
}

/// A new sid with `prefix` (`SM`, `MM`, `PA`): the prefix and 32 hex digits.
pub(crate) fn new_sid(prefix: &str) -> String {
    format!("{prefix}{:032x}", rand::random::<u128>())
}

impl TwilioStandIn {
    /// Starts on `127.0.0.1:0` for the account `account_sid` with `auth_token`, on the system
    /// clock.
    pub async fn start(account_sid: &str, auth_token: &str) -> TwilioStandIn {
        Self::launch(account_sid, auth_token, None).await
    }

    /// Starts as [`TwilioStandIn::start`], dating messages by `clock` (shared with the server
    /// under test).
    pub async fn start_with_clock(
        account_sid: &str,
        auth_token: &str,
        clock: Arc<dyn Clock>,
    ) -> TwilioStandIn {
        Self::launch(account_sid, auth_token, Some(clock)).await
    }

    async fn launch(account_sid: &str, auth_token: &str, clock: Option<Arc<dyn Clock>>) -> TwilioStandIn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        crate::install_tls();
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(std::time::Duration::from_secs(10))
            .user_agent("TwilioProxy/1.1")
            .build()
            .unwrap();
        let inner = Arc::new(Inner {
            account_sid: account_sid.to_owned(),
            auth_token: auth_token.to_owned(),
            clock,
            addr,
            state: Mutex::new(State::default()),
            http,
        });
        let app = Router::new()
            .route("/2010-04-01/Accounts/{account}/Messages.json", get(api::list).post(api::create))
            .fallback(api::not_found)
            .layer(axum::middleware::from_fn_with_state(inner.clone(), api::gate))
            .with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TwilioStandIn { inner }
    }

    /// `http://127.0.0.1:PORT`: the API base for the client (`https://api.twilio.com` in
    /// production).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    /// The account it accepts.
    pub fn account_sid(&self) -> &str {
        &self.inner.account_sid
    }

    /// The account's auth token (the API password and the webhook signing key).
    pub fn auth_token(&self) -> &str {
        &self.inner.auth_token
    }

    /// Makes every API request from now on fail as `failure` says (`Failure::None` to heal).
    pub fn fail_with(&self, failure: Failure) {
        self.inner.lock().failure = failure;
    }

    /// Every message accepted so far, in order.
    pub fn sent(&self) -> Vec<SentSms> {
        self.inner.lock().messages.iter().map(|m| m.asked.clone()).collect()
    }

    /// How many API requests came, refused ones included.
    pub fn request_count(&self) -> usize {
        self.inner.lock().requests
    }

    /// The current status of message `sid`.
    pub fn status_of(&self, sid: &str) -> Option<String> {
        self.inner.lock().messages.iter().find(|m| m.asked.sid == sid).map(|m| m.status.clone())
    }

    /// As Twilio: moves message `sid` to `status` (with `error_code` such as `30003` for
    /// `failed` and `undelivered`) and posts the signed status callback to the message's
    /// `StatusCallback` URL. Returns the HTTP status the server answered. Panics when the
    /// message is unknown or had no callback URL.
    pub async fn send_status_callback(&self, sid: &str, status: &str, error_code: Option<&str>) -> u16 {
        let now = self.inner.now();
        let (url, params) = {
            let mut st = self.inner.lock();
            let m = st
                .messages
                .iter_mut()
                .find(|m| m.asked.sid == sid)
                .unwrap_or_else(|| panic!("no message {sid}"));
            m.status = status.to_owned();
            m.updated = now;
            m.error_code = error_code.and_then(|c| c.parse().ok());
            let url =
                m.asked.status_callback.clone().unwrap_or_else(|| panic!("message {sid} has no callback"));
            let mut params = vec![
                ("MessageSid", sid),
                ("MessageStatus", status),
                ("AccountSid", &self.inner.account_sid),
                ("From", m.sender_number().unwrap_or_default()),
                ("To", &m.asked.to),
                ("ApiVersion", sked_twilio::API_VERSION),
                ("SmsSid", sid),
                ("SmsStatus", status),
            ];
            if let Some(code) = error_code {
                params.push(("ErrorCode", code));
            }
            if let Some(service) = &m.asked.messaging_service_sid {
                params.push(("MessagingServiceSid", service));
            }
            (url, owned(&params))
        };
        self.post_signed(&url, &params).await.0
    }

    /// As Twilio: posts a signed inbound message from `from` to `to` (one of our numbers) to
    /// `url`, the number's webhook. Returns the server's status and body (TwiML).
    pub async fn send_inbound(&self, url: &str, from: &str, to: &str, body: &str) -> (u16, String) {
        let sid = new_sid("SM");
        let segments = sked_twilio::segments::segments(body).count.max(1).to_string();
        let params = owned(&[
            ("MessageSid", sid.as_str()),
            ("SmsSid", &sid),
            ("SmsMessageSid", &sid),
            ("AccountSid", &self.inner.account_sid),
            ("From", from),
            ("To", to),
            ("Body", body),
            ("NumMedia", "0"),
            ("NumSegments", &segments),
            ("SmsStatus", "received"),
            ("ApiVersion", sked_twilio::API_VERSION),
        ]);
        self.post_signed(url, &params).await
    }

    /// Posts `params` as a form to `url`, signed with the account's token over that exact URL.
    pub async fn post_signed(&self, url: &str, params: &[(String, String)]) -> (u16, String) {
        let signature = sked_twilio::sign(&self.inner.auth_token, url, params);
        self.post_form(url, params, Some(&signature)).await
    }

    /// Posts `params` as a form to `url` with `signature` as `X-Twilio-Signature` (none when
    /// `None`): for tests of forged or unsigned webhooks. Returns status and body (status 0
    /// when `url` could not be reached).
    pub async fn post_form(
        &self,
        url: &str,
        params: &[(String, String)],
        signature: Option<&str>,
    ) -> (u16, String) {
        let mut request = self.inner.http.post(url).form(params);
        if let Some(sig) = signature {
            request = request.header("X-Twilio-Signature", sig);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                (status, response.text().await.unwrap_or_default())
            }
            Err(_) => (0, String::new()),
        }
    }
}

fn owned(params: &[(&str, &str)]) -> Vec<(String, String)> {
    params.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}
