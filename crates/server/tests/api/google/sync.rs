//! Busy time from Google: events in slots, rate limits and stale sync tokens, several calendars,
//! full resyncs, and listings overtaken by our own writes.

use super::*;

#[tokio::test]
async fn google_events_block_slots_bookings_reach_google_and_moves_come_back() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        // Ann's calendar before she connects.
        g.put_event(ANN, timed("busy1", "2026-03-03T10:00:00-05:00", "2026-03-03T11:00:00-05:00"));
        let mut free = timed("free1", "2026-03-03T13:00:00-05:00", "2026-03-03T14:00:00-05:00");
        free["transparency"] = json!("transparent");
        g.put_event(ANN, free);
        let mut declined = timed("declined1", "2026-03-03T14:00:00-05:00", "2026-03-03T15:00:00-05:00");
        declined["attendees"] = json!([{"email": ANN, "self": true, "responseStatus": "declined"}, {"email": "boss@other.test", "organizer": true, "responseStatus": "accepted"}]);
        g.put_event(ANN, declined);
        g.put_event(ANN, json!({"id": "allday1", "summary": "Conference", "start": {"date": "2026-03-04"}, "end": {"date": "2026-03-05"}}));
        let mut weekly = timed("weekly1", "2026-03-05T09:00:00-05:00", "2026-03-05T10:00:00-05:00");
        weekly["recurrence"] = json!(["RRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=4"]);
        g.put_event(ANN, weekly);
        let mut moved = timed("weekly1_20260312T130000Z", "2026-03-12T15:00:00-04:00", "2026-03-12T16:00:00-04:00");
        moved["recurringEventId"] = json!("weekly1");
        moved["originalStartTime"] = json!({"dateTime": "2026-03-12T09:00:00-04:00", "timeZone": ZONE});
        g.put_event(ANN, moved);
        let mut skipped = timed("weekly1_20260319T130000Z", "2026-03-19T09:00:00-04:00", "2026-03-19T10:00:00-04:00");
        skipped["recurringEventId"] = json!("weekly1");
        skipped["originalStartTime"] = json!({"dateTime": "2026-03-19T09:00:00-04:00", "timeZone": ZONE});
        skipped["status"] = json!("cancelled");
        g.put_event(ANN, skipped);

        let c = connect(&app, &w.hosts[0]).await;
        assert_eq!((c["provider"].as_str(), c["account"].as_str(), c["status"].as_str()), (Some("google"), Some(ANN), Some("healthy")));
        assert_eq!(c["booking_calendar_id"], ANN);
        let primary = c["calendars"].as_array().unwrap().iter().find(|k| k["id"] == ANN).unwrap();
        assert_eq!((primary["busy"].as_bool(), primary["primary"].as_bool()), (Some(true), Some(true)));

        // Tuesday: 10:00–11:00 is busy (and with the 10-minute buffer, 09:30 too); the free
        // and the declined events do not block.
        let tue = ann_starts(&app, &w, "2026-03-03").await;
        assert!(tue.contains(&"2026-03-03T14:00:00Z".to_owned()), "09:00 is free: {tue:?}");
        for taken in ["2026-03-03T14:30:00Z", "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z"] {
            assert!(!tue.contains(&taken.to_owned()), "{taken} is busy: {tue:?}");
        }
        for open in ["2026-03-03T16:00:00Z", "2026-03-03T18:00:00Z", "2026-03-03T19:00:00Z"] {
            assert!(tue.contains(&open.to_owned()), "{open} is free: {tue:?}");
        }
        assert!(ann_starts(&app, &w, "2026-03-04").await.is_empty(), "the all-day event takes Wednesday");
        // The weekly series: the 5th and 26th at 09:00, the 12th moved to 15:00, the 19th cancelled.
        assert!(!ann_starts(&app, &w, "2026-03-05").await.contains(&"2026-03-05T14:00:00Z".to_owned()));
        let th12 = ann_starts(&app, &w, "2026-03-12").await;
        assert!(th12.contains(&"2026-03-12T13:00:00Z".to_owned()) && !th12.contains(&"2026-03-12T19:00:00Z".to_owned()), "{th12:?}");
        assert!(ann_starts(&app, &w, "2026-03-19").await.contains(&"2026-03-19T13:00:00Z".to_owned()));
        assert!(!ann_starts(&app, &w, "2026-03-26").await.contains(&"2026-03-26T13:00:00Z".to_owned()));
        let busy = app.get(&format!("/v1/hosts/{}/busy?from=2026-03-03T00:00:00Z&to=2026-03-04T00:00:00Z", w.hosts[0])).await;
        assert_eq!(busy.body["data"], json!([{"start": "2026-03-03T15:00:00Z", "end": "2026-03-03T16:00:00Z", "source": c["id"]}]));

        // Push channels, then a booking: it appears in Google with the client invited.
        tick(&app).await;
        assert_eq!(g.channels().len(), 1);
        let b = book(&app, &w, "2026-03-03T16:30:00Z").await;
        app.run_pending_jobs().await;
        let ours = our_events(&g);
        assert_eq!(ours.len(), 1, "{ours:?}");
        let ev = &ours[0];
        assert_eq!(ev["extendedProperties"]["private"]["sked_booking_id"], b["id"]);
        assert_eq!(ev["attendees"][0]["email"], "guest@example.test");
        assert_eq!(ev["summary"], "Consultation with Pat Lee");
        assert!(ev["description"].as_str().unwrap().contains("Bring the lease"));
        assert_eq!(ev["start"]["dateTime"].as_str().unwrap().parse::<Timestamp>().unwrap(), "2026-03-03T16:30:00Z".parse::<Timestamp>().unwrap());
        assert!(g.requests().iter().any(|(m, p)| m == "POST" && p.contains("/events?") && p.contains("sendUpdates=all")));
        // Our own event is not busy time on top of the booking.
        let busy = app.get(&format!("/v1/hosts/{}/busy?from=2026-03-03T16:00:00Z&to=2026-03-03T18:00:00Z", w.hosts[0])).await;
        assert_eq!(busy.body["data"].as_array().unwrap().iter().map(|x| x["source"].as_str().unwrap()).collect::<Vec<_>>(), ["booking"]);

        // Ann moves it in Google to 15:00 New York: the booking follows.
        let event_id = ev["id"].as_str().unwrap().to_owned();
        g.patch_event(ANN, &event_id, json!({"start": {"dateTime": "2026-03-03T15:00:00-05:00"}, "end": {"dateTime": "2026-03-03T15:30:00-05:00"}}));
        let patches_before = g.requests().iter().filter(|(m, _)| m == "PATCH").count();
        notify(&app, &g).await;
        let moved = app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await;
        assert_eq!((moved.body["start"].as_str(), moved.body["status"].as_str()), (Some("2026-03-03T20:00:00Z"), Some("confirmed")));
        let history = app.get(&format!("/v1/bookings/{}/history", b["id"].as_str().unwrap())).await;
        let last = history.body["data"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["actor"].as_str(), last["action"].as_str()), (Some("google"), Some("rescheduled")));
        assert_eq!(g.requests().iter().filter(|(m, _)| m == "PATCH").count(), patches_before, "no echo back to Google");
        assert_eq!(our_events(&g).len(), 1);

        // A new event in Google blocks within one notification.
        assert!(ann_starts(&app, &w, "2026-03-03").await.contains(&"2026-03-03T21:30:00Z".to_owned()));
        g.put_event(ANN, timed("late1", "2026-03-03T16:30:00-05:00", "2026-03-03T17:00:00-05:00"));
        g.put_event(ANN, timed("later2", "2026-03-20T09:00:00-04:00", "2026-03-20T10:00:00-04:00"));
        g.put_event(ANN, timed("later3", "2026-03-20T11:00:00-04:00", "2026-03-20T12:00:00-04:00"));
        // Three notifications before the worker runs make one sync.
        let lists = |g: &GoogleStandIn| g.requests().iter().filter(|(m, p)| m == "GET" && p.contains("/events?")).count();
        let before = lists(&g);
        assert_eq!(g.deliver_push().await, [200, 200, 200]);
        app.run_pending_jobs().await;
        assert_eq!(lists(&g), before + 1, "one listing for the burst");
        assert!(!ann_starts(&app, &w, "2026-03-03").await.contains(&"2026-03-03T21:30:00Z".to_owned()));

        // Ann deletes the booking's event in Google: the booking is cancelled.
        g.delete_event(ANN, &event_id);
        notify(&app, &g).await;
        let gone = app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await;
        assert_eq!(gone.body["status"], "cancelled");
        let history = app.get(&format!("/v1/bookings/{}/history", b["id"].as_str().unwrap())).await;
        assert_eq!(history.body["data"].as_array().unwrap().last().unwrap()["actor"], "google");
        app
    })
    .await;
}

