//! Busy time from Outlook: events in slots, polling, throttling with `Retry-After`, and stale
//! delta tokens.

use sked_test_utils::microsoft::DeltaExpiry;

use super::*;

#[tokio::test]
async fn outlook_events_block_slots_by_googles_rules() {
    on_each_store_ms(|app, g| async move {
        let w = world(&app).await;
        let main = g.default_calendar();
        // Ann's calendar before she connects.
        g.put_event(&main, timed("Dentist", "2026-03-03T10:00:00", "2026-03-03T11:00:00"));
        let mut free = timed("Focus", "2026-03-03T13:00:00", "2026-03-03T14:00:00");
        free["showAs"] = json!("free");
        g.put_event(&main, free);
        let mut declined = timed("Offsite", "2026-03-03T14:00:00", "2026-03-03T15:00:00");
        declined["responseStatus"] = json!({"response": "declined", "time": "2026-03-01T10:00:00Z"});
        g.put_event(&main, declined);
        g.put_event(
            &main,
            json!({"subject": "Conference", "isAllDay": true,
                   "start": {"dateTime": "2026-03-04T00:00:00", "timeZone": EASTERN},
                   "end": {"dateTime": "2026-03-05T00:00:00", "timeZone": EASTERN}}),
        );
        let mut weekly = timed("Standup", "2026-03-05T09:00:00", "2026-03-05T10:00:00");
        weekly["recurrence"] = json!({
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["thursday"]},
            "range": {"type": "numbered", "startDate": "2026-03-05", "numberOfOccurrences": 4}});
        let series = g.put_event(&main, weekly);
        // The 12th moved to 15:00; the 19th deleted.
        g.move_event(
            &format!("{series}_20260312T130000Z"),
            ts("2026-03-12T19:00:00Z"),
            ts("2026-03-12T20:00:00Z"),
        );
        g.delete_event(&format!("{series}_20260319T130000Z"));
        // Events in a calendar not marked busy do not block.
        let personal = g.add_calendar("Personal");
        g.put_event(&personal, timed("Gym", "2026-03-03T09:00:00", "2026-03-03T10:00:00"));

        let c = connect(&app, &g, &w.hosts[0]).await;
        // Tuesday: 10:00–11:00 is busy (with the 10-minute buffer, 09:30 too); the free and the
        // declined events do not block.
        let tue = ann_starts(&app, &w, "2026-03-03").await;
        assert!(tue.contains(&"2026-03-03T14:00:00Z".to_owned()), "09:00 is free: {tue:?}");
        for taken in ["2026-03-03T14:30:00Z", "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z"] {
            assert!(!tue.contains(&taken.to_owned()), "{taken} is busy: {tue:?}");
        }
        for open in ["2026-03-03T16:00:00Z", "2026-03-03T18:00:00Z", "2026-03-03T19:00:00Z"] {
            assert!(tue.contains(&open.to_owned()), "{open} is free: {tue:?}");
        }
        assert!(ann_starts(&app, &w, "2026-03-04").await.is_empty(), "the all-day event takes Wednesday");
        assert!(!free_at(&app, &w, "2026-03-05", "2026-03-05T14:00:00Z").await);
        let th12 = ann_starts(&app, &w, "2026-03-12").await;
        assert!(
            th12.contains(&"2026-03-12T13:00:00Z".to_owned())
                && !th12.contains(&"2026-03-12T19:00:00Z".to_owned()),
            "{th12:?}"
        );
        assert!(free_at(&app, &w, "2026-03-19", "2026-03-19T13:00:00Z").await, "the deleted occurrence");
        assert!(!free_at(&app, &w, "2026-03-26", "2026-03-26T13:00:00Z").await);
        let busy = app
            .get(&format!("/v1/hosts/{}/busy?from=2026-03-03T00:00:00Z&to=2026-03-04T00:00:00Z", w.hosts[0]))
            .await;
        assert_eq!(
            busy.body["data"],
            json!([{"start": "2026-03-03T15:00:00Z", "end": "2026-03-03T16:00:00Z", "source": c["id"]}])
        );

        // Without notifications, the poll finds changes within its interval.
        let late = g.put_event(&main, timed("Late", "2026-03-03T16:30:00", "2026-03-03T17:00:00"));
        assert!(free_at(&app, &w, "2026-03-03", "2026-03-03T21:30:00Z").await);
        advance(&app, 301);
        tick(&app).await;
        assert!(!free_at(&app, &w, "2026-03-03", "2026-03-03T21:30:00Z").await);
        // Deleted, or made free: the time is free again.
        g.delete_event(&late);
        let dentist = g.events(&main).into_iter().find(|e| e["subject"] == "Dentist").unwrap();
        g.patch_event(dentist["id"].as_str().unwrap(), json!({"showAs": "free"}));
        advance(&app, 301);
        tick(&app).await;
        let tue = ann_starts(&app, &w, "2026-03-03").await;
        assert!(
            tue.contains(&"2026-03-03T21:30:00Z".to_owned())
                && tue.contains(&"2026-03-03T15:00:00Z".to_owned()),
            "{tue:?}"
        );
        app
    })
    .await;
}

