//! Which calendars receive bookings: another calendar chosen, one turned read-only, and the
//! same account connected again.

use super::*;

#[tokio::test]
async fn reconnecting_the_same_account_writes_no_second_event() {
    on_each_store_ms(|app, g| async move {
        let w = world(&app).await;
        let first = connect(&app, &g, &w.hosts[0]).await;
        tick(&app).await;
        let b = book(&app, &w, "2026-03-03T16:30:00Z").await;
        app.run_pending_jobs().await;
        let event_id = event_of(&g, &b)["id"].clone();
        // The host connects the same account again: the new connection replaces the old one,
        // and the upcoming booking's event is found again (same transactionId), not copied.
        let second = connect(&app, &g, &w.hosts[0]).await;
        assert_ne!(second["id"], first["id"]);
        let list = app.get("/v1/connections").await;
        assert_eq!(list.body["data"].as_array().unwrap().len(), 1, "{}", list.body);
        let ours = our_events(&g);
        assert_eq!(ours.len(), 1, "{ours:?}");
        assert_eq!(ours[0]["id"], event_id);
        tick(&app).await;
        assert_eq!(g.subscriptions().len(), 1, "the old subscription is deleted: {:?}", g.subscriptions());
        // The new connection moves that same event.
        let r = app
            .post(
                &format!("/v1/bookings/{}/reschedule", b["id"].as_str().unwrap()),
                json!({"start": "2026-03-03T19:00:00Z"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        let moved = event_of(&g, &b);
        assert_eq!((moved["id"].clone(), at(&moved["start"])), (event_id, ts("2026-03-03T19:00:00Z")));
        app
    })
    .await;
}

#[tokio::test]
async fn another_booking_calendar_gets_the_events_and_a_read_only_one_is_reported() {
    on_each_store_ms(|app, g| async move {
        let w = world(&app).await;
        let team = g.add_calendar("Team bookings");
        let c = connect(&app, &g, &w.hosts[0]).await;
        let id = c["id"].as_str().unwrap().to_owned();
        let early = book(&app, &w, "2026-03-03T18:00:00Z").await;
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 1);
        let r = app.patch(&format!("/v1/connections/{id}"), json!({"booking_calendar_id": team})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        // The upcoming booking's event moved over.
        let in_team = |g: &MicrosoftStandIn| -> Vec<Value> {
            g.events(&team).into_iter().filter(|e| booking_of(e).is_some()).collect()
        };
        assert!(our_events(&g).is_empty(), "{:?}", our_events(&g));
        assert_eq!(in_team(&g).len(), 1);
        assert_eq!(booking_of(&in_team(&g)[0]).as_deref(), early["id"].as_str());
        // The default calendar's next sync sees it gone from there: not a cancellation.
        advance(&app, 301);
        tick(&app).await;
        assert_eq!(
            app.get(&format!("/v1/bookings/{}", early["id"].as_str().unwrap())).await.body["status"],
            "confirmed"
        );

        // The team calendar's owner makes it read-only for Ann: the connection says so at once.
        g.set_read_only(&team, true);
        let b = book(&app, &w, "2026-03-03T16:00:00Z").await;
        app.run_pending_jobs().await;
        let got = app.get(&format!("/v1/connections/{id}")).await;
        assert_eq!(got.body["status"], "error", "{}", got.body);
        assert!(
            got.body["last_error"]
                .as_str()
                .unwrap()
                .contains("can no longer edit the booking calendar \"Team bookings\""),
            "{}",
            got.body
        );
        assert_eq!(
            app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await.body["status"],
            "confirmed"
        );
        // Access back: healthy again, and a resync writes the booking, once.
        g.set_read_only(&team, false);
        advance(&app, 16 * 60);
        tick(&app).await;
        assert_eq!(app.get(&format!("/v1/connections/{id}")).await.body["status"], "healthy");
        app.post(&format!("/v1/connections/{id}/sync"), json!({})).await;
        app.run_pending_jobs().await;
        let written: Vec<Value> =
            in_team(&g).into_iter().filter(|e| booking_of(e).as_deref() == b["id"].as_str()).collect();
        assert_eq!(written.len(), 1, "{written:?}");
        assert_eq!(in_team(&g).len(), 2);
        app
    })
    .await;
}