#[tokio::test]
async fn rate_limits_are_honoured_and_stale_sync_tokens_resync_cleanly() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        g.set_page_size(2);
        for i in 0..5 {
            let h = 9 + i;
            g.put_event(
                ANN,
                timed(
                    &format!("e{i}"),
                    &format!("2026-03-05T{h:02}:00:00-05:00"),
                    &format!("2026-03-05T{h:02}:30:00-05:00"),
                ),
            );
        }
        let c = connect(&app, &w.hosts[0]).await;
        // 09:00–13:30 hold an event each half past: 7 of the 14 starts are taken.
        assert_eq!(ann_starts(&app, &w, "2026-03-05").await.len(), 7, "every page was read");
        let r = g.requests();
        assert!(r.iter().filter(|(_, p)| p.contains("/events?")).count() >= 3, "paged");

        g.rate_limit_next(1, 7);
        book(&app, &w, "2026-03-03T14:00:00Z").await;
        app.run_pending_jobs().await;
        assert!(our_events(&g).is_empty());
        let jobs = app.get("/v1/jobs?status=queued").await;
        let push = jobs.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["kind"] == "calendar.push")
            .cloned()
            .unwrap();
        let due = push["run_at"].as_str().unwrap().parse::<Timestamp>().unwrap();
        assert_eq!(due.as_second() - app.clock.now().as_second(), 7, "Retry-After is honoured");
        advance(&app, 7);
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 1);

        // Google forgets the sync token: the next sync starts over cleanly.
        g.invalidate_sync_tokens();
        g.delete_event(ANN, "e0");
        g.put_event(ANN, timed("e9", "2026-03-06T09:00:00-05:00", "2026-03-06T09:30:00-05:00"));
        advance(&app, 301);
        tick(&app).await;
        let th = ann_starts(&app, &w, "2026-03-05").await;
        assert!(th.contains(&"2026-03-05T14:00:00Z".to_owned()), "e0 is gone: {th:?}");
        assert_eq!(th.len(), 8);
        assert!(!ann_starts(&app, &w, "2026-03-06").await.contains(&"2026-03-06T14:00:00Z".to_owned()));
        let conn = app.get(&format!("/v1/connections/{}", c["id"].as_str().unwrap())).await;
        assert!(conn.body["calendars"][0]["last_error"].is_null(), "{}", conn.body);
        app
    })
    .await;
}

