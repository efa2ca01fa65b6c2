//! Inserting, patching and deleting events, and refusing malformed requests.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sked_test_utils::google::base32hex_ok;

use super::support::{env, event};

#[tokio::test]
async fn insert_takes_a_client_id_once_and_refuses_bad_ids() {
    let e = env().await;
    let (access, _) = e.connect().await;
    let mut body = event("Sked booking", "2026-03-10T10:00:00-04:00", "2026-03-10T10:30:00-04:00");
    body["id"] = json!("sked0123456789abcdef");
    body["extendedProperties"] = json!({"private": {"booking_id": "bk_1"}});
    let path = "/calendars/primary/events?sendUpdates=all";
    let (status, _, made) = e.call(&access, Method::POST, path, Some(body.clone())).await;
    assert_eq!(status, StatusCode::OK, "{made}");
    assert_eq!(made["id"], "sked0123456789abcdef");
    assert_eq!(made["iCalUID"], "sked0123456789abcdef@google.com");
    assert_eq!((made["status"].as_str(), made["sequence"].as_u64()), (Some("confirmed"), Some(0)));
    assert_eq!(made["organizer"], json!({"email": "host@example.test", "self": true}));
    assert_eq!(made["reminders"], json!({"useDefault": true}));
    assert_eq!(made["start"]["dateTime"], "2026-03-10T14:00:00Z", "shown in the calendar's zone (UTC)");
    assert!(e.g.requests().iter().any(|(m, p)| m == "POST" && p.ends_with("/events?sendUpdates=all")));

    let (status, _, dup) = e.call(&access, Method::POST, path, Some(body.clone())).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let msg = "The requested identifier already exists.";
    assert_eq!(
        dup,
        json!({"error": {"errors": [{"domain": "global", "reason": "duplicate", "message": msg}], "code": 409, "message": msg}})
    );
    // Still taken once deleted.
    e.g.delete_event("primary", "sked0123456789abcdef");
    assert_eq!(e.call(&access, Method::POST, path, Some(body.clone())).await.0, StatusCode::CONFLICT);

    body["id"] = json!("Bad_Id!");
    let (status, _, bad) = e.call(&access, Method::POST, path, Some(body)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["error"]["errors"][0]["reason"], "invalid");
    assert_eq!(bad["error"]["message"], "Invalid resource id value.");

    assert!(base32hex_ok("abcde") && base32hex_ok("0123456789abcdefghijklmnopqrstuv"));
    assert!(
        !base32hex_ok("abcd")
            && !base32hex_ok("abcdw")
            && !base32hex_ok("ABCDE")
            && !base32hex_ok(&"a".repeat(1025))
    );
}