#[tokio::test]
async fn throttled_calls_wait_out_retry_after_and_no_longer() {
    on_each_store_ms(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &g, &w.hosts[0]).await;
        // A write-back told to wait 7 seconds waits 7 seconds.
        g.rate_limit_next(1, 7);
        book(&app, &w, "2026-03-03T14:00:00Z").await;
        app.run_pending_jobs().await;
        assert!(our_events(&g).is_empty());
        let queued = app.get("/v1/jobs?status=queued").await;
        let push = queued.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["kind"] == "calendar.push")
            .cloned()
            .unwrap();
        let due = push["run_at"].as_str().unwrap().parse::<Timestamp>().unwrap();
        assert_eq!(due.as_second() - app.clock.now().as_second(), 7, "Retry-After is honoured");
        advance(&app, 6);
        app.run_pending_jobs().await;
        assert!(our_events(&g).is_empty(), "not before Retry-After");
        advance(&app, 1);
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 1);

        // A poll told to wait 120 seconds by a 503 waits as long (the subscription and the
        // health check are made first, so the poll is the only call).
        tick(&app).await;
        let main = g.default_calendar();
        g.put_event(&main, timed("Busy", "2026-03-10T09:00:00", "2026-03-10T10:00:00"));
        g.unavailable_next(1, Some(120));
        advance(&app, 301);
        let before = g.requests().len();
        tick(&app).await;
        assert_eq!(g.requests().len(), before + 1, "{:?}", &g.requests()[before..]);
        assert!(free_at(&app, &w, "2026-03-10", "2026-03-10T13:00:00Z").await);
        advance(&app, 119);
        app.run_pending_jobs().await;
        assert!(free_at(&app, &w, "2026-03-10", "2026-03-10T13:00:00Z").await, "not before Retry-After");
        advance(&app, 1);
        app.run_pending_jobs().await;
        assert!(!free_at(&app, &w, "2026-03-10", "2026-03-10T13:00:00Z").await);
        app
    })
    .await;
}

#[tokio::test]
async fn stale_delta_tokens_resync_in_full_and_stay_correct() {
    on_each_store_ms(|app, g| async move {
        let w = world(&app).await;
        let main = g.default_calendar();
        g.set_page_size(2);
        let mut ids = Vec::new();
        for h in 9..14 {
            ids.push(g.put_event(
                &main,
                timed(
                    &format!("e{h}"),
                    &format!("2026-03-05T{h:02}:00:00"),
                    &format!("2026-03-05T{h:02}:30:00"),
                ),
            ));
        }
        let c = connect(&app, &g, &w.hosts[0]).await;
        // 09:00–13:30 hold an event each half past: 7 of the 14 starts are taken.
        assert_eq!(ann_starts(&app, &w, "2026-03-05").await.len(), 7, "every page was read");
        assert!(calls(&g, "GET", "calendarView/delta") >= 3, "paged");
        let b = book(&app, &w, "2026-03-06T15:00:00Z").await;
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 1);

        for (round, how) in [DeltaExpiry::Gone, DeltaExpiry::SyncStateNotFound].into_iter().enumerate() {
            // Graph forgets the delta token; meanwhile Ann deletes one event and adds another.
            g.expire_delta_tokens(how);
            g.delete_event(&ids[round]);
            let hour = 9 + round;
            g.put_event(
                &main,
                timed("new", &format!("2026-03-09T{hour:02}:00:00"), &format!("2026-03-09T{hour:02}:30:00")),
            );
            let fresh = calls(&g, "GET", "startDateTime=");
            advance(&app, 301);
            tick(&app).await;
            assert_eq!(calls(&g, "GET", "startDateTime="), fresh + 1, "{how:?}: a new round from the start");
            let th = ann_starts(&app, &w, "2026-03-05").await;
            // The buffer after 09:30 reaches 10:00: deleting the 10:00 event frees two starts.
            assert_eq!(th.len(), [8, 10][round], "{how:?}: {th:?}");
            assert!(
                th.contains(&format!("2026-03-05T{:02}:00:00Z", 14 + round)),
                "{how:?}: the deleted event is gone: {th:?}"
            );
            assert!(
                !free_at(&app, &w, "2026-03-09", &format!("2026-03-09T{:02}:00:00Z", 13 + round)).await,
                "{how:?}"
            );
            let conn = app.get(&format!("/v1/connections/{}", c["id"].as_str().unwrap())).await;
            assert!(conn.body["calendars"][0]["last_error"].is_null(), "{}", conn.body);
            // The booking's own event came back in the full listing: neither busy time nor a
            // change to follow.
            let got = app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await;
            assert_eq!(
                (got.body["status"].as_str(), got.body["start"].as_str()),
                (Some("confirmed"), Some("2026-03-06T15:00:00Z"))
            );
            let busy = app
                .get(&format!(
                    "/v1/hosts/{}/busy?from=2026-03-06T00:00:00Z&to=2026-03-07T00:00:00Z",
                    w.hosts[0]
                ))
                .await;
            let sources: Vec<&str> =
                busy.body["data"].as_array().unwrap().iter().map(|x| x["source"].as_str().unwrap()).collect();
            assert_eq!(sources, ["booking"], "{}", busy.body);
        }
        // Incremental rounds go on from the new token.
        g.put_event(&main, timed("after", "2026-03-11T09:00:00", "2026-03-11T10:00:00"));
        let fresh = calls(&g, "GET", "startDateTime=");
        advance(&app, 301);
        tick(&app).await;
        assert_eq!(calls(&g, "GET", "startDateTime="), fresh);
        assert!(!free_at(&app, &w, "2026-03-11", "2026-03-11T13:00:00Z").await);
        app
    })
    .await;
}
