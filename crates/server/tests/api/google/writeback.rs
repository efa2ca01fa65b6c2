//! Bookings written to Google: outages and their retries, moves made in Sked and by the host,
//! answers lost on the way, and calendars that do not block.

use super::*;

#[tokio::test]
async fn a_google_outage_never_fails_or_loses_a_booking() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &w.hosts[0]).await;
        g.set_down(true);
        let a = book(&app, &w, "2026-03-03T14:00:00Z").await;
        let b = book(&app, &w, "2026-03-03T15:00:00Z").await;
        assert_eq!(ann_starts(&app, &w, "2026-03-03").await.len(), 10, "slots answer without Google");
        app.run_pending_jobs().await;
        for _ in 0..3 {
            advance(&app, 600);
            app.run_pending_jobs().await;
        }
        assert!(our_events(&g).is_empty());
        let jobs = app.get("/v1/jobs?status=queued").await;
        let pushes: Vec<&Value> =
            jobs.body["data"].as_array().unwrap().iter().filter(|j| j["kind"] == "calendar.push").collect();
        assert_eq!(pushes.len(), 2, "{}", jobs.body);
        assert!(pushes.iter().all(
            |j| j["attempts"].as_i64().unwrap() >= 2 && j["last_error"].as_str().unwrap().contains("503")
        ));
        // Back up: each booking appears once, even after more retries and a forced resync.
        g.set_down(false);
        advance(&app, 3 * 3_600);
        app.run_pending_jobs().await;
        tick(&app).await;
        let ours = our_events(&g);
        assert_eq!(ours.len(), 2, "{ours:?}");
        for bk in [&a, &b] {
            assert_eq!(
                ours.iter()
                    .filter(|e| e["extendedProperties"]["private"]["sked_booking_id"] == bk["id"])
                    .count(),
                1
            );
        }
        app
    })
    .await;
}

/// Two bookings whose write-backs failed through an outage and now wait out their backoff
/// (four attempts, the next one minutes away).
async fn outage_with_two_bookings(app: &TestApp, g: &GoogleStandIn, w: &World) {
    connect(app, &w.hosts[0]).await;
    g.set_down(true);
    book(app, w, "2026-03-03T14:00:00Z").await;
    book(app, w, "2026-03-03T15:00:00Z").await;
    app.run_pending_jobs().await;
    for _ in 0..3 {
        advance(app, 600);
        app.run_pending_jobs().await;
    }
    assert!(our_events(g).is_empty());
}

#[tokio::test]
async fn write_backs_waiting_out_an_outage_go_once_a_write_back_succeeds() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        outage_with_two_bookings(&app, &g, &w).await;
        g.set_down(false);
        // One booking's write-back succeeds: the others do not wait out their backoff.
        book(&app, &w, "2026-03-03T16:00:00Z").await;
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 3, "{:?}", our_events(&g));
        let queued = app.get("/v1/jobs?status=queued").await;
        let pushes = queued.body["data"].as_array().unwrap().iter().filter(|j| j["kind"] == "calendar.push");
        assert_eq!(pushes.count(), 0, "{}", queued.body);
        app
    })
    .await;
}

#[tokio::test]
async fn write_backs_waiting_out_an_outage_go_once_a_failed_sync_succeeds() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        outage_with_two_bookings(&app, &g, &w).await;
        // A poll fails too, and its calendar records the error.
        tick(&app).await;
        g.set_down(false);
        // The sync's first retry (about 30 s) comes well before the write-backs' next attempt.
        advance(&app, 40);
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 2, "{:?}", our_events(&g));
        app
    })
    .await;
}

#[tokio::test]
async fn a_move_onto_taken_time_is_refused_and_put_back() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &w.hosts[0]).await;
        tick(&app).await;
        let a = book(&app, &w, "2026-03-03T16:30:00Z").await;
        let b = book(&app, &w, "2026-03-03T19:00:00Z").await;
        app.run_pending_jobs().await;
        let ev_a = our_events(&g).into_iter().find(|e| e["extendedProperties"]["private"]["sked_booking_id"] == a["id"]).unwrap();
        // Ann drags A onto B's time in Google.
        let id = ev_a["id"].as_str().unwrap();
        g.patch_event(ANN, id, json!({"start": {"dateTime": "2026-03-03T14:00:00-05:00"}, "end": {"dateTime": "2026-03-03T14:30:00-05:00"}}));
        notify(&app, &g).await;
        let still = app.get(&format!("/v1/bookings/{}", a["id"].as_str().unwrap())).await;
        assert_eq!(still.body["start"], "2026-03-03T16:30:00Z", "B keeps its time; A stays");
        assert_eq!(app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await.body["start"], "2026-03-03T19:00:00Z");
        let history = app.get(&format!("/v1/bookings/{}/history", a["id"].as_str().unwrap())).await;
        let last = history.body["data"].as_array().unwrap().last().unwrap().clone();
        assert_eq!((last["actor"].as_str(), last["action"].as_str()), (Some("google"), Some("move_refused")));
        // Google shows the booking where it is again.
        let back = our_events(&g).into_iter().find(|e| e["id"] == id).unwrap();
        assert_eq!(back["start"]["dateTime"].as_str().unwrap().parse::<Timestamp>().unwrap(), "2026-03-03T16:30:00Z".parse::<Timestamp>().unwrap());
        app
    })
    .await;
}

