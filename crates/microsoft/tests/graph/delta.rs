//! Calendar-view delta: full and incremental rounds, paging, expanded series, stale links.

use jiff::civil::date;
use serde_json::json;
use sked_microsoft::events::When;
use sked_microsoft::{DeltaStart, ProviderError};
use sked_test_utils::microsoft::DeltaExpiry;

use super::support::{env, event, stored_by_id, ts, utc};

fn window() -> DeltaStart<'static> {
    DeltaStart::Fresh { start: ts("2026-03-01T00:00:00Z"), end: ts("2026-04-01T00:00:00Z") }
}

#[tokio::test]
async fn a_full_round_pages_to_a_delta_link() {
    let e = env().await;
    let access = e.connect().await.access_token;
    let cal = e.ms.default_calendar();
    let mut ids = Vec::new();
    for i in 0..5 {
        let (s, en) = (format!("2026-03-1{i}T15:00:00"), format!("2026-03-1{i}T16:00:00"));
        ids.push(e.ms.put_event(&cal, event(&format!("busy {i}"), &s, &en)));
    }
    e.ms.put_event(&cal, event("outside", "2026-05-01T09:00:00", "2026-05-01T10:00:00"));
    let client = e.client.clone().with_delta_page_size(2);
    let round = client.calendar_view_delta_round(&access, &cal, window()).await.unwrap();
    assert_eq!(round.pages, 3);
    assert_eq!(round.events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ids);
    assert!(round.delta_link.starts_with(&e.ms.graph_base()), "{}", round.delta_link);
    assert!(round.delta_link.contains("$deltatoken="));
    let first = round.events[0].stored();
    assert_eq!(first.start, Some(When::At(ts("2026-03-10T15:00:00Z").as_second())));
    assert!(first.blocks && !first.cancelled);
    let asked: Vec<String> =
        e.ms.requests().into_iter().map(|(_, p)| p).filter(|p| p.contains("delta")).collect();
    assert!(
        asked[0].contains("startDateTime=2026-03-01T00%3A00%3A00Z")
            || asked[0].contains("startDateTime=2026-03-01T00:00:00Z"),
        "{asked:?}"
    );
    assert!(asked[1].contains("$skiptoken="), "{asked:?}");
}

#[tokio::test]
async fn pages_can_be_taken_one_at_a_time() {
    let e = env().await;
    let access = e.connect().await.access_token;
    let cal = e.ms.default_calendar();
    for i in 0..3 {
        e.ms.put_event(
            &cal,
            event("x", &format!("2026-03-1{i}T09:00:00"), &format!("2026-03-1{i}T10:00:00")),
        );
    }
    let client = e.client.clone().with_delta_page_size(2);
    let page = client.calendar_view_delta(&access, &cal, window()).await.unwrap();
    assert_eq!(page.events.len(), 2);
    let next = page.next_link.unwrap();
    assert!(page.delta_link.is_none());
    let last = client.calendar_view_delta(&access, "ignored", DeltaStart::Link(&next)).await.unwrap();
    assert_eq!(last.events.len(), 1);
    assert!(last.next_link.is_none() && last.delta_link.is_some());
    let retried = client.calendar_view_delta(&access, "ignored", DeltaStart::Link(&next)).await.unwrap();
    assert_eq!(retried.events, last.events, "a page asked again answers the same");
}

