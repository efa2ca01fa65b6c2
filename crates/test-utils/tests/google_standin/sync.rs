//! Listing: full and incremental sync, filters and expanded series.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::support::{enc, env, event, ids};

#[tokio::test]
async fn full_sync_pages_and_ends_with_a_sync_token() {
    let e = env().await;
    let (access, _) = e.connect().await;
    let mut put = Vec::new();
    for i in 0..5 {
        let start = format!("2026-03-1{i}T15:00:00Z");
        let end = format!("2026-03-1{i}T16:00:00Z");
        put.push(e.g.put_event("primary", event(&format!("busy {i}"), &start, &end)));
    }
    e.g.delete_event("primary", &put[4]);
    e.g.set_page_size(2);
    let (items, pages, sync) = e.list_all(&access, "/calendars/primary/events?maxResults=100").await;
    assert_eq!(pages, 2);
    assert_eq!(ids(&items), put[..4].iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!sync.is_empty());
    assert_eq!(items[0]["kind"], "calendar#event");
    assert_eq!(items[0]["status"], "confirmed");
    assert_eq!(items[0]["start"]["dateTime"], "2026-03-10T15:00:00Z");

    let (all, _, _) = e.list_all(&access, "/calendars/primary/events?showDeleted=true").await;
    assert_eq!(all.len(), 5);
    let (window, _, _) = e
        .list_all(
            &access,
            &format!(
                "/calendars/primary/events?timeMin={}&timeMax={}",
                enc("2026-03-11T16:00:00Z"),
                enc("2026-03-13T15:00:00Z")
            ),
        )
        .await;
    assert_eq!(
        ids(&window),
        vec![put[2].as_str()],
        "timeMin bounds the end, timeMax the start, both exclusive"
    );
}