#[tokio::test]
async fn several_calendars_block_and_disconnecting_keeps_bookings() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        g.add_calendar(ANN, "personal-ann", "Personal", ZONE);
        g.put_event("personal-ann", timed("p1", "2026-03-03T09:00:00-05:00", "2026-03-03T10:00:00-05:00"));
        g.put_event(ANN, timed("w1", "2026-03-03T13:00:00-05:00", "2026-03-03T14:00:00-05:00"));
        let c = connect(&app, &w.hosts[0]).await;
        let id = c["id"].as_str().unwrap().to_owned();
        assert_eq!(c["calendars"].as_array().unwrap().len(), 2);
        assert!(
            ann_starts(&app, &w, "2026-03-03").await.contains(&"2026-03-03T14:00:00Z".to_owned()),
            "personal is not busy yet"
        );
        let bad = app
            .patch(
                &format!("/v1/connections/{id}"),
                json!({"booking_calendar_id": "nope", "calendars": [{"id": "other", "busy": true}]}),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.fields(), ["booking_calendar_id", "calendars[0].id"]);
        let ok = app
            .patch(
                &format!("/v1/connections/{id}"),
                json!({"calendars": [{"id": "personal-ann", "busy": true}]}),
            )
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
        app.run_pending_jobs().await;
        let tue = ann_starts(&app, &w, "2026-03-03").await;
        assert!(
            !tue.contains(&"2026-03-03T14:00:00Z".to_owned())
                && !tue.contains(&"2026-03-03T18:00:00Z".to_owned()),
            "both calendars block: {tue:?}"
        );
        tick(&app).await;
        assert_eq!(g.channels().len(), 2, "a channel per busy calendar");

        let b = book(&app, &w, "2026-03-03T16:00:00Z").await;
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 1);
        let other = app
            .call_with("DELETE", &format!("/v1/connections/{id}"), None, &app.new_tenant("Other").await, &[])
            .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
        let gone = app.delete(&format!("/v1/connections/{id}")).await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT);
        // Busy time from Google is gone at once; the booking stays.
        assert!(ann_starts(&app, &w, "2026-03-03").await.contains(&"2026-03-03T14:00:00Z".to_owned()));
        assert_eq!(
            app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await.body["status"],
            "confirmed"
        );
        assert_eq!(app.get(&format!("/v1/connections/{id}")).await.status, StatusCode::NOT_FOUND);
        // The job that gives the grant back carries only the id of the sealed tokens kept for it.
        let jobs = app.get("/v1/jobs?status=queued").await;
        let release = jobs.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["kind"] == "calendar.release")
            .unwrap()
            .clone();
        let payload = release["payload"].as_object().unwrap();
        assert!(payload.keys().all(|k| !k.ends_with("_token")), "{release}");
        let kept: uuid::Uuid = payload["revocation_id"].as_str().unwrap().parse().unwrap();
        assert!(app.store.pending_revocation(kept).await.unwrap().refresh_token.is_some());
        app.run_pending_jobs().await;
        assert!(g.channels().is_empty(), "channels stopped");
        assert!(g.requests().iter().any(|(m, p)| m == "POST" && p.starts_with("/revoke")), "grant revoked");
        assert!(
            matches!(app.store.pending_revocation(kept).await, Err(sked_store::StoreError::NotFound)),
            "forgotten once done"
        );
        app
    })
    .await;
}

