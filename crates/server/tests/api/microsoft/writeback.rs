//! Bookings written to Outlook, and the host's changes to their events followed back.

use super::*;

#[tokio::test]
async fn bookings_reach_outlook_and_reschedules_and_cancels_follow() {
    on_each_store_ms(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &g, &w.hosts[0]).await;
        let main = g.default_calendar();
        let b = book(&app, &w, "2026-03-03T16:30:00Z").await;
        app.run_pending_jobs().await;
        let ev = event_of(&g, &b);
        let id = b["id"].as_str().unwrap();
        assert_eq!(ev["subject"], "Consultation with Pat Lee");
        assert_eq!(ev["attendees"][0]["emailAddress"]["address"], "guest@example.test");
        assert_eq!(ev["attendees"][0]["emailAddress"]["name"], "Pat Lee");
        assert!(ev["body"]["content"].as_str().unwrap().contains("Bring the lease"), "{ev}");
        assert_eq!(ev["transactionId"], format!("sked.{id}.0"));
        assert_eq!(ev["showAs"], "busy");
        assert_eq!(
            (at(&ev["start"]), at(&ev["end"])),
            (ts("2026-03-03T16:30:00Z"), ts("2026-03-03T17:00:00Z"))
        );
        assert_eq!(calls(&g, "POST", &format!("/me/calendars/{main}/events")), 1);
        // Our own event is not busy time on top of the booking, even once synced back.
        advance(&app, 301);
        tick(&app).await;
        let busy = app
            .get(&format!("/v1/hosts/{}/busy?from=2026-03-03T16:00:00Z&to=2026-03-03T18:00:00Z", w.hosts[0]))
            .await;
        let sources: Vec<&str> =
            busy.body["data"].as_array().unwrap().iter().map(|x| x["source"].as_str().unwrap()).collect();
        assert_eq!(sources, ["booking"], "{}", busy.body);

        // Rescheduled in Sked: the same event moves, and what Ann added to it stays.
        let event_id = ev["id"].as_str().unwrap().to_owned();
        g.patch_event(
            &event_id,
            json!({"body": {"contentType": "text", "content": "Ann: bring the floor plan"}}),
        );
        let r = app
            .post(&format!("/v1/bookings/{id}/reschedule"), json!({"start": "2026-03-03T19:00:00Z"}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        let moved = event_of(&g, &b);
        assert_eq!(moved["id"], event_id);
        assert_eq!(
            (at(&moved["start"]), at(&moved["end"])),
            (ts("2026-03-03T19:00:00Z"), ts("2026-03-03T19:30:00Z"))
        );
        assert_eq!(moved["body"]["content"], "Ann: bring the floor plan");
        assert_eq!(calls(&g, "PATCH", &format!("/me/events/{event_id}")), 1);
        // Its own move coming back through the sync changes nothing.
        advance(&app, 301);
        tick(&app).await;
        let got = app.get(&format!("/v1/bookings/{id}")).await;
        assert_eq!(
            (got.body["start"].as_str(), got.body["status"].as_str()),
            (Some("2026-03-03T19:00:00Z"), Some("confirmed"))
        );
        let (actor, action) = last_history(&app, &b).await;
        assert!(actor.starts_with("api_key:") && action == "rescheduled", "{actor} {action}");

        // Cancelled in Sked: the event is deleted.
        let r = app.post(&format!("/v1/bookings/{id}/cancel"), json!({"reason": "changed plans"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        assert!(our_events(&g).is_empty(), "{:?}", our_events(&g));
        assert_eq!(calls(&g, "DELETE", &format!("/me/events/{event_id}")), 1);
        app
    })
    .await;
}

#[tokio::test]
async fn the_hosts_moves_and_deletions_in_outlook_come_back() {
    on_each_store_ms(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &g, &w.hosts[0]).await;
        tick(&app).await;
        assert_eq!(g.subscriptions().len(), 1);
        let b = book(&app, &w, "2026-03-03T16:30:00Z").await;
        app.run_pending_jobs().await;
        let event_id = event_of(&g, &b)["id"].as_str().unwrap().to_owned();
        let id = b["id"].as_str().unwrap();
        // Sked's own write is announced too: nothing to follow.
        notify(&app, &g).await;
        assert_eq!(app.get(&format!("/v1/bookings/{id}")).await.body["start"], "2026-03-03T16:30:00Z");

        // Ann drags it to 15:00 New York in Outlook: the booking follows, with no echo back.
        g.move_event(&event_id, ts("2026-03-03T20:00:00Z"), ts("2026-03-03T20:30:00Z"));
        let patches = calls(&g, "PATCH", "/me/events/");
        notify(&app, &g).await;
        let moved = app.get(&format!("/v1/bookings/{id}")).await;
        assert_eq!(
            (moved.body["start"].as_str(), moved.body["end"].as_str(), moved.body["status"].as_str()),
            (Some("2026-03-03T20:00:00Z"), Some("2026-03-03T20:30:00Z"), Some("confirmed"))
        );
        assert_eq!(last_history(&app, &b).await, ("microsoft".to_owned(), "rescheduled".to_owned()));
        assert_eq!(calls(&g, "PATCH", "/me/events/"), patches, "no echo back to Outlook");
        assert_eq!(our_events(&g).len(), 1);
        // Its old time is free again; the new one is taken.
        assert!(free_at(&app, &w, "2026-03-03", "2026-03-03T16:30:00Z").await);
        assert!(!free_at(&app, &w, "2026-03-03", "2026-03-03T20:00:00Z").await);

        // Ann deletes it in Outlook: the booking is cancelled.
        g.delete_event(&event_id);
        notify(&app, &g).await;
        let gone = app.get(&format!("/v1/bookings/{id}")).await;
        assert_eq!(gone.body["status"], "cancelled", "{}", gone.body);
        assert_eq!(last_history(&app, &b).await.0, "microsoft");
        assert!(free_at(&app, &w, "2026-03-03", "2026-03-03T20:00:00Z").await);
        app
    })
    .await;
}

#[tokio::test]
async fn a_move_onto_taken_time_is_refused_and_put_back() {
    on_each_store_ms(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &g, &w.hosts[0]).await;
        tick(&app).await;
        let a = book(&app, &w, "2026-03-03T16:30:00Z").await;
        let b = book(&app, &w, "2026-03-03T19:00:00Z").await;
        app.run_pending_jobs().await;
        let ev_a = event_of(&g, &a)["id"].as_str().unwrap().to_owned();
        // Ann drags A onto B's time in Outlook.
        g.move_event(&ev_a, ts("2026-03-03T19:00:00Z"), ts("2026-03-03T19:30:00Z"));
        notify(&app, &g).await;
        let still = app.get(&format!("/v1/bookings/{}", a["id"].as_str().unwrap())).await;
        assert_eq!(still.body["start"], "2026-03-03T16:30:00Z", "B keeps its time; A stays");
        assert_eq!(
            app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await.body["start"],
            "2026-03-03T19:00:00Z"
        );
        assert_eq!(last_history(&app, &a).await, ("microsoft".to_owned(), "move_refused".to_owned()));
        // Outlook shows the booking where it is again.
        let back = event_of(&g, &a);
        assert_eq!(back["id"], ev_a);
        assert_eq!(
            (at(&back["start"]), at(&back["end"])),
            (ts("2026-03-03T16:30:00Z"), ts("2026-03-03T17:00:00Z"))
        );
        // Putting it back is announced too, and followed as nothing.
        notify(&app, &g).await;
        assert_eq!(last_history(&app, &a).await.1, "move_refused");
        app
    })
    .await;
}

