//! Failed authentications are limited per client address, at every door that checks a
//! credential; genuine requests never count.

use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

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

fn assert_limited(r: &Res) {
    assert_eq!((r.status, r.code()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"), "{}", r.body);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    assert_eq!(r.headers["retry-after"], "1");
}

#[tokio::test]
async fn failed_credentials_are_limited_per_address_and_genuine_ones_never_count() {
    on_each_store_with(small_guard, |app| async move {
        let key = app.key.clone();
        // API keys. Genuine requests, however many, never count.
        let from = "198.51.100.1";
        for _ in 0..10 {
            assert_eq!(send(&app, from, "/v1/hosts", Some(&key), None, &[]).await.status, StatusCode::OK);
        }
        for bad in ["sk_wrong_1", "sk_wrong_2", "sk_wrong_3"] {
            let r = send(&app, from, "/v1/hosts", Some(bad), None, &[]).await;
            assert_eq!((r.status, r.code()), (StatusCode::UNAUTHORIZED, "unauthorized"));
        }
        assert_limited(&send(&app, from, "/v1/hosts", Some("sk_wrong_4"), None, &[]).await);
        assert_limited(&send(&app, from, "/v1/hosts", None, None, &[]).await);
        // A key in use keeps working from there (a shared address); a key that would need a
        // database read waits like the rest.
        assert_eq!(send(&app, from, "/v1/hosts", Some(&key), None, &[]).await.status, StatusCode::OK);
        let other_tenant = app.new_tenant("Other").await;
        assert_limited(&send(&app, from, "/v1/hosts", Some(&other_tenant), None, &[]).await);
        // Other addresses are not touched; and the address earns a failure back each second.
        let r = send(&app, "198.51.100.2", "/v1/hosts", Some("sk_wrong_5"), None, &[]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        app.clock.advance(SignedDuration::from_secs(1));
        assert_eq!(
            send(&app, from, "/v1/hosts", Some("sk_wrong_6"), None, &[]).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_limited(&send(&app, from, "/v1/hosts", Some("sk_wrong_7"), None, &[]).await);

        // The operator key: guessing stops before the comparison, even for the right key.
        let from = "198.51.100.3";
        let tenant = json!({"name": "Guess"});
        for _ in 0..3 {
            let r = send(&app, from, "/v1/tenants", Some("op_guess_0123456789"), Some(&tenant), &[]).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        }
        assert_limited(&send(&app, from, "/v1/tenants", Some(OPERATOR_KEY), Some(&tenant), &[]).await);

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
                let r = send(&app, &format!("203.0.113.{n}"), "/v1/hosts", Some("sk_wrong"), None, &[]).await;
                assert_eq!(r.status, StatusCode::UNAUTHORIZED);
            }
            assert_limited(&send(&app, "203.0.113.4", "/v1/hosts", Some("sk_wrong"), None, &[]).await);
            app
        },
    )
    .await;
}