#[tokio::test]
async fn incremental_sync_returns_moved_and_deleted_events() {
    let e = env().await;
    let (access, _) = e.connect().await;
    let a = e.g.put_event("primary", event("a", "2026-03-10T15:00:00Z", "2026-03-10T16:00:00Z"));
    let b = e.g.put_event("primary", event("b", "2026-03-11T15:00:00Z", "2026-03-11T16:00:00Z"));
    let _c = e.g.put_event("primary", event("c", "2026-03-12T15:00:00Z", "2026-03-12T16:00:00Z"));
    let (_, _, sync) = e.list_all(&access, "/calendars/primary/events").await;

    e.advance(60);
    let moved = e.g.patch_event(
        "primary",
        &a,
        json!({"start": {"dateTime": "2026-03-10T17:00:00Z"}, "end": {"dateTime": "2026-03-10T18:00:00Z"}}),
    );
    assert_eq!(moved["sequence"], 1);
    e.g.delete_event("primary", &b);

    let (items, _, next) =
        e.list_all(&access, &format!("/calendars/primary/events?syncToken={}", enc(&sync))).await;
    assert_eq!(ids(&items), vec![a.as_str(), b.as_str()]);
    assert_eq!(items[0]["start"]["dateTime"], "2026-03-10T17:00:00Z");
    assert_eq!(items[0]["updated"], "2026-03-09T12:01:00.000Z");
    assert_eq!(items[1]["status"], "cancelled");
    assert_eq!(items[1]["kind"], "calendar#event");
    assert!(items[1].get("start").is_none(), "a deleted event is listed as a stub");

    let (again, _, _) =
        e.list_all(&access, &format!("/calendars/primary/events?syncToken={}", enc(&next))).await;
    assert!(again.is_empty());

    let (status, body) = e
        .get(
            &access,
            &format!("/calendars/primary/events?syncToken={}&timeMin=2026-03-01T00:00:00Z", enc(&next)),
        )
        .await;
    assert_eq!(
        (status, body["error"]["errors"][0]["reason"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid"))
    );
}

#[tokio::test]
async fn invalidated_sync_tokens_require_a_full_sync() {
    let e = env().await;
    let (access, _) = e.connect().await;
    e.g.put_event("primary", event("a", "2026-03-10T15:00:00Z", "2026-03-10T16:00:00Z"));
    let (_, _, sync) = e.list_all(&access, "/calendars/primary/events").await;
    e.g.invalidate_sync_tokens();
    let (status, body) = e.get(&access, &format!("/calendars/primary/events?syncToken={}", enc(&sync))).await;
    assert_eq!(status, StatusCode::GONE);
    let msg = "Sync token is no longer valid, a full sync is required.";
    assert_eq!(
        body,
        json!({"error": {"errors": [{"domain": "global", "reason": "fullSyncRequired", "message": msg}],
            "code": 410, "message": msg}})
    );
    let (status, _) = e.get(&access, "/calendars/primary/events?syncToken=CUnknownToken=").await;
    assert_eq!(status, StatusCode::GONE);
}

#[tokio::test]
async fn private_extended_properties_filter_the_list() {
    let e = env().await;
    let (access, _) = e.connect().await;
    for (n, booking) in [(0, "bk_1"), (1, "bk_2")] {
        let mut ev = event("booking", &format!("2026-03-1{n}T15:00:00Z"), &format!("2026-03-1{n}T16:00:00Z"));
        ev["extendedProperties"] = json!({"private": {"booking_id": booking, "source": "sked"}});
        e.g.put_event("primary", ev);
    }
    let path = format!(
        "/calendars/primary/events?privateExtendedProperty={}&privateExtendedProperty={}",
        enc("booking_id=bk_2"),
        enc("source=sked")
    );
    let (status, body) = e.get(&access, &path).await;
    assert_eq!(status, StatusCode::OK);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["extendedProperties"]["private"]["booking_id"], "bk_2");
    let (_, none) = e
        .get(
            &access,
            &format!("/calendars/primary/events?privateExtendedProperty={}", enc("booking_id=bk_9")),
        )
        .await;
    assert!(none["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn single_events_expand_series_with_their_exceptions() {
    let e = env().await;
    let (access, _) = e.connect().await;
    e.g.set_time_zone("host@example.test", "America/New_York");
    let master = e.g.put_event(
        "primary",
        json!({"summary": "standup",
               "start": {"dateTime": "2026-03-02T09:00:00", "timeZone": "America/New_York"},
               "end": {"dateTime": "2026-03-02T09:30:00", "timeZone": "America/New_York"},
               "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO", "EXDATE;TZID=America/New_York:20260316T090000"]}),
    );
    // The 9 March instance moved to 10:00; the 23 March one cancelled.
    e.g.put_event(
        "primary",
        json!({"id": format!("{master}_20260309T130000Z"), "recurringEventId": master, "summary": "standup (late)",
               "originalStartTime": {"dateTime": "2026-03-09T09:00:00-04:00", "timeZone": "America/New_York"},
               "start": {"dateTime": "2026-03-09T10:00:00-04:00"}, "end": {"dateTime": "2026-03-09T10:30:00-04:00"}}),
    );
    e.g.put_event(
        "primary",
        json!({"id": format!("{master}_20260323T130000Z"), "recurringEventId": master, "status": "cancelled",
               "originalStartTime": {"dateTime": "2026-03-23T09:00:00-04:00", "timeZone": "America/New_York"}}),
    );
    let range = format!("timeMin={}&timeMax={}", enc("2026-03-01T00:00:00Z"), enc("2026-04-01T00:00:00Z"));
    let (status, body) = e
        .get(&access, &format!("/calendars/primary/events?singleEvents=true&orderBy=startTime&{range}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let starts: Vec<&str> =
        body["items"].as_array().unwrap().iter().map(|i| i["start"]["dateTime"].as_str().unwrap()).collect();
    assert_eq!(
        starts,
        vec!["2026-03-02T09:00:00-05:00", "2026-03-09T10:00:00-04:00", "2026-03-30T09:00:00-04:00"],
        "DST-aware weekly series minus the EXDATE, the cancelled and with the moved instance"
    );
    assert_eq!(body["items"][0]["recurringEventId"], master.as_str());
    assert_eq!(body["timeZone"], "America/New_York");

    // Without singleEvents the master and its cancelled instance are listed as stored.
    let (_, raw) = e.get(&access, &format!("/calendars/primary/events?{range}")).await;
    assert_eq!(raw["items"].as_array().unwrap().len(), 3);
    let (status, _) = e.get(&access, "/calendars/primary/events?orderBy=startTime").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "startTime ordering needs singleEvents");

    let fb = json!({"timeMin": "2026-03-02T00:00:00Z", "timeMax": "2026-03-03T00:00:00Z", "items": [{"id": "primary"}, {"id": "nobody@example.test"}]});
    let (status, _, busy) = e.call(&access, Method::POST, "/freeBusy", Some(fb)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        busy["calendars"]["primary"]["busy"],
        json!([{"start": "2026-03-02T14:00:00Z", "end": "2026-03-02T14:30:00Z"}])
    );
    assert_eq!(busy["calendars"]["nobody@example.test"]["errors"][0]["reason"], "notFound");
}

#[tokio::test]
async fn calendar_list_pages_and_shows_secondary_calendars() {
    let e = env().await;
    e.g.add_calendar("host@example.test", "team@group.calendar.google.com", "Team", "Europe/Berlin");
    e.g.add_calendar("someone@example.test", "theirs@group.calendar.google.com", "Not mine", "UTC");
    let (access, _) = e.connect().await;
    e.g.set_page_size(1);
    let (items, pages, _) = e.list_all(&access, "/users/me/calendarList").await;
    assert_eq!(pages, 2);
    assert_eq!(ids(&items), vec!["host@example.test", "team@group.calendar.google.com"]);
    assert_eq!(items[1]["kind"], "calendar#calendarListEntry");
    assert_eq!((items[1]["timeZone"].as_str(), items[1].get("primary")), (Some("Europe/Berlin"), None));

    let id = e.g.put_event(
        "team@group.calendar.google.com",
        event("x", "2026-03-10T15:00:00Z", "2026-03-10T16:00:00Z"),
    );
    let (status, ev) =
        e.get(&access, &format!("/calendars/team%40group.calendar.google.com/events/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ev["start"]["dateTime"], "2026-03-10T16:00:00+01:00", "shown in the calendar's zone");
    assert_eq!(ev["organizer"]["displayName"], "Team");
    let (status, _) = e.get(&access, "/calendars/theirs%40group.calendar.google.com/events").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another account's calendar");
}
