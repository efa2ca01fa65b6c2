//! Bookings written into the CalDAV calendar as calendar objects: created, moved and removed
//! with Sked's changes, the host's moves and deletions followed back (also on an account named
//! by its email, whose paths are escaped), and outages and lost answers that delay them without
//! losing or doubling one.

use super::*;

/// The one object Sked wrote for `booking`, read back from the calendar.
async fn written(dav: &Dav, booking: &Value) -> Resource {
    let id = booking["id"].as_str().unwrap();
    let ours = dav.ours(&dav.work).await;
    assert_eq!(ours.len(), 1, "{ours:?}");
    let href = format!("{}sked-{id}.ics", dav.work);
    assert_eq!(ours[0].href, href);
    dav.client.get(&dav.ann, &href).await.unwrap()
}

fn at(start: &str, end: &str) -> (String, String) {
    (start.to_owned(), end.to_owned())
}

#[tokio::test]
async fn bookings_are_written_moved_and_removed_as_calendar_objects() {
    on_each_store_with(private, |app| async move {
        let Some(dav) = Dav::start().await else { return app };
        let w = world(&app).await;
        connect(&app, &dav, &w.hosts[0]).await;
        let b = book(&app, &w, "2026-03-03T16:30:00Z").await;
        let id = b["id"].as_str().unwrap().to_owned();
        app.run_pending_jobs().await;
        let r = written(&dav, &b).await;
        assert!(r.data.contains(&format!("X-SKED-BOOKING-ID:{id}")), "{}", r.data);
        assert!(r.data.contains("SUMMARY:Consultation with Pat Lee"), "{}", r.data);
        let e = event_of(&r);
        assert_eq!(e.booking_id.as_deref(), Some(id.as_str()));
        assert_eq!(times(&e), at("2026-03-03T16:30:00Z", "2026-03-03T17:00:00Z"));
        // Read back by the sync, our own event is no busy time on top of the booking.
        poll(&app).await;
        assert!(
            calendar_busy(&app, &w.hosts[0], "2026-03-03T16:00:00Z", "2026-03-03T18:00:00Z").await.is_empty()
        );

        // Rescheduled in Sked: the same object moves.
        let r = app
            .post(&format!("/v1/bookings/{id}/reschedule"), json!({"start": "2026-03-03T19:00:00Z"}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        let moved = written(&dav, &b).await;
        assert_eq!(times(&event_of(&moved)), at("2026-03-03T19:00:00Z", "2026-03-03T19:30:00Z"));
        assert_ne!(moved.etag, None);
        poll(&app).await;
        assert_eq!(app.get(&format!("/v1/bookings/{id}")).await.body["start"], "2026-03-03T19:00:00Z");

        // Cancelled in Sked: the object is deleted, and the booking stays cancelled.
        let r = app.post(&format!("/v1/bookings/{id}/cancel"), json!({"reason": "changed plans"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        assert!(dav.ours(&dav.work).await.is_empty());
        let href = format!("{}sked-{id}.ics", dav.work);
        assert_eq!(dav.client.get(&dav.ann, &href).await, Err(sked_caldav::ProviderError::NotFound));
        poll(&app).await;
        let after = app.get(&format!("/v1/bookings/{id}")).await;
        assert_eq!(after.body["status"], "cancelled");
        let (actor, action) = last_change(&app, &b).await;
        assert!(
            actor.starts_with("api_key:") && action == "cancelled",
            "not followed back: {actor} {action}"
        );
        assert_eq!(app.get("/v1/jobs?status=dead").await.body["data"], json!([]));
        app
    })
    .await;
}

#[tokio::test]
async fn the_hosts_moves_and_deletions_in_caldav_are_followed() {
    on_each_store_with(private, |app| async move {
        let Some(dav) = Dav::start().await else { return app };
        let w = world(&app).await;
        connect(&app, &dav, &w.hosts[0]).await;
        let b = book(&app, &w, "2026-03-03T16:30:00Z").await;
        let id = b["id"].as_str().unwrap().to_owned();
        app.run_pending_jobs().await;
        let r = written(&dav, &b).await;

        // Ann drags it to 15:00 New York in her calendar app (an update on the ETag she read).
        let dragged = r
            .data
            .replace("DTSTART:20260303T163000Z", "DTSTART;TZID=America/New_York:20260303T150000")
            .replace("DTEND:20260303T170000Z", "DTEND;TZID=America/New_York:20260303T153000");
        assert_ne!(dragged, r.data, "{}", r.data);
        let etag = r.etag.clone().unwrap();
        let host_etag = dav.client.put_update(&dav.ann, &r.href, &dragged, &etag).await.unwrap();
        poll(&app).await;
        let now = app.get(&format!("/v1/bookings/{id}")).await;
        assert_eq!(
            (now.body["start"].as_str(), now.body["status"].as_str()),
            (Some("2026-03-03T20:00:00Z"), Some("confirmed"))
        );
        assert_eq!(last_change(&app, &b).await, ("caldav".to_owned(), "rescheduled".to_owned()));
        let seen = written(&dav, &b).await;
        assert_eq!(seen.etag, host_etag, "no echo written back");
        // Its old time is free, the new one taken.
        let tue = free_starts(&app, &w, &w.hosts[0], "2026-03-03").await;
        assert!(
            tue.contains(&"2026-03-03T16:30:00Z".to_owned())
                && !tue.contains(&"2026-03-03T20:00:00Z".to_owned())
        );

        // Moved in Sked after the host's edit: the object follows, over the host's ETag.
        let r = app
            .post(&format!("/v1/bookings/{id}/reschedule"), json!({"start": "2026-03-03T21:00:00Z"}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        let again = written(&dav, &b).await;
        assert_eq!(times(&event_of(&again)), at("2026-03-03T21:00:00Z", "2026-03-03T21:30:00Z"));
        poll(&app).await;
        assert_eq!(app.get(&format!("/v1/bookings/{id}")).await.body["start"], "2026-03-03T21:00:00Z");

        // Ann deletes it in her calendar: the booking is cancelled.
        assert!(dav.client.delete(&dav.ann, &again.href, again.etag.as_deref()).await.unwrap());
        poll(&app).await;
        let gone = app.get(&format!("/v1/bookings/{id}")).await;
        assert_eq!(gone.body["status"], "cancelled", "{}", gone.body);
        assert_eq!(last_change(&app, &b).await.0, "caldav");
        assert!(dav.ours(&dav.work).await.is_empty());
        assert!(
            free_starts(&app, &w, &w.hosts[0], "2026-03-03")
                .await
                .contains(&"2026-03-03T21:00:00Z".to_owned())
        );
        assert_eq!(app.get("/v1/jobs?status=dead").await.body["data"], json!([]));
        app
    })
    .await;
}

#[tokio::test]
async fn a_caldav_outage_delays_bookings_and_writes_each_once() {
    on_each_store_with(private, |app| async move {
        let Some(mut dav) = Dav::start().await else { return app };
        let w = world(&app).await;
        connect(&app, &dav, &w.hosts[0]).await;
        dav.server.stop();
        let a = book(&app, &w, "2026-03-03T14:00:00Z").await;
        let b = book(&app, &w, "2026-03-03T15:00:00Z").await;
        app.run_pending_jobs().await;
        advance(&app, 120);
        app.run_pending_jobs().await;
        let jobs = app.get("/v1/jobs?status=queued").await;
        let pushes: Vec<&Value> =
            jobs.body["data"].as_array().unwrap().iter().filter(|j| j["kind"] == "calendar.push").collect();
        assert_eq!(pushes.len(), 2, "{}", jobs.body);
        assert!(
            pushes.iter().all(|j| j["attempts"].as_i64().unwrap() >= 2 && j["last_error"].is_string()),
            "{pushes:?}"
        );
        // Slots still answer from what was synced, with the bookings taken.
        let tue = free_starts(&app, &w, &w.hosts[0], "2026-03-03").await;
        assert!(
            !tue.contains(&"2026-03-03T14:00:00Z".to_owned())
                && tue.contains(&"2026-03-03T16:00:00Z".to_owned())
        );

        // A poll fails too, and says so.
        poll(&app).await;
        let c = app.get("/v1/connections").await.body["data"][0].clone();
        assert!(c["calendars"][0]["last_error"].is_string(), "{c}");

        // Back up: once the retries are due each booking appears once, and stays once after a
        // forced resync.
        dav.server.resume();
        advance(&app, 3_600);
        app.run_pending_jobs().await;
        assert_eq!(dav.ours(&dav.work).await.len(), 2);
        let r = app.post(&format!("/v1/connections/{}/sync", c["id"].as_str().unwrap()), json!({})).await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
        app.run_pending_jobs().await;
        poll(&app).await;
        let ours = dav.ours(&dav.work).await;
        assert_eq!(ours.len(), 2, "{ours:?}");
        for bk in [&a, &b] {
            let id = bk["id"].as_str().unwrap();
            let mine: Vec<&Resource> =
                ours.iter().filter(|r| event_of(r).booking_id.as_deref() == Some(id)).collect();
            assert_eq!(mine.len(), 1, "{ours:?}");
            assert_eq!(times(&event_of(mine[0])).0, bk["start"].as_str().unwrap());
        }
        let queued = app.get("/v1/jobs?status=queued").await;
        assert!(
            !queued.body["data"].as_array().unwrap().iter().any(|j| j["kind"] == "calendar.push"),
            "{}",
            queued.body
        );
        let k = app.get(&format!("/v1/connections/{}", c["id"].as_str().unwrap())).await;
        assert_eq!(k.body["status"], "healthy", "{}", k.body);
        assert!(
            k.body["calendars"].as_array().unwrap().iter().all(|k| k["last_error"].is_null()),
            "{}",
            k.body
        );
        app
    })
    .await;
}

#[tokio::test]
async fn an_account_named_by_its_email_reads_its_answers_and_follows_its_moves() {
    on_each_store_with(private, |app| async move {
        let Some(server) = Radicale::start() else { return app };
        let dav = Dav::with(server, "ann@acme.test", PASSWORD).await.unwrap();
        assert!(dav.work.contains("/ann%40acme.test/"), "{}", dav.work);
        let w = world(&app).await;
        let invited = |partstat: &str| {
            format!(
                "ORGANIZER:mailto:boss@other.test\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:boss@other.test\r\n\
                 ATTENDEE;PARTSTAT={partstat}:mailto:ann@acme.test\r\n"
            )
        };
        let declined = ny("declined", "20260303T100000", "20260303T110000", &invited("DECLINED"));
        let accepted = ny("accepted", "20260303T140000", "20260303T150000", &invited("ACCEPTED"));
        dav.put(&dav.work, "declined", &declined).await;
        dav.put(&dav.work, "accepted", &accepted).await;
        let c = connect(&app, &dav, &w.hosts[0]).await;
        assert_eq!(c["account"], "ann@acme.test");
        let tue = free_starts(&app, &w, &w.hosts[0], "2026-03-03").await;
        assert!(tue.contains(&"2026-03-03T15:00:00Z".to_owned()), "declined: {tue:?}");
        assert!(!tue.contains(&"2026-03-03T19:00:00Z".to_owned()), "accepted: {tue:?}");

        let b = book(&app, &w, "2026-03-03T16:30:00Z").await;
        app.run_pending_jobs().await;
        let r = written(&dav, &b).await;
        // Half an hour later, in the host's calendar app.
        let moved = r
            .data
            .replace("DTEND:20260303T170000Z", "DTEND:20260303T173000Z")
            .replace("DTSTART:20260303T163000Z", "DTSTART:20260303T170000Z");
        assert!(
            moved.contains("DTSTART:20260303T170000Z") && moved.contains("DTEND:20260303T173000Z"),
            "{moved}"
        );
        dav.client.put_update(&dav.ann, &r.href, &moved, r.etag.as_deref().unwrap()).await.unwrap();
        poll(&app).await;
        let now = app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await;
        assert_eq!(now.body["start"], "2026-03-03T17:00:00Z", "{}", now.body);
        assert_eq!(last_change(&app, &b).await, ("caldav".to_owned(), "rescheduled".to_owned()));
        assert_eq!(
            times(&event_of(&written(&dav, &b).await)),
            at("2026-03-03T17:00:00Z", "2026-03-03T17:30:00Z")
        );
        app
    })
    .await;
}

#[tokio::test]
async fn writes_whose_answers_were_lost_neither_double_nor_leave_an_object() {
    on_each_store_with(private, |app| async move {
        let Some(dav) = Dav::start().await else { return app };
        let w = world(&app).await;
        connect(&app, &dav, &w.hosts[0]).await;
        // A create that reached the server but whose answer was lost left the object (an hour
        // off, from before a reschedule) where Sked puts it: the retry brings it up to date.
        let a = book(&app, &w, "2026-03-03T16:30:00Z").await;
        let lost = |id: &str| {
            ny(
                &format!("sked-{id}"),
                "20260303T090000",
                "20260303T093000",
                &format!("X-SKED-BOOKING-ID:{id}\r\n"),
            )
        };
        let id = a["id"].as_str().unwrap();
        dav.put(&dav.work, &format!("sked-{id}"), &lost(id)).await;
        app.run_pending_jobs().await;
        let r = written(&dav, &a).await;
        assert_eq!(times(&event_of(&r)), at("2026-03-03T16:30:00Z", "2026-03-03T17:00:00Z"));

        // Cancelled before any answer came back: the object goes all the same.
        let b = book(&app, &w, "2026-03-03T19:00:00Z").await;
        let id = b["id"].as_str().unwrap();
        dav.put(&dav.work, &format!("sked-{id}"), &lost(id)).await;
        let r = app.post(&format!("/v1/bookings/{id}/cancel"), json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        let ours = dav.ours(&dav.work).await;
        assert_eq!(ours.len(), 1, "{ours:?}");
        assert_eq!(event_of(&ours[0]).booking_id.as_deref(), a["id"].as_str());
        poll(&app).await;
        assert_eq!(
            app.get(&format!("/v1/bookings/{}", a["id"].as_str().unwrap())).await.body["status"],
            "confirmed"
        );
        assert_eq!(app.get("/v1/jobs?status=dead").await.body["data"], json!([]));
        app
    })
    .await;
}
