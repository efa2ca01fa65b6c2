//! Failed authentications are limited per client address, at every door that checks a
//! credential; genuine requests never count.

use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sked_core::Clock;
use sked_server::voice::platform::sign_retell;

use crate::helpers::*;

const RETELL_KEY: &str = "key_retell_webhook_0123456789";

fn small_guard(s: &mut sked_server::Settings) {
    s.failure_limit_burst = 3;
    s.failure_limit_per_second = 1.0;
    s.trust_forwarded_for = true;
}

/// A request from `from` (sent as `X-Forwarded-For`).
async fn send(
    app: &TestApp,
    from: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&Value>,
    headers: &[(&str, String)],
) -> Res {
    let method = if body.is_some() { reqwest::Method::POST } else { reqwest::Method::GET };
    let mut req = app.client.request(method, format!("{}{path}", app.base)).header("x-forwarded-for", from);
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    if let Some(b) = body {
        req = req.header("content-type", "application/json").body(serde_json::to_vec(b).unwrap());
    }
    let res = req.send().await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let text = res.text().await.unwrap();
    Res { status, body: serde_json::from_str(&text).unwrap_or(Value::String(text)), headers }
}

fn retell_signature(app: &TestApp, body: &Value) -> Vec<(&'static str, String)> {
    // Each genuine request is signed at its own instant, as Retell does.
    app.clock.advance(SignedDuration::from_millis(1));
    let raw = serde_json::to_vec(body).unwrap();
    vec![("x-retell-signature", sign_retell(RETELL_KEY, &raw, app.clock.now().as_millisecond()))]
}

fn assert_limited(r: &Res) {
    assert_eq!((r.status, r.code()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"), "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    assert_eq!(r.headers["retry-after"], "1");
}

/// `GET /v1/hosts` from `from` with `key`.
async fn hosts(app: &TestApp, from: &str, key: Option<&str>) -> Res {
    send(app, from, "/v1/hosts", key, None, &[]).await
}

/// A voice agent's webhook path.
async fn agent_path(app: &TestApp, w: &World, platform: &str, secret: &str) -> String {
    let body = json!({"platform": platform, "event_type_ids": [w.event_type],
        "time_zone": "America/New_York", "secret": secret});
    let r = app.post("/v1/voice-agents", body).await;
    format!("/v1/voice/{platform}/{}", r.id())
}

#[tokio::test]
async fn failed_credentials_are_limited_per_address_and_genuine_ones_never_count() {
    on_each_store_with(small_guard, |app| async move {
        let w = world(&app).await;
        let key = app.key.clone();
        // API keys. Genuine requests, however many, never count.
        let from = "198.51.100.1";
        for _ in 0..10 {
            assert_eq!(hosts(&app, from, Some(&key)).await.status, StatusCode::OK);
        }
        for bad in ["sk_wrong_1", "sk_wrong_2", "sk_wrong_3"] {
            let r = hosts(&app, from, Some(bad)).await;
            assert_eq!((r.status, r.code()), (StatusCode::UNAUTHORIZED, "unauthorized"));
        }
        assert_limited(&hosts(&app, from, Some("sk_wrong_4")).await);
        assert_limited(&hosts(&app, from, None).await);
        // A key in use keeps working from there (a shared address); a key that would need a
        // database read waits like the rest.
        assert_eq!(hosts(&app, from, Some(&key)).await.status, StatusCode::OK);
        let other_tenant = app.new_tenant("Other").await;
        assert_limited(&hosts(&app, from, Some(&other_tenant)).await);
        // Other addresses are not touched; and the address earns a failure back each second.
        assert_eq!(hosts(&app, "198.51.100.2", Some("sk_wrong_5")).await.status, StatusCode::UNAUTHORIZED);
        app.clock.advance(SignedDuration::from_secs(1));
        assert_eq!(hosts(&app, from, Some("sk_wrong_6")).await.status, StatusCode::UNAUTHORIZED);
        assert_limited(&hosts(&app, from, Some("sk_wrong_7")).await);

        // The operator key: guessing stops before the comparison, even for the right key.
        let from = "198.51.100.3";
        let tenant = json!({"name": "Guess"});
        for _ in 0..3 {
            let r = send(&app, from, "/v1/tenants", Some("op_guess_0123456789"), Some(&tenant), &[]).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        }
        assert_limited(&send(&app, from, "/v1/tenants", Some(OPERATOR_KEY), Some(&tenant), &[]).await);

        // Retell: genuine calls never count; forged ones do; then even a genuine one waits.
        let path = agent_path(&app, &w, "retell", RETELL_KEY).await;
        let from = "198.51.100.4";
        let body = json!({"name": "find_earliest_availability", "args": {}, "call": {"call_id": "c1"}});
        let call = |from: &'static str, headers: Vec<(&'static str, String)>| {
            let (app, path, body) = (&app, &path, &body);
            async move { send(app, from, path, None, Some(body), &headers).await }
        };
        for _ in 0..10 {
            assert_eq!(call(from, retell_signature(&app, &body)).await.status, StatusCode::OK);
        }
        let now = app.clock.now().as_millisecond();
        let forged = vec![("x-retell-signature", sign_retell("not-the-key", b"{}", now))];
        for headers in [vec![], forged.clone(), forged] {
            assert_eq!(call(from, headers).await.status, StatusCode::UNAUTHORIZED);
        }
        assert_limited(&call(from, retell_signature(&app, &body)).await);
        assert_eq!(call("198.51.100.5", retell_signature(&app, &body)).await.status, StatusCode::OK);

        // Vapi, and agents that do not exist.
        let path = agent_path(&app, &w, "vapi", "vapi-secret-0123").await;
        let msg = json!({"message": {"type": "status-update"}});
        let from = "198.51.100.6";
        for guess in ["a", "vapi-secret-012", "vapi-secret-0123x", "vapi-secret-0123"] {
            let r = send(&app, from, &path, None, Some(&msg), &[("x-vapi-secret", guess.into())]).await;
            if guess == "vapi-secret-0123" {
                assert_limited(&r);
            } else {
                assert_eq!(r.status, StatusCode::UNAUTHORIZED);
            }
        }
        let nobody = "/v1/voice/retell/01890000-0000-7000-8000-000000000000";
        for _ in 0..3 {
            let r = send(&app, "198.51.100.7", nobody, None, Some(&body), &[]).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
        }
        assert_limited(&send(&app, "198.51.100.7", nobody, None, Some(&body), &[]).await);
        app
    })
    .await;
}

#[tokio::test]
async fn forwarded_for_is_ignored_unless_trusted() {
    on_each_store_with(
        |s| {
            s.failure_limit_burst = 3;
        },
        |app| async move {
            // Each request claims another address; all of them come from this test's address.
            for n in 1..=3 {
                let r = hosts(&app, &format!("203.0.113.{n}"), Some("sk_wrong")).await;
                assert_eq!(r.status, StatusCode::UNAUTHORIZED);
            }
            assert_limited(&hosts(&app, "203.0.113.4", Some("sk_wrong")).await);
            app
        },
    )
    .await;
}