#[tokio::test]
async fn a_bookings_calendar_that_does_not_block_is_still_followed() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        g.add_calendar(ANN, "bookings-ann", "Client bookings", ZONE);
        g.put_event("bookings-ann", timed("note1", "2026-03-03T09:00:00-05:00", "2026-03-03T10:00:00-05:00"));
        let c = connect(&app, &w.hosts[0]).await;
        let id = c["id"].as_str().unwrap().to_owned();
        let early = book(&app, &w, "2026-03-03T18:00:00Z").await;
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 1, "written to the primary calendar");
        let in_bookings = |g: &GoogleStandIn| -> Vec<Value> {
            g.events("bookings-ann").into_iter().filter(|e| e["id"].as_str().unwrap().starts_with("sked")).collect()
        };
        let r = app.patch(&format!("/v1/connections/{id}"), json!({"booking_calendar_id": "bookings-ann"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let cal = |body: &Value, id: &str| body["calendars"].as_array().unwrap().iter().find(|k| k["id"] == id).unwrap().clone();
        let k = cal(&r.body, "bookings-ann");
        assert_eq!((k["busy"].as_bool(), k["synced"].as_bool()), (Some(false), Some(true)), "{k}");
        app.run_pending_jobs().await;
        assert!(cal(&app.get(&format!("/v1/connections/{id}")).await.body, "bookings-ann")["synced_at"].is_string());
        // The upcoming booking's event moved to the new booking calendar.
        assert!(our_events(&g).is_empty(), "{:?}", our_events(&g));
        let moved_over = in_bookings(&g);
        assert_eq!(moved_over.len(), 1);
        assert_eq!(moved_over[0]["extendedProperties"]["private"]["sked_booking_id"], early["id"]);
        // The primary calendar's next sync sees the event gone from it: not a cancellation.
        advance(&app, 301);
        tick(&app).await;
        let still = app.get(&format!("/v1/bookings/{}", early["id"].as_str().unwrap())).await;
        assert_eq!(still.body["status"], "confirmed", "{}", still.body);
        assert_eq!(in_bookings(&g).len(), 1);
        // Its own events do not block Ann's time.
        assert!(ann_starts(&app, &w, "2026-03-03").await.contains(&"2026-03-03T14:00:00Z".to_owned()));
        tick(&app).await;
        assert_eq!(g.channels().len(), 2, "the bookings calendar is watched too");

        let b = book(&app, &w, "2026-03-03T16:30:00Z").await;
        app.run_pending_jobs().await;
        let ours: Vec<Value> =
            in_bookings(&g).into_iter().filter(|e| e["extendedProperties"]["private"]["sked_booking_id"] == b["id"]).collect();
        assert_eq!((ours.len(), in_bookings(&g).len()), (1, 2), "{ours:?}");
        assert!(our_events(&g).is_empty(), "nothing in the primary calendar");
        // Ann moves it there: the booking follows.
        let event_id = ours[0]["id"].as_str().unwrap().to_owned();
        g.patch_event("bookings-ann", &event_id, json!({"start": {"dateTime": "2026-03-03T15:00:00-05:00"}, "end": {"dateTime": "2026-03-03T15:30:00-05:00"}}));
        notify(&app, &g).await;
        let moved = app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await;
        assert_eq!(moved.body["start"], "2026-03-03T20:00:00Z");
        let history = app.get(&format!("/v1/bookings/{}/history", b["id"].as_str().unwrap())).await;
        assert_eq!(history.body["data"].as_array().unwrap().last().unwrap()["actor"], "google");
        // Still no busy time from that calendar beyond the booking itself.
        let busy = app.get(&format!("/v1/hosts/{}/busy?from=2026-03-03T00:00:00Z&to=2026-03-04T00:00:00Z", w.hosts[0])).await;
        let sources: Vec<&str> = busy.body["data"].as_array().unwrap().iter().map(|x| x["source"].as_str().unwrap()).collect();
        assert_eq!(sources, ["booking", "booking"], "{}", busy.body);

        // Marked busy, its other events block too.
        let r = app.patch(&format!("/v1/connections/{id}"), json!({"calendars": [{"id": "bookings-ann", "busy": true}]})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        assert!(!ann_starts(&app, &w, "2026-03-03").await.contains(&"2026-03-03T14:00:00Z".to_owned()));
        // Not busy again and bookings back to the primary calendar: no longer synced, its
        // channel stopped and its busy time gone at once.
        let r = app
            .patch(&format!("/v1/connections/{id}"), json!({"booking_calendar_id": ANN, "calendars": [{"id": "bookings-ann", "busy": false}]}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(cal(&r.body, "bookings-ann")["synced"], false);
        assert!(ann_starts(&app, &w, "2026-03-03").await.contains(&"2026-03-03T14:00:00Z".to_owned()));
        app.run_pending_jobs().await;
        assert_eq!(g.channels().len(), 1, "{:?}", g.channels());
        assert_eq!((our_events(&g).len(), in_bookings(&g).len()), (2, 0), "the events came back to the primary calendar");
        app
    })
    .await;
}

#[tokio::test]
async fn a_reschedule_moves_the_event_and_keeps_the_hosts_edits() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &w.hosts[0]).await;
        let b = book(&app, &w, "2026-03-03T16:30:00Z").await;
        app.run_pending_jobs().await;
        let event_id = our_events(&g)[0]["id"].as_str().unwrap().to_owned();
        // Ann invites a colleague and adds a line to the description in Google.
        let mut attendees = our_events(&g)[0]["attendees"].as_array().unwrap().clone();
        attendees.push(json!({"email": "colleague@acme.test"}));
        g.patch_event(
            ANN,
            &event_id,
            json!({"attendees": attendees, "description": "Ann: bring the floor plan"}),
        );
        notify(&app, &g).await;
        let r = app
            .post(
                &format!("/v1/bookings/{}/reschedule", b["id"].as_str().unwrap()),
                json!({"start": "2026-03-03T19:00:00Z"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        let ours = our_events(&g);
        assert_eq!(ours.len(), 1, "{ours:?}");
        let ev = &ours[0];
        assert_eq!(
            ev["start"]["dateTime"].as_str().unwrap().parse::<Timestamp>().unwrap(),
            "2026-03-03T19:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            ev["end"]["dateTime"].as_str().unwrap().parse::<Timestamp>().unwrap(),
            "2026-03-03T19:30:00Z".parse::<Timestamp>().unwrap()
        );
        let emails: Vec<&str> =
            ev["attendees"].as_array().unwrap().iter().map(|a| a["email"].as_str().unwrap()).collect();
        assert_eq!(emails, ["guest@example.test", "colleague@acme.test"]);
        assert_eq!(ev["description"], "Ann: bring the floor plan");
        // The booking was not touched by its own event coming back.
        let got = app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await;
        assert_eq!(
            (got.body["start"].as_str(), got.body["status"].as_str()),
            (Some("2026-03-03T19:00:00Z"), Some("confirmed"))
        );
        app
    })
    .await;
}

#[tokio::test]
async fn an_event_whose_insert_answer_was_lost_goes_when_the_booking_is_cancelled() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &w.hosts[0]).await;
        g.set_down(true);
        let b = book(&app, &w, "2026-03-03T14:00:00Z").await;
        app.run_pending_jobs().await;
        // Google made the event but its answer never arrived (the outage above, as Sked saw it).
        let id = b["id"].as_str().unwrap();
        let event = format!("sked{}", id.parse::<uuid::Uuid>().unwrap().simple());
        let mut made = timed(&event, "2026-03-03T09:00:00-05:00", "2026-03-03T09:30:00-05:00");
        made["extendedProperties"] = json!({"private": {"sked_booking_id": id}});
        g.put_event(ANN, made);
        let r = app.post(&format!("/v1/bookings/{id}/cancel"), json!({"reason": "changed plans"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        g.set_down(false);
        advance(&app, 3 * 3_600);
        app.run_pending_jobs().await;
        assert!(our_events(&g).is_empty(), "{:?}", our_events(&g));
        app
    })
    .await;
}
