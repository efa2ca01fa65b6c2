//! Shared setup: a stand-in on a manual clock, a client that does not follow redirects, and the
//! OAuth dance and API calls as Sked makes them.

use std::sync::Arc;

use axum::http::HeaderMap;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::SignedDuration;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sked_core::ManualClock;
use sked_test_utils::google::GoogleStandIn;

pub const REDIRECT: &str = "http://127.0.0.1:9/oauth/google/callback";
pub const SCOPES: &str =
    "https://www.googleapis.com/auth/calendar.readonly https://www.googleapis.com/auth/calendar.events";
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-sked-test-verifier";

/// A stand-in, its clock, and an HTTP client.
pub struct Env {
    pub g: GoogleStandIn,
    pub clock: Arc<ManualClock>,
    pub http: Client,
}

pub async fn env() -> Env {
    let clock = Arc::new(ManualClock::new("2026-03-09T12:00:00Z".parse().unwrap()));
    let g = GoogleStandIn::start(clock.clone()).await;
    sked_test_utils::install_tls();
    let http = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    Env { g, clock, http }
}

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub fn query_of(location: &str) -> Vec<(String, String)> {
    let q = location.split_once('?').unwrap().1;
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

pub fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

impl Env {
    /// The consent redirect for the current account; returns the code.
    pub async fn authorize(&self, state: &str) -> String {
        let url = format!(
            "{}?client_id={}&redirect_uri={}&response_type=code&scope={}&state={}&code_challenge={}\
             &code_challenge_method=S256&access_type=offline&prompt=consent&include_granted_scopes=true",
            self.g.auth_url(),
            self.g.client_id(),
            enc(REDIRECT),
            enc(SCOPES),
            enc(state),
            challenge(VERIFIER)
        );
        let resp = self.http.get(url).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::FOUND);
        let location = resp.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with(&format!("{REDIRECT}?code=")), "{location}");
        let q = query_of(&location);
        assert_eq!(param(&q, "state"), Some(state));
        assert_eq!(param(&q, "scope"), Some(SCOPES));
        param(&q, "code").unwrap().to_owned()
    }

    pub async fn token(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let resp = self.http.post(self.g.token_url()).form(form).send().await.unwrap();
        (resp.status(), resp.json().await.unwrap())
    }

    pub async fn exchange(&self, code: &str, verifier: &str) -> (StatusCode, Value) {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", self.g.client_id()),
            ("client_secret", self.g.client_secret()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ])
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", self.g.client_id()),
            ("client_secret", self.g.client_secret()),
        ])
        .await
    }

    /// A full connect; returns (access token, refresh token).
    pub async fn connect(&self) -> (String, String) {
        let code = self.authorize("st").await;
        let (status, body) = self.exchange(&code, VERIFIER).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (body["access_token"].as_str().unwrap().into(), body["refresh_token"].as_str().unwrap().into())
    }

    pub async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, HeaderMap, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.g.api_base())).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        let text = resp.text().await.unwrap();
        let v = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() };
        (status, headers, v)
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let (s, _, v) = self.call(token, Method::GET, path, None).await;
        (s, v)
    }

    /// Every item of a listing, following pages; returns (items, page count, nextSyncToken).
    pub async fn list_all(&self, token: &str, path: &str) -> (Vec<Value>, usize, String) {
        let (mut items, mut pages, mut page_token) = (Vec::new(), 0, None::<String>);
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = match &page_token {
                Some(t) => format!("{path}{sep}pageToken={}", enc(t)),
                None => path.to_owned(),
            };
            let (status, body) = self.get(token, &url).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            pages += 1;
            items.extend(body["items"].as_array().unwrap().iter().cloned());
            match body.get("nextPageToken").and_then(Value::as_str) {
                Some(t) => {
                    assert!(body.get("nextSyncToken").is_none(), "a page has one token, not both");
                    page_token = Some(t.to_owned());
                }
                None => return (items, pages, body["nextSyncToken"].as_str().unwrap().to_owned()),
            }
        }
    }

    pub fn advance(&self, secs: i64) {
        self.clock.advance(SignedDuration::from_secs(secs));
    }
}

pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub fn event(summary: &str, start: &str, end: &str) -> Value {
    json!({"summary": summary, "start": {"dateTime": start}, "end": {"dateTime": end}})
}

pub fn ids(items: &[Value]) -> Vec<&str> {
    items.iter().map(|i| i["id"].as_str().unwrap()).collect()
}
