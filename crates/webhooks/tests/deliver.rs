//! `deliver` against a local receiver (private addresses allowed): the headers and signature
//! that arrive, failures, timeouts, redirects, large answers and `Retry-After`.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use sked_webhooks::{Deliverer, Delivery, Secret, deliver, payload, verify};

type Seen = Arc<Mutex<Vec<(String, HeaderMap, Bytes)>>>;

/// A receiver on a free port; each path answers one way and records what reached it.
async fn receiver() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = |path: &'static str, seen: Seen| {
        move |headers: HeaderMap, body: Bytes| async move {
            seen.lock().unwrap().push((path.to_owned(), headers, body));
        }
    };
    let app = Router::new()
        .route(
            "/ok",
            post({
                let rec = record("/ok", seen.clone());
                move |h, b| async move {
                    rec(h, b).await;
                    "thanks"
                }
            }),
        )
        .route("/fail", post(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }))
        .route(
            "/slow",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        )
        .route("/redirect", post(|| async { (StatusCode::FOUND, [(header::LOCATION, "/ok")], "") }))
        .route("/huge", post(|| async { "x".repeat(1 << 20) }))
        .route(
            "/busy",
            post(|| async {
                (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "7")], "slow down").into_response()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, seen)
}

fn delivery(url: String) -> Delivery {
    let at = "2026-03-01T09:30:00Z".parse().unwrap();
    Delivery {
        url,
        msg_id: "msg_01HZX".to_owned(),
        timestamp: 1_772_357_400,
        body: payload("booking.created", at, &serde_json::json!({"booking_id": "b1"})),
    }
}

/// A generous limit, so that a busy machine does not fail the tests that expect an answer.
fn client() -> Deliverer {
    Deliverer::new(true).unwrap().with_timeout(Duration::from_secs(10))
}

#[tokio::test]
async fn a_delivery_arrives_signed() {
    let (base, seen) = receiver().await;
    let secret = Secret::generate();
    let d = delivery(format!("{base}/ok"));
    let out = deliver(&client(), &secret, &d).await;
    assert_eq!((out.status, out.ok, out.error.as_deref()), (Some(200), true, None));
    assert_eq!(out.response_snippet.as_deref(), Some("thanks"));

    let seen = seen.lock().unwrap();
    let (_, headers, body) = &seen[0];
    let h = |name: &str| headers.get(name).unwrap().to_str().unwrap().to_owned();
    assert_eq!(h("content-type"), "application/json");
    assert!(h("user-agent").starts_with("Sked-Webhooks/"));
    assert_eq!(h("webhook-id"), "msg_01HZX");
    assert_eq!(h("webhook-timestamp"), "1772357400");
    assert_eq!(body.as_ref(), d.body.as_slice());
    let sig = h("webhook-signature");
    assert!(verify(&secret, "msg_01HZX", 1_772_357_400, body, &sig, 1_772_357_410, 300));
    assert!(!verify(&Secret::generate(), "msg_01HZX", 1_772_357_400, body, &sig, 1_772_357_410, 300));
}

#[tokio::test]
async fn a_server_error_is_a_failure_with_its_status() {
    let (base, _) = receiver().await;
    let out = deliver(&client(), &Secret::generate(), &delivery(format!("{base}/fail"))).await;
    assert_eq!((out.status, out.ok), (Some(500), false));
    assert_eq!(out.error.as_deref(), Some("HTTP 500"));
    assert_eq!(out.response_snippet.as_deref(), Some("boom"));
    assert_eq!(out.retry_after, None);
}

#[tokio::test]
async fn a_slow_receiver_times_out() {
    let (base, _) = receiver().await;
    let started = Instant::now();
    let hasty = client().with_timeout(Duration::from_millis(200));
    let out = deliver(&hasty, &Secret::generate(), &delivery(format!("{base}/slow"))).await;
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert_eq!((out.status, out.ok), (None, false));
    assert_eq!(out.error.as_deref(), Some("timed out after 200 ms"));
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let (base, seen) = receiver().await;
    let out = deliver(&client(), &Secret::generate(), &delivery(format!("{base}/redirect"))).await;
    assert_eq!((out.status, out.ok), (Some(302), false));
    assert!(out.error.unwrap().contains("not followed"));
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_huge_answer_is_cut_to_4_kib() {
    let (base, _) = receiver().await;
    let out = deliver(&client(), &Secret::generate(), &delivery(format!("{base}/huge"))).await;
    assert!(out.ok);
    assert_eq!(out.response_snippet.unwrap().len(), 4096);
}

#[tokio::test]
async fn retry_after_is_reported_on_429() {
    let (base, _) = receiver().await;
    let out = deliver(&client(), &Secret::generate(), &delivery(format!("{base}/busy"))).await;
    assert_eq!((out.status, out.ok, out.retry_after), (Some(429), false, Some(7)));
}

#[tokio::test]
async fn private_receivers_are_refused_without_the_flag() {
    let (base, seen) = receiver().await;
    let strict = Deliverer::new(false).unwrap();
    let out = deliver(&strict, &Secret::generate(), &delivery(format!("{base}/ok"))).await;
    assert_eq!((out.status, out.ok), (None, false));
    assert!(out.error.unwrap().starts_with("refused: "));
    assert!(seen.lock().unwrap().is_empty());
}
