//! Deliveries the mirror refuses or does not apply: forged, unsigned or misdirected ones (one
//! 401 for all), unmapped event types, times taken in Sked, other triggers, unreadable payloads.

use reqwest::StatusCode;
use serde_json::json;
use sked_test_utils::calcom::delivery;

use super::{SECRET, by_ref, configure, deliver, post_signed};
use crate::helpers::*;

#[tokio::test]
async fn forged_or_unsigned_deliveries_change_nothing() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let path = configure(&app, &w).await;
        let body = delivery(
            "BOOKING_CREATED",
            "2026-03-02T12:00:00Z",
            "f1",
            101,
            "2026-03-03T15:00:00Z",
            "2026-03-03T15:30:00Z",
        );
        let raw = serde_json::to_vec(&body).unwrap();
        let with = |sig: &'static str| {
            app.client
                .post(format!("{}{path}", app.base))
                .header("content-type", "application/json")
                .header("x-cal-signature-256", sig)
                .body(raw.clone())
        };
        let mut answers = vec![
            post_signed(&app, &path, &body, Some("another-secret-of-some-length")).await,
            post_signed(&app, &path, &body, None).await,
            TestApp::send(with("no-secret-provided")).await,
            TestApp::send(with("zz")).await,
            post_signed(&app, "/webhooks/calcom/no-such-tenant", &body, Some(SECRET)).await,
            post_signed(&app, "/webhooks/calcom/Not%20A%20Slug", &body, Some(SECRET)).await,
        ];
        // A tenant without the integration.
        let other = app.new_tenant("Bare").await;
        let slug = app.call_with("GET", "/v1/tenant", None, &other, &[]).await.body["slug"]
            .as_str()
            .unwrap()
            .to_owned();
        answers.push(post_signed(&app, &format!("/webhooks/calcom/{slug}"), &body, Some(SECRET)).await);
        // Not even JSON, unsigned.
        let junk = app
            .client
            .post(format!("{}{path}", app.base))
            .header("content-type", "application/json")
            .body("{{{");
        answers.push(TestApp::send(junk).await);
        for r in &answers {
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
            assert_eq!(
                (&r.body["code"], &r.body["detail"]),
                (&answers[0].body["code"], &answers[0].body["detail"]),
                "one answer for all"
            );
        }
        assert!(by_ref(&app, "f1").await.is_empty());
        // The genuine one is mirrored.
        assert_eq!(deliver(&app, &path, &body).await.body["outcome"], "created");
        app
    })
    .await;
}

#[tokio::test]
async fn unmapped_event_types_and_taken_times_change_nothing() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let path = configure(&app, &w).await;
        let body = delivery(
            "BOOKING_CREATED",
            "2026-03-02T12:00:00Z",
            "n1",
            999,
            "2026-03-03T15:00:00Z",
            "2026-03-03T15:30:00Z",
        );
        let r = deliver(&app, &path, &body).await;
        assert_eq!(
            (r.status, r.body["outcome"].as_str()),
            (StatusCode::ACCEPTED, Some("ignored")),
            "{}",
            r.body
        );
        assert!(r.body["detail"].as_str().unwrap().contains("999"));
        assert!(by_ref(&app, "n1").await.is_empty());
        // Both hosts are booked at 10:00 New York on Tuesday.
        for name in ["Sam", "Kim"] {
            let r = app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T15:00:00Z", name)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
        let taken = delivery(
            "BOOKING_CREATED",
            "2026-03-02T12:00:00Z",
            "t1",
            101,
            "2026-03-03T15:15:00Z",
            "2026-03-03T15:45:00Z",
        );
        let r = deliver(&app, &path, &taken).await;
        assert_eq!(
            (r.status, r.body["outcome"].as_str()),
            (StatusCode::ACCEPTED, Some("conflict")),
            "{}",
            r.body
        );
        assert!(by_ref(&app, "t1").await.is_empty());
        // A mirrored booking is not moved onto taken time either.
        let free = delivery(
            "BOOKING_CREATED",
            "2026-03-02T12:01:00Z",
            "t2",
            101,
            "2026-03-04T15:00:00Z",
            "2026-03-04T15:30:00Z",
        );
        let id = deliver(&app, &path, &free).await.body["booking_id"].as_str().unwrap().to_owned();
        let onto = delivery(
            "BOOKING_RESCHEDULED",
            "2026-03-02T12:02:00Z",
            "t2",
            101,
            "2026-03-03T15:00:00Z",
            "2026-03-03T15:30:00Z",
        );
        let r = deliver(&app, &path, &onto).await;
        assert_eq!(
            (r.status, r.body["outcome"].as_str()),
            (StatusCode::ACCEPTED, Some("conflict")),
            "{}",
            r.body
        );
        let b = app.get(&format!("/v1/bookings/{id}")).await.body;
        assert_eq!(b["start"], "2026-03-04T15:00:00Z");
        // Other triggers are acknowledged; a signed delivery the mirror cannot read is a 400.
        let ping = json!({"triggerEvent": "PING", "createdAt": "2026-03-02T12:00:00Z", "payload": {}});
        assert_eq!(deliver(&app, &path, &ping).await.status, StatusCode::ACCEPTED);
        let broken = json!({"triggerEvent": "BOOKING_CREATED", "createdAt": "yesterday", "payload": {}});
        let r = deliver(&app, &path, &broken).await;
        assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "malformed_payload"), "{}", r.body);
        app
    })
    .await;
}