#[tokio::test]
async fn the_next_round_has_only_what_changed() {
    let e = env().await;
    let access = e.connect().await.access_token;
    let cal = e.ms.default_calendar();
    let kept = e.ms.put_event(&cal, event("kept", "2026-03-10T09:00:00", "2026-03-10T10:00:00"));
    let moved = e.ms.put_event(&cal, event("moved", "2026-03-11T09:00:00", "2026-03-11T10:00:00"));
    let deleted = e.ms.put_event(&cal, event("deleted", "2026-03-12T09:00:00", "2026-03-12T10:00:00"));
    let leaving = e.ms.put_event(&cal, event("leaving", "2026-03-13T09:00:00", "2026-03-13T10:00:00"));
    let round = e.client.calendar_view_delta_round(&access, &cal, window()).await.unwrap();
    assert_eq!(round.events.len(), 4);

    e.advance(60);
    e.ms.move_event(&moved, ts("2026-03-11T13:00:00Z"), ts("2026-03-11T14:00:00Z"));
    e.ms.delete_event(&deleted);
    e.ms.move_event(&leaving, ts("2026-06-01T09:00:00Z"), ts("2026-06-01T10:00:00Z"));
    let added = e.ms.put_event(&cal, event("added", "2026-03-20T09:00:00", "2026-03-20T10:00:00"));
    let far = e.ms.put_event(&cal, event("far away", "2026-07-01T09:00:00", "2026-07-01T10:00:00"));

    let next =
        e.client.calendar_view_delta_round(&access, &cal, DeltaStart::Link(&round.delta_link)).await.unwrap();
    let got = stored_by_id(&next.events);
    let id_of = |id: &str| got.iter().find(|(i, _)| i == id).map(|(_, s)| s.clone());
    assert!(id_of(&kept).is_none(), "unchanged events are not sent again");
    assert_eq!(id_of(&moved).unwrap().start, Some(When::At(ts("2026-03-11T13:00:00Z").as_second())));
    assert!(id_of(&deleted).unwrap().cancelled);
    assert!(id_of(&leaving).unwrap().cancelled, "moved out of the window reads as removed");
    assert!(!id_of(&added).unwrap().cancelled);
    assert!(id_of(&far).unwrap().cancelled, "changes outside the window come as @removed");
    assert_eq!(got.len(), 5);
    let removed = next.events.iter().find(|ev| ev.id == deleted).unwrap();
    assert_eq!(removed.removed.as_deref(), Some("deleted"));

    let quiet =
        e.client.calendar_view_delta_round(&access, &cal, DeltaStart::Link(&next.delta_link)).await.unwrap();
    assert!(quiet.events.is_empty());
}

#[tokio::test]
async fn series_come_as_occurrences_and_exceptions() {
    let e = env().await;
    let access = e.connect().await.access_token;
    let cal = e.ms.default_calendar();
    let series = e.ms.put_event(
        &cal,
        json!({
            "subject": "Standup",
            "start": {"dateTime": "2026-03-02T09:00:00", "timeZone": "Eastern Standard Time"},
            "end": {"dateTime": "2026-03-02T09:15:00", "timeZone": "Eastern Standard Time"},
            "recurrence": {
                "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday", "wednesday"], "firstDayOfWeek": "sunday"},
                "range": {"type": "endDate", "startDate": "2026-03-02", "endDate": "2026-03-11", "recurrenceTimeZone": "Eastern Standard Time"}
            }
        }),
    );
    let round = e.client.calendar_view_delta_round(&access, &cal, window()).await.unwrap();
    let starts: Vec<Option<When>> = round.events.iter().map(|ev| ev.stored().start).collect();
    // Mondays and Wednesdays to the 11th, 09:00 New York (EST, then EDT from the 8th).
    let at = |s: &str| Some(When::At(ts(s).as_second()));
    assert_eq!(
        starts,
        vec![
            at("2026-03-02T14:00:00Z"),
            at("2026-03-04T14:00:00Z"),
            at("2026-03-09T13:00:00Z"),
            at("2026-03-11T13:00:00Z")
        ]
    );
    assert!(round.events.iter().all(|ev| ev.kind.as_deref() == Some("occurrence")
        && ev.series_master_id.as_deref() == Some(series.as_str())));
    let stored = round.events[0].stored();
    assert_eq!(stored.series_id, stored.id, "each instance stands alone");

    let skipped = round.events[1].id.clone();
    let moved = round.events[2].id.clone();
    e.ms.delete_event(&skipped);
    let exception = e.ms.move_event(&moved, ts("2026-03-09T18:00:00Z"), ts("2026-03-09T18:15:00Z"));
    let next =
        e.client.calendar_view_delta_round(&access, &cal, DeltaStart::Link(&round.delta_link)).await.unwrap();
    let got = stored_by_id(&next.events);
    assert!(got.iter().any(|(id, s)| id == &skipped && s.cancelled));
    assert!(
        got.iter().any(|(id, s)| id == &moved && s.cancelled),
        "the occurrence gives way to its exception"
    );
    let (_, exc) = got.iter().find(|(id, _)| id == &exception).unwrap();
    assert_eq!(exc.start, at("2026-03-09T18:00:00Z"));
    assert_eq!(next.events.iter().find(|ev| ev.id == exception).unwrap().kind.as_deref(), Some("exception"));
}