#[tokio::test]
async fn patch_raises_sequence_only_when_the_event_moves() {
    let e = env().await;
    let (access, _) = e.connect().await;
    let (_, _, made) = e
        .call(
            &access,
            Method::POST,
            "/calendars/primary/events",
            Some(event("x", "2026-03-10T15:00:00Z", "2026-03-10T16:00:00Z")),
        )
        .await;
    let path = format!("/calendars/primary/events/{}", made["id"].as_str().unwrap());
    e.advance(5);
    let (status, _, renamed) = e.call(&access, Method::PATCH, &path, Some(json!({"summary": "y"}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((renamed["summary"].as_str(), renamed["sequence"].as_u64()), (Some("y"), Some(0)));
    assert_ne!(renamed["etag"], made["etag"]);
    assert_ne!(renamed["updated"], made["updated"]);
    let new_time =
        json!({"start": {"dateTime": "2026-03-10T17:00:00Z"}, "end": {"dateTime": "2026-03-10T18:00:00Z"}});
    let (_, _, moved) = e.call(&access, Method::PATCH, &path, Some(new_time)).await;
    assert_eq!((moved["sequence"].as_u64(), moved["summary"].as_str()), (Some(1), Some("y")));
    let (status, _, missing) = e
        .call(&access, Method::PATCH, "/calendars/primary/events/nosuchevent0", Some(json!({"summary": "z"})))
        .await;
    assert_eq!((status, missing["error"]["message"].as_str()), (StatusCode::NOT_FOUND, Some("Not Found")));
}

#[tokio::test]
async fn delete_answers_204_then_410() {
    let e = env().await;
    let (access, _) = e.connect().await;
    let id = e.g.put_event("primary", event("x", "2026-03-10T15:00:00Z", "2026-03-10T16:00:00Z"));
    let path = format!("/calendars/primary/events/{id}?sendUpdates=none");
    let (status, _, body) = e.call(&access, Method::DELETE, &path, None).await;
    assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
    let (status, read) = e.get(&access, &format!("/calendars/primary/events/{id}")).await;
    assert_eq!((status, read["status"].as_str()), (StatusCode::OK, Some("cancelled")));
    let (status, _, gone) = e.call(&access, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(
        gone,
        json!({"error": {"errors": [{"domain": "global", "reason": "deleted", "message": "Resource has been deleted"}],
            "code": 410, "message": "Resource has been deleted"}})
    );
    let (status, _, _) = e.call(&access, Method::DELETE, "/calendars/primary/events/unknown00", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(e.g.events("primary").is_empty());
}

#[tokio::test]
async fn malformed_requests_get_google_400s_not_panics() {
    let e = env().await;
    let (access, _) = e.connect().await;
    let resp = e
        .http
        .post(format!("{}/calendars/primary/events", e.g.api_base()))
        .bearer_auth(&access)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["errors"][0]["reason"], "parseError");
    for path in [
        "/calendars/primary/events?timeMin=yesterday",
        "/calendars/primary/events?maxResults=0",
        "/calendars/primary/events?maxResults=lots",
        "/calendars/primary/events?singleEvents=maybe",
        "/calendars/primary/events?timeMin=2026-03-02T00:00:00Z&timeMax=2026-03-01T00:00:00Z",
        "/calendars/primary/events?pageToken=nope",
        "/calendars/primary/events?privateExtendedProperty=novalue",
    ] {
        assert_eq!(e.get(&access, path).await.0, StatusCode::BAD_REQUEST, "{path}");
    }
    let no_end = json!({"summary": "x", "start": {"dateTime": "2026-03-10T15:00:00"}});
    let (status, _, body) = e.call(&access, Method::POST, "/calendars/primary/events", Some(no_end)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let backwards = event("x", "2026-03-10T16:00:00Z", "2026-03-10T15:00:00Z");
    let (_, _, body) = e.call(&access, Method::POST, "/calendars/primary/events", Some(backwards)).await;
    assert_eq!(body["error"]["errors"][0]["reason"], "timeRangeEmpty");
    assert_eq!(e.get(&access, "/calendars/someone%40else.test/events").await.0, StatusCode::NOT_FOUND);
    assert_eq!(e.get(&access, "/calendars/%FF%FE/events").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_calendar_shared_read_only_refuses_event_writes() {
    let e = env().await;
    let (access, _) = e.connect().await;
    e.g.add_calendar("host@example.test", "team@group.calendar.google.com", "Team", "UTC");
    e.g.set_read_only("team@group.calendar.google.com", true);
    let (_, list) = e.get(&access, "/users/me/calendarList").await;
    let team = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "team@group.calendar.google.com")
        .unwrap();
    assert_eq!(team["accessRole"], "reader");
    let path = "/calendars/team%40group.calendar.google.com/events";
    let body = event("Booking", "2026-03-10T10:00:00Z", "2026-03-10T10:30:00Z");
    let (status, _, refused) = e.call(&access, Method::POST, path, Some(body.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(refused["error"]["errors"][0]["reason"], "requiredAccessLevel");
    // Reading still works; writable again, the write goes through.
    assert_eq!(e.get(&access, path).await.0, StatusCode::OK);
    e.g.set_read_only("team@group.calendar.google.com", false);
    assert_eq!(e.call(&access, Method::POST, path, Some(body)).await.0, StatusCode::OK);
}