#[tokio::test]
async fn a_full_resync_still_sees_our_deleted_events_and_past_bookings_stay() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &w.hosts[0]).await;
        let soon = book(&app, &w, "2026-03-03T14:00:00Z").await;
        let later = book(&app, &w, "2026-03-04T14:00:00Z").await;
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 2);
        // The first booking is over; Ann tidies its event away. She also deletes the second
        // one's, while Google has dropped Sked's sync token: the next sync is a full one.
        advance(&app, 2 * 86_400 - 12 * 3_600 - 60);
        let find = |bk: &Value| {
            our_events(&g).into_iter().find(|e| e["extendedProperties"]["private"]["sked_booking_id"] == bk["id"]).unwrap()
        };
        let (soon_event, later_event) = (find(&soon), find(&later));
        g.delete_event(ANN, soon_event["id"].as_str().unwrap());
        g.delete_event(ANN, later_event["id"].as_str().unwrap());
        g.invalidate_sync_tokens();
        tick(&app).await;
        let status = |bk: &Value| {
            let id = bk["id"].as_str().unwrap().to_owned();
            let app = &app;
            async move { app.get(&format!("/v1/bookings/{id}")).await.body["status"].as_str().unwrap().to_owned() }
        };
        assert_eq!(status(&soon).await, "confirmed", "what happened stays");
        assert_eq!(status(&later).await, "cancelled", "deleted while the token was lost");
        app
    })
    .await;
}

#[tokio::test]
async fn a_booking_whose_write_back_gave_up_is_written_by_a_resync() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        let c = connect(&app, &w.hosts[0]).await;
        g.set_down(true);
        let b = book(&app, &w, "2026-03-20T14:00:00Z").await;
        // Google stays down past every retry (about eight days): the write-back job gives up.
        let mut dead = false;
        for _ in 0..200 {
            app.run_pending_jobs().await;
            let jobs = app.get("/v1/jobs?status=dead").await;
            dead = jobs.body["data"].as_array().unwrap().iter().any(|j| j["kind"] == "calendar.push");
            if dead {
                break;
            }
            advance(&app, 3 * 3_600);
        }
        assert!(dead, "the write-back gave up");
        g.set_down(false);
        app.run_pending_jobs().await;
        assert!(our_events(&g).is_empty());
        // The admin asks for a resync: the booking is written, once.
        let r = app.post(&format!("/v1/connections/{}/sync", c["id"].as_str().unwrap()), json!({})).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        app.run_pending_jobs().await;
        let ours = our_events(&g);
        assert_eq!(ours.len(), 1, "{ours:?}");
        assert_eq!(ours[0]["extendedProperties"]["private"]["sked_booking_id"], b["id"]);
        app.post(&format!("/v1/connections/{}/sync", c["id"].as_str().unwrap()), json!({})).await;
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 1);
        app
    })
    .await;
}

