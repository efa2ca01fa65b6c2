//! Moving off Cal.com through HTTP: the integration's configuration and the webhook mirror
//! (creations, both styles of reschedule, a host's reschedule request, cancellations, replays,
//! late deliveries); what it refuses in [`refused`], the importer against a Cal.com stand-in in
//! [`import`].

mod import;
mod refused;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sked_test_utils::calcom::{delivery, sign};

use crate::helpers::*;

const SECRET: &str = "whsec-calcom-0123456789abcdef";

/// Maps Cal.com event type 101 to the world's event type; answers the webhook's path.
async fn configure(app: &TestApp, w: &World) -> String {
    let r = app
        .call_with(
            "PUT",
            "/v1/integrations/calcom",
            Some(json!({"webhook_secret": SECRET, "event_types": {"101": w.event_type}})),
            &app.key,
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let url = r.body["webhook_url"].as_str().unwrap();
    url.strip_prefix(&app.base).unwrap().to_owned()
}

/// Posts `body` to `path` signed with `secret` (or with this exact header value).
async fn post_signed(app: &TestApp, path: &str, body: &Value, signature: Option<&str>) -> Res {
    let raw = serde_json::to_vec(body).unwrap();
    let mut req = app
        .client
        .post(format!("{}{path}", app.base))
        .header("content-type", "application/json")
        .body(raw.clone());
    if let Some(secret) = signature {
        req = req.header("x-cal-signature-256", sign(secret, &raw));
    }
    TestApp::send(req).await
}

async fn deliver(app: &TestApp, path: &str, body: &Value) -> Res {
    post_signed(app, path, body, Some(SECRET)).await
}

/// The bookings whose `external_ref` is `uid`.
async fn by_ref(app: &TestApp, uid: &str) -> Vec<Value> {
    let r = app.get(&format!("/v1/bookings?external_ref={uid}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["data"].as_array().unwrap().clone()
}

async fn history(app: &TestApp, id: &str) -> Vec<Value> {
    let r = app.get(&format!("/v1/bookings/{id}/history")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn the_integration_keeps_its_secret_sealed_and_checks_its_map() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        assert_eq!(app.get("/v1/integrations/calcom").await.status, StatusCode::NOT_FOUND);
        let put = |body: Value| app.call_with("PUT", "/v1/integrations/calcom", Some(body), &app.key, &[]);
        for (body, field) in [
            (json!({"webhook_secret": "short", "event_types": {}}), "webhook_secret"),
            (json!({"webhook_secret": "no-secret-provided", "event_types": {}}), "webhook_secret"),
            (json!({"webhook_secret": SECRET, "event_types": {"abc": w.event_type}}), "event_types.abc"),
            (json!({"webhook_secret": SECRET, "event_types": {"7": "not-an-id"}}), "event_types.7"),
            (json!({"webhook_secret": SECRET, "event_types": {"7": w.hosts[0]}}), "event_types.7"),
        ] {
            let r = put(body).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            assert_eq!(r.fields(), [field], "{}", r.body);
        }
        let many: serde_json::Map<String, Value> =
            (1..=201).map(|i| (i.to_string(), json!(w.event_type))).collect();
        let r = put(json!({"webhook_secret": SECRET, "event_types": many})).await;
        assert_eq!(r.fields(), ["event_types"], "{}", r.body);

        let path = configure(&app, &w).await;
        let r = app.get("/v1/integrations/calcom").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body["webhook_secret_set"], true);
        assert_eq!(r.body["event_types"], json!({"101": w.event_type}));
        assert!(path.starts_with("/webhooks/calcom/"), "{path}");
        assert!(!r.body.to_string().contains(SECRET), "the secret is never shown");
        let tenant = app.store.list_tenants(sked_store::Page { limit: 10, after: None }).await.unwrap();
        let stored = app.store.calcom_integration(tenant[0].id).await.unwrap();
        let sealed = stored.webhook_secret.unwrap();
        assert!(!sealed.contains(SECRET) && !sealed.contains("0123456789abcdef"), "sealed at rest");
        // Without a secret the one set stays; a `null` too.
        let r = put(json!({"event_types": {}})).await;
        assert_eq!((r.status, &r.body["webhook_secret_set"]), (StatusCode::OK, &json!(true)), "{}", r.body);
        assert_eq!(r.body["event_types"], json!({}));
        // Another tenant sees none of it.
        let other = app.new_tenant("Other").await;
        let r = app.call_with("GET", "/v1/integrations/calcom", None, &other, &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(app.delete("/v1/integrations/calcom").await.status, StatusCode::NO_CONTENT);
        assert_eq!(app.get("/v1/integrations/calcom").await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.delete("/v1/integrations/calcom").await.status, StatusCode::NOT_FOUND);
        // Once removed, deliveries are refused.
        let body = delivery(
            "BOOKING_CREATED",
            "2026-03-02T12:00:00Z",
            "u1",
            101,
            "2026-03-03T15:00:00Z",
            "2026-03-03T15:30:00Z",
        );
        assert_eq!(deliver(&app, &path, &body).await.status, StatusCode::UNAUTHORIZED);
        app
    })
    .await;
}

#[tokio::test]
async fn mirrored_bookings_follow_calcom_once_each() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let path = configure(&app, &w).await;
        // Saturday, outside every host's hours: Cal.com sold it, so Sked records it.
        let (start, end) = ("2026-03-07T15:00:00Z", "2026-03-07T15:45:00Z");
        let created = delivery("BOOKING_CREATED", "2026-03-02T12:00:00.100Z", "u1", 101, start, end);
        let r = deliver(&app, &path, &created).await;
        assert_eq!((r.status, r.body["outcome"].as_str()), (StatusCode::OK, Some("created")), "{}", r.body);
        let id = r.body["booking_id"].as_str().unwrap().to_owned();
        let b = &by_ref(&app, "u1").await[0];
        assert_eq!(b["id"], id.as_str());
        assert_eq!((b["source"].as_str(), b["status"].as_str()), (Some("calcom"), Some("confirmed")));
        assert_eq!((b["start"].as_str(), b["end"].as_str()), (Some(start), Some(end)));
        assert_eq!(b["attendee"]["name"], "Pat Doe");
        assert_eq!(b["attendee"]["email"], "pat@example.com");
        assert_eq!(b["attendee"]["time_zone"], "Europe/Paris");
        assert_eq!(b["metadata"]["calcom"]["uid"], "u1");
        let h = history(&app, &id).await;
        assert_eq!((h.len(), h[0]["actor"].as_str()), (1, Some("calcom")));

        // The same delivery again changes nothing.
        let r = deliver(&app, &path, &created).await;
        assert_eq!((r.status, r.body["outcome"].as_str()), (StatusCode::OK, Some("unchanged")), "{}", r.body);
        assert_eq!(by_ref(&app, "u1").await.len(), 1);
        assert_eq!(history(&app, &id).await.len(), 1);

        // A reschedule with a new uid moves the same booking.
        let moved = json!({"uid": "u2", "rescheduleUid": "u1", "startTime": "2026-03-04T16:00:00Z", "endTime": "2026-03-04T16:45:00Z"});
        let mut body = delivery("BOOKING_RESCHEDULED", "2026-03-02T12:05:00Z", "u2", 101, "", "");
        merge(&mut body["payload"], &moved);
        let r = deliver(&app, &path, &body).await;
        assert_eq!((r.status, r.body["outcome"].as_str(), r.body["booking_id"].as_str()), (StatusCode::OK, Some("rescheduled"), Some(id.as_str())), "{}", r.body);
        let r = deliver(&app, &path, &body).await;
        assert_eq!(r.body["outcome"], "unchanged", "{}", r.body);
        let b = app.get(&format!("/v1/bookings/{id}")).await.body;
        assert_eq!(b["start"], "2026-03-04T16:00:00Z");

        // Older Cal.com versions keep the uid: the first uid still names the booking.
        let body = delivery("BOOKING_RESCHEDULED", "2026-03-02T12:10:00Z", "u1", 101, "2026-03-05T14:00:00Z", "2026-03-05T14:45:00Z");
        let r = deliver(&app, &path, &body).await;
        assert_eq!(r.body["outcome"], "rescheduled", "{}", r.body);
        // A reschedule made before that one, arriving late, is ignored.
        let mut late = delivery("BOOKING_RESCHEDULED", "2026-03-02T12:07:00Z", "u3", 101, "", "");
        merge(&mut late["payload"], &json!({"rescheduleUid": "u2", "startTime": "2026-03-06T14:00:00Z", "endTime": "2026-03-06T14:45:00Z"}));
        let r = deliver(&app, &path, &late).await;
        assert_eq!((r.status, r.body["outcome"].as_str()), (StatusCode::OK, Some("unchanged")), "{}", r.body);
        let b = app.get(&format!("/v1/bookings/{id}")).await.body;
        assert_eq!((b["start"].as_str(), b["sequence"].as_i64()), (Some("2026-03-05T14:00:00Z"), Some(2)));

        // Cancelled once, by either uid.
        let mut cancel = delivery("BOOKING_CANCELLED", "2026-03-02T12:20:00Z", "u2", 101, "2026-03-05T14:00:00Z", "2026-03-05T14:45:00Z");
        cancel["payload"]["cancellationReason"] = json!("Pat is travelling");
        for _ in 0..2 {
            let r = deliver(&app, &path, &cancel).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        let b = app.get(&format!("/v1/bookings/{id}")).await.body;
        assert_eq!((b["status"].as_str(), b["cancel_reason"].as_str()), (Some("cancelled"), Some("Pat is travelling")));
        let actions: Vec<String> = history(&app, &id).await.iter().map(|h| h["action"].as_str().unwrap().to_owned()).collect();
        assert_eq!(actions, ["created", "rescheduled", "rescheduled", "cancelled"]);
        // The booking's creation, delivered again now, changes nothing either.
        let r = deliver(&app, &path, &created).await;
        assert_eq!(r.body["outcome"], "unchanged", "{}", r.body);
        assert_eq!(by_ref(&app, "u1").await.len(), 1);
        app
    })
    .await;
}

