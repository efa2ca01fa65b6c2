//! Push channels and their notifications.

use std::sync::{Arc, Mutex};

use axum::http::HeaderMap;
use jiff::Timestamp;
use reqwest::{Method, StatusCode};
use serde_json::json;

use super::support::{env, event};

/// A receiver for push notifications that keeps the headers of each POST.
async fn receiver() -> (String, Arc<Mutex<Vec<HeaderMap>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let keep = seen.clone();
    let app = axum::Router::new().route(
        "/google/push",
        axum::routing::post(move |headers: HeaderMap| {
            let keep = keep.clone();
            async move {
                keep.lock().unwrap().push(headers);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/google/push"), seen)
}

#[tokio::test]
async fn watch_then_deliver_push_with_google_headers() {
    let e = env().await;
    let (access, _) = e.connect().await;
    let (address, seen) = receiver().await;
    let asked = Timestamp::from_second(1_773_057_600 + 30 * 86_400).unwrap().as_millisecond();
    let channel = json!({"id": "chan-1", "type": "web_hook", "address": address, "token": "secret-1", "expiration": asked});
    let (status, _, ch) =
        e.call(&access, Method::POST, "/calendars/primary/events/watch", Some(channel)).await;
    assert_eq!(status, StatusCode::OK, "{ch}");
    let week = Timestamp::from_second(1_773_057_600 + 7 * 86_400).unwrap().as_millisecond();
    assert_eq!(ch["kind"], "api#channel");
    assert_eq!(ch["expiration"], week.to_string(), "capped at a week and written as a string");
    assert_eq!(ch["token"], "secret-1");
    let resource_id = ch["resourceId"].as_str().unwrap().to_owned();
    assert_eq!(e.g.channels()[0]["calendar_id"], "host@example.test");

    e.g.put_event("primary", event("new", "2026-03-10T15:00:00Z", "2026-03-10T16:00:00Z"));
    assert_eq!(e.g.deliver_push().await, vec![200, 200]);
    assert!(e.g.deliver_push().await.is_empty(), "delivered once");
    {
        let seen = seen.lock().unwrap();
        let h = |i: usize, name: &str| seen[i][name].to_str().unwrap().to_owned();
        assert_eq!(
            (h(0, "x-goog-resource-state"), h(0, "x-goog-message-number")),
            ("sync".into(), "1".into())
        );
        assert_eq!(
            (h(1, "x-goog-resource-state"), h(1, "x-goog-message-number")),
            ("exists".into(), "2".into())
        );
        assert_eq!(h(1, "x-goog-channel-id"), "chan-1");
        assert_eq!(h(1, "x-goog-channel-token"), "secret-1");
        assert_eq!(h(1, "x-goog-resource-id"), resource_id);
        assert_eq!(h(1, "x-goog-channel-expiration"), "Mon, 16 Mar 2026 12:00:00 GMT");
        assert_eq!(h(1, "x-goog-resource-uri"), ch["resourceUri"].as_str().unwrap());
    }

    // A second channel on the same calendar shares the resource id; stopping it works once.
    let second = json!({"id": "chan-2", "type": "web_hook", "address": address});
    let (_, _, ch2) = e.call(&access, Method::POST, "/calendars/primary/events/watch", Some(second)).await;
    assert_eq!(ch2["resourceId"], resource_id);
    let stop = json!({"id": "chan-2", "resourceId": resource_id});
    assert_eq!(
        e.call(&access, Method::POST, "/channels/stop", Some(stop.clone())).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(e.call(&access, Method::POST, "/channels/stop", Some(stop)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(e.g.deliver_push().await, Vec::<u16>::new(), "a stopped channel's sync message is dropped");

    // Past its expiration a channel gets nothing.
    e.advance(7 * 86_400);
    e.g.put_event("primary", event("later", "2026-03-20T15:00:00Z", "2026-03-20T16:00:00Z"));
    assert!(e.g.deliver_push().await.is_empty());
    assert!(e.g.channels().is_empty());
}