#[tokio::test]
async fn a_listing_overtaken_by_our_own_write_does_not_move_the_booking_back() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        let c = connect(&app, &w.hosts[0]).await;
        let conn: sked_core::ids::ConnectionId = c["id"].as_str().unwrap().parse().unwrap();
        let b = book(&app, &w, "2026-03-03T16:00:00Z").await;
        app.run_pending_jobs().await;
        let event = our_events(&g)[0]["id"].as_str().unwrap().to_owned();
        // Ann moves the event; a sync lists it, and its answer is held in flight...
        g.patch_event(ANN, &event, json!({"start": {"dateTime": "2026-03-03T13:00:00-05:00"}, "end": {"dateTime": "2026-03-03T13:30:00-05:00"}}));
        let mut hold = g.hold_next_list();
        let state = app.state.clone();
        let syncing = tokio::spawn(async move { calendars::sync::sync(&state, conn, ANN, false).await.unwrap() });
        hold.served().await;
        // ...while the booking is rescheduled in Sked and the new time written to Google.
        let id = b["id"].as_str().unwrap();
        let r = app.post(&format!("/v1/bookings/{id}/reschedule"), json!({"start": "2026-03-03T19:00:00Z"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        let now_in_google = &our_events(&g)[0];
        assert_eq!(now_in_google["start"]["dateTime"].as_str().unwrap().parse::<Timestamp>().unwrap(), "2026-03-03T19:00:00Z".parse::<Timestamp>().unwrap());
        // The held listing (Ann's 13:00) arrives late: Google already shows 19:00, so nothing moves.
        hold.release();
        let report = syncing.await.unwrap();
        assert_eq!(report.moved, 0, "{report:?}");
        let got = app.get(&format!("/v1/bookings/{id}")).await;
        assert_eq!(got.body["start"], "2026-03-03T19:00:00Z", "{}", got.body);
        app
    })
    .await;
}

#[tokio::test]
async fn a_long_outage_keeps_one_sync_and_one_renewal_per_calendar_waiting_and_the_next_poll_syncs() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &w.hosts[0]).await;
        g.set_down(true);
        // Two hours down, polled every five minutes: each calendar's failed sync is renewed by
        // the next poll, not joined by another (it was 24 syncs of one calendar, and a channel
        // renewal an hour).
        for _ in 0..24 {
            advance(&app, 300);
            tick(&app).await;
        }
        let queued = app.get("/v1/jobs?status=queued&limit=100").await;
        let mut per: std::collections::HashMap<(String, String), usize> = Default::default();
        for j in queued.body["data"].as_array().unwrap() {
            let calendar = j["payload"]["calendar_id"].as_str().unwrap_or("").to_owned();
            *per.entry((j["kind"].as_str().unwrap().to_owned(), calendar)).or_default() += 1;
        }
        // The push channel's renewal (retried hourly) too: one per calendar.
        assert!(per.keys().any(|(kind, _)| kind == "calendar.sync"), "{per:?}");
        assert!(per.keys().any(|(kind, _)| kind == "calendar.watch"), "{per:?}");
        assert!(per.values().all(|n| *n == 1), "{per:?}");
        // Google answers again: the next poll syncs at once (no backoff grown over the outage).
        g.set_down(false);
        g.put_event(ANN, timed("after", "2026-03-03T10:00:00-05:00", "2026-03-03T11:00:00-05:00"));
        advance(&app, 300);
        tick(&app).await;
        let tue = ann_starts(&app, &w, "2026-03-03").await;
        assert!(!tue.contains(&"2026-03-03T15:00:00Z".to_owned()), "the new event blocks: {tue:?}");
        let left = app.get("/v1/jobs?status=queued&limit=100").await;
        assert!(
            left.body["data"].as_array().unwrap().iter().all(|j| j["kind"] != "calendar.sync"),
            "{}",
            left.body
        );
        app
    })
    .await;
}