#[tokio::test]
async fn a_reschedule_the_host_requested_books_the_new_time_anew() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let path = configure(&app, &w).await;
        let created = delivery(
            "BOOKING_CREATED",
            "2026-03-02T12:00:00Z",
            "r1",
            101,
            "2026-03-03T15:00:00Z",
            "2026-03-03T15:30:00Z",
        );
        let old = deliver(&app, &path, &created).await.body["booking_id"].as_str().unwrap().to_owned();
        // Cal.com cancels the booking when its host asks the attendee to pick another time...
        let mut cancel = delivery(
            "BOOKING_CANCELLED",
            "2026-03-02T12:01:00Z",
            "r1",
            101,
            "2026-03-03T15:00:00Z",
            "2026-03-03T15:30:00Z",
        );
        cancel["payload"]["requestReschedule"] = json!(true);
        assert_eq!(deliver(&app, &path, &cancel).await.body["outcome"], "cancelled");
        // ...and the time picked then reschedules the cancelled booking.
        let mut moved = delivery(
            "BOOKING_RESCHEDULED",
            "2026-03-02T12:30:00Z",
            "r2",
            101,
            "2026-03-04T15:00:00Z",
            "2026-03-04T15:30:00Z",
        );
        moved["payload"]["rescheduleUid"] = json!("r1");
        let r = deliver(&app, &path, &moved).await;
        assert_eq!((r.status, r.body["outcome"].as_str()), (StatusCode::OK, Some("created")), "{}", r.body);
        let new = r.body["booking_id"].as_str().unwrap().to_owned();
        assert_ne!(new, old);
        assert_eq!(app.get(&format!("/v1/bookings/{old}")).await.body["status"], "cancelled");
        let b = app.get(&format!("/v1/bookings/{new}")).await.body;
        assert_eq!(
            (b["status"].as_str(), b["start"].as_str()),
            (Some("confirmed"), Some("2026-03-04T15:00:00Z"))
        );
        assert_eq!(deliver(&app, &path, &moved).await.body["outcome"], "unchanged");
        // Either uid now names the booking at the new time.
        let again = delivery(
            "BOOKING_CANCELLED",
            "2026-03-02T13:00:00Z",
            "r2",
            101,
            "2026-03-04T15:00:00Z",
            "2026-03-04T15:30:00Z",
        );
        let r = deliver(&app, &path, &again).await;
        assert_eq!(
            (r.body["outcome"].as_str(), r.body["booking_id"].as_str()),
            (Some("cancelled"), Some(new.as_str()))
        );
        app
    })
    .await;
}

/// Sets every field of `with` on `v`.
fn merge(v: &mut Value, with: &Value) {
    for (k, x) in with.as_object().unwrap() {
        v[k] = x.clone();
    }
}