#[tokio::test]
async fn all_day_free_and_declined_events_read_as_outlook_means_them() {
    let e = env().await;
    let access = e.connect().await.access_token;
    let cal = e.ms.default_calendar();
    let holiday = e.ms.put_event(
        &cal,
        json!({"subject": "Holiday", "isAllDay": true,
               "start": {"dateTime": "2026-03-17T00:00:00", "timeZone": "W. Europe Standard Time"},
               "end": {"dateTime": "2026-03-18T00:00:00", "timeZone": "W. Europe Standard Time"}}),
    );
    let mut free = event("focus", "2026-03-10T09:00:00", "2026-03-10T10:00:00");
    free["showAs"] = json!("free");
    let free = e.ms.put_event(&cal, free);
    let mut declined = event("invite", "2026-03-10T11:00:00", "2026-03-10T12:00:00");
    declined["responseStatus"] = json!({"response": "declined", "time": "2026-03-01T10:00:00Z"});
    let declined = e.ms.put_event(&cal, declined);
    let round = e.client.calendar_view_delta_round(&access, &cal, window()).await.unwrap();
    let got = stored_by_id(&round.events);
    let get = |id: &str| got.iter().find(|(i, _)| i == id).unwrap().1.clone();
    let h = get(&holiday);
    assert_eq!((h.start, h.end), (Some(When::Date(date(2026, 3, 17))), Some(When::Date(date(2026, 3, 18)))));
    assert!(h.blocks);
    let raw = round.events.iter().find(|ev| ev.id == holiday).unwrap();
    assert_eq!(raw.start, Some(utc("2026-03-17T00:00:00.0000000")));
    assert_eq!(raw.original_start_time_zone.as_deref(), Some("W. Europe Standard Time"));
    assert!(!get(&free).blocks);
    assert!(!get(&declined).blocks);
}

#[tokio::test]
async fn stale_delta_links_are_gone_and_a_fresh_round_recovers() {
    for how in [DeltaExpiry::Gone, DeltaExpiry::SyncStateNotFound] {
        let e = env().await;
        let access = e.connect().await.access_token;
        let cal = e.ms.default_calendar();
        e.ms.put_event(&cal, event("a", "2026-03-10T09:00:00", "2026-03-10T10:00:00"));
        let round = e.client.calendar_view_delta_round(&access, &cal, window()).await.unwrap();
        e.ms.expire_delta_tokens(how);
        let err = e
            .client
            .calendar_view_delta_round(&access, &cal, DeltaStart::Link(&round.delta_link))
            .await
            .unwrap_err();
        assert!(matches!(err, ProviderError::Gone { .. }), "{how:?}: {err:?}");
        let again = e.client.calendar_view_delta_round(&access, &cal, window()).await.unwrap();
        assert_eq!(again.events.len(), 1);
    }
}

#[tokio::test]
async fn links_outside_the_graph_base_are_never_followed() {
    let e = env().await;
    let access = e.connect().await.access_token;
    let before = e.ms.requests().len();
    let foreign = "https://evil.example/v1.0/me/calendarView/delta?$deltatoken=abc";
    let err = e.client.calendar_view_delta(&access, "c", DeltaStart::Link(foreign)).await.unwrap_err();
    assert!(matches!(err, ProviderError::Gone { .. }), "{err:?}");
    assert_eq!(e.ms.requests().len(), before, "nothing was sent");
}