#[tokio::test]
async fn an_outage_delays_the_event_and_a_lost_answer_makes_no_second_one() {
    on_each_store_ms(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &g, &w.hosts[0]).await;
        let main = g.default_calendar();
        let creates = |g: &MicrosoftStandIn| calls(g, "POST", &format!("/me/calendars/{main}/events"));
        g.set_down(true);
        let b = book(&app, &w, "2026-03-03T14:00:00Z").await;
        assert_eq!(b["status"], "confirmed");
        app.run_pending_jobs().await;
        assert!(our_events(&g).is_empty());
        for _ in 0..2 {
            advance(&app, 600);
            app.run_pending_jobs().await;
        }
        assert!(our_events(&g).is_empty());
        assert_eq!(app.get("/v1/jobs?status=dead").await.body["data"].as_array().unwrap().len(), 0);
        // Graph is back, but the answer to the create is lost: the event exists, Sked does not
        // know it.
        g.set_down(false);
        g.lose_next_answers(1);
        let tried = creates(&g);
        advance(&app, 3_600);
        app.run_pending_jobs().await;
        assert_eq!(creates(&g), tried + 1);
        assert_eq!(our_events(&g).len(), 1, "made, answer lost");
        // The retry carries the same transactionId: Graph answers the event already made.
        advance(&app, 3_600);
        app.run_pending_jobs().await;
        assert_eq!(creates(&g), tried + 2);
        let ours = our_events(&g);
        assert_eq!(ours.len(), 1, "exactly once: {ours:?}");
        assert_eq!(ours[0]["transactionId"], format!("sked.{}.0", b["id"].as_str().unwrap()));
        let queued = app.get("/v1/jobs?status=queued").await;
        assert!(
            !queued.body["data"].as_array().unwrap().iter().any(|j| j["kind"] == "calendar.push"),
            "{}",
            queued.body
        );
        // The booking knows its event: a reschedule moves that one.
        let r = app
            .post(
                &format!("/v1/bookings/{}/reschedule", b["id"].as_str().unwrap()),
                json!({"start": "2026-03-03T15:00:00Z"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        let ours = our_events(&g);
        assert_eq!(ours.len(), 1, "{ours:?}");
        assert_eq!(at(&ours[0]["start"]), ts("2026-03-03T15:00:00Z"));
        app
    })
    .await;
}

#[tokio::test]
async fn an_event_whose_create_answer_was_lost_goes_when_the_booking_is_cancelled() {
    on_each_store_ms(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &g, &w.hosts[0]).await;
        // Two bookings whose events Graph made but whose answers were lost; both are cancelled
        // before the write-backs try again (in about 30 s).
        g.lose_next_answers(2);
        let seen = book(&app, &w, "2026-03-03T14:00:00Z").await;
        let unseen = book(&app, &w, "2026-03-03T16:00:00Z").await;
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 2, "made, answers lost");
        // A poll sees the first one's event before its booking is cancelled...
        advance(&app, 20);
        tick(&app).await;
        let r = cancel(&app, &seen).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 1, "{:?}", our_events(&g));
        assert_eq!(booking_of(&our_events(&g)[0]).as_deref(), unseen["id"].as_str());
        // ...the second one's comes to light only after its booking is cancelled.
        let r = cancel(&app, &unseen).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        advance(&app, 3_600);
        app.run_pending_jobs().await;
        tick(&app).await;
        assert!(our_events(&g).is_empty(), "{:?}", our_events(&g));
        for b in [&seen, &unseen] {
            assert_eq!(
                app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await.body["status"],
                "cancelled"
            );
        }
        app
    })
    .await;
}

async fn cancel(app: &TestApp, b: &Value) -> Res {
    app.post(
        &format!("/v1/bookings/{}/cancel", b["id"].as_str().unwrap()),
        json!({"reason": "changed plans"}),
    )
    .await
}
