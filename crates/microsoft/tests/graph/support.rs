//! Shared setup: the Graph stand-in on a manual clock, Sked's client pointed at it, the consent
//! dance as a browser would do it, and a webhook receiver for subscriptions.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use sked_core::ManualClock;
use sked_microsoft::events::StoredEvent;
use sked_microsoft::notifications::validation_token;
use sked_microsoft::{Microsoft, MicrosoftConfig, Tokens};
use sked_test_utils::microsoft::MicrosoftStandIn;

pub const REDIRECT: &str = "http://127.0.0.1:9/oauth/microsoft/callback";
pub const NOW: &str = "2026-03-09T12:00:00Z";

/// A stand-in, its clock, Sked's client for it, and a browser that does not follow redirects.
pub struct Env {
    pub ms: MicrosoftStandIn,
    pub clock: Arc<ManualClock>,
    pub client: Microsoft,
    pub browser: reqwest::Client,
}

pub async fn env() -> Env {
    let clock = Arc::new(ManualClock::new(ts(NOW)));
    let ms = MicrosoftStandIn::start(clock.clone()).await;
    let config = MicrosoftConfig {
        client_id: ms.client_id().to_owned(),
        client_secret: ms.client_secret().to_owned().into(),
        auth_url: ms.auth_url(),
        token_url: ms.token_url(),
        graph_base: ms.graph_base(),
    };
    let client = Microsoft::new(config).unwrap();
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    Env { ms, clock, client, browser }
}

pub fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub fn query_of(location: &str) -> Vec<(String, String)> {
    let q = location.split_once('?').map_or("", |(_, q)| q);
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

pub fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// A UTC `dateTimeTimeZone`.
pub fn utc(wall: &str) -> Value {
    json!({"dateTime": wall, "timeZone": "UTC"})
}

/// A Graph POST body for a timed event given in UTC wall times.
pub fn event(subject: &str, start: &str, end: &str) -> Value {
    json!({"subject": subject, "start": utc(start), "end": utc(end)})
}

impl Env {
    /// Sends the browser to the authorization URL; returns the redirect's query.
    pub async fn consent(&self, state: &str) -> (Vec<(String, String)>, sked_microsoft::PkceVerifier) {
        let (url, verifier) = self.client.authorization_url(REDIRECT, state).unwrap();
        let resp = self.browser.get(url).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::FOUND);
        let location = resp.headers()[header::LOCATION].to_str().unwrap().to_owned();
        assert!(location.starts_with(REDIRECT), "{location}");
        (query_of(&location), verifier)
    }

    /// A full connect.
    pub async fn connect(&self) -> Tokens {
        let (q, verifier) = self.consent("st").await;
        assert_eq!(param(&q, "state"), Some("st"));
        self.client.exchange(param(&q, "code").unwrap(), &verifier, REDIRECT).await.unwrap()
    }

    pub fn advance(&self, secs: i64) {
        self.clock.advance(SignedDuration::from_secs(secs));
    }
}

/// The stored form of delta items, by id.
pub fn stored_by_id(events: &[sked_microsoft::Event]) -> Vec<(String, StoredEvent)> {
    events.iter().map(|e| (e.id.clone(), e.stored())).collect()
}

/// How a [`Hook`] answers Graph's validation request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// 200, `text/plain`, the token.
    Echo,
    /// 200 with something else.
    Wrong,
    /// The token, after this long.
    Slow(Duration),
}

/// A webhook endpoint as Sked's server would run it: echoes validation tokens, keeps what
/// Graph POSTs and answers 202.
#[derive(Clone)]
pub struct Hook {
    pub url: String,
    pub received: Arc<Mutex<Vec<Value>>>,
    pub validations: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone)]
struct HookState {
    answer: Answer,
    received: Arc<Mutex<Vec<Value>>>,
    validations: Arc<Mutex<Vec<String>>>,
}

impl Hook {
    pub async fn start(answer: Answer) -> Hook {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/microsoft", listener.local_addr().unwrap());
        let state = HookState { answer, received: Arc::default(), validations: Arc::default() };
        let hook = Hook { url, received: state.received.clone(), validations: state.validations.clone() };
        let app = Router::new().route("/hooks/microsoft", post(receive)).with_state(state);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        hook
    }

    pub fn received(&self) -> Vec<Value> {
        self.received.lock().unwrap().clone()
    }
}

async fn receive(State(s): State<HookState>, RawQuery(q): RawQuery, body: Bytes) -> Response {
    if let Some(token) = validation_token(q.as_deref().unwrap_or_default()) {
        s.validations.lock().unwrap().push(token.clone());
        let text = match s.answer {
            Answer::Echo => token,
            Answer::Wrong => format!("{token}!"),
            Answer::Slow(d) => {
                tokio::time::sleep(d).await;
                token
            }
        };
        return ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response();
    }
    s.received.lock().unwrap().push(serde_json::from_slice(&body).unwrap_or(Value::Null));
    StatusCode::ACCEPTED.into_response()
}
