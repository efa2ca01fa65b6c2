//! Bookings end to end: create, conflicts, assignment, reschedule, cancel, history, ICS,
//! idempotency, search, and the outbox.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_booking_is_created_and_its_time_is_taken() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let r = app
            .post("/v1/bookings", json!({"event_type_id": w.event_type, "start": "2026-03-03T14:00:00Z",
                "attendee": {"name": " Pat Lee ", "email": "Pat@Example.TEST", "phone": "+1 555 123 4567", "time_zone": "Europe/Paris"},
                "notes": "Ground floor", "metadata": {"lead": 42}, "source": "widget", "external_ref": "crm-7"}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let b = &r.body;
        assert_eq!((b["status"].as_str(), b["start"].as_str(), b["end"].as_str()), (Some("confirmed"), Some("2026-03-03T14:00:00Z"), Some("2026-03-03T14:30:00Z")));
        assert_eq!(b["attendee"], json!({"name": "Pat Lee", "email": "Pat@example.test", "phone": "+15551234567", "time_zone": "Europe/Paris"}));
        assert_eq!((b["source"].as_str(), b["metadata"]["lead"].as_i64(), b["sequence"].as_i64()), (Some("widget"), Some(42), Some(0)));
        assert_eq!(b["host_ids"], json!([b["host_id"]]));
        let code = b["confirmation_code"].as_str().unwrap();
        assert!((6..=8).contains(&code.len()) && code.chars().all(|c| "34679ACDEFGHJKMNPQRTWXY".contains(c)), "{code}");
        assert!(b["uid"].as_str().unwrap().starts_with(b["id"].as_str().unwrap()));
        // Round robin: the second booking at that time goes to the other host.
        let second = app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:00:00Z", "Sam")).await;
        assert_eq!(second.status, StatusCode::CREATED);
        assert_ne!(second.body["host_id"], b["host_id"]);
        // The third gets 409 with the nearest free alternatives (14:30 is in the buffer).
        let third = app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:00:00Z", "Kim")).await;
        assert_eq!((third.status, third.code()), (StatusCode::CONFLICT, "slot_unavailable"));
        let alts: Vec<&str> = third.body["alternatives"].as_array().unwrap().iter().map(|a| a["start"].as_str().unwrap()).collect();
        assert_eq!(alts, vec!["2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z", "2026-03-03T16:00:00Z"]);
        assert_eq!(app.get(&format!("/v1/bookings/{}", r.id())).await.body, r.body);
        let by_code = app.get(&format!("/v1/bookings/by-code/{}", code.to_lowercase())).await;
        assert_eq!(by_code.body["id"], b["id"]);
        app
    })
    .await;
}

#[tokio::test]
async fn starts_that_are_not_slots_are_refused() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let cases = [
            ("2026-03-03T14:10:00Z", "not a slot"),
            ("2026-03-03T12:00:00Z", "outside the hosts' hours"),
            ("2026-03-01T14:00:00Z", "too soon"),
            ("2026-03-07T15:00:00Z", "outside the hosts' hours"),
            ("2026-06-01T14:00:00Z", "too far"),
        ];
        for (start, why) in cases {
            let r = app.post("/v1/bookings", booking(&w.event_type, start, "Pat")).await;
            assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "outside_availability"), "{start}: {}", r.body);
            assert!(r.body["detail"].as_str().unwrap().contains(why), "{start}: {}", r.body["detail"]);
            assert!(r.body["alternatives"].is_array());
        }
        let r = app.post("/v1/bookings", json!({"event_type_id": w.event_type, "start": "tomorrow", "attendee": {"name": "", "email": "x", "phone": "12", "time_zone": "Nowhere"}, "source": "fax", "metadata": [1]})).await;
        let mut f = r.fields();
        f.sort();
        assert_eq!(f, vec!["attendee.email", "attendee.name", "attendee.phone", "attendee.time_zone", "metadata", "source", "start"]);
        assert_eq!(app.get("/v1/bookings").await.body["data"], json!([]), "nothing was stored");
        app
    })
    .await;
}

#[tokio::test]
async fn assignment_strategies() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        // Round robin alternates over a day.
        let mut hosts = vec![];
        for start in
            ["2026-03-03T14:00:00Z", "2026-03-03T15:00:00Z", "2026-03-03T16:00:00Z", "2026-03-03T18:00:00Z"]
        {
            hosts.push(
                app.post("/v1/bookings", booking(&w.event_type, start, "x")).await.body["host_id"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        assert!(hosts[0] != hosts[1] && hosts[0] == hosts[2] && hosts[1] == hosts[3], "{hosts:?}");
        // Priority: the higher one first.
        app.patch(&format!("/v1/hosts/{}", w.hosts[1]), json!({"priority": 10})).await;
        app.patch(&format!("/v1/event-types/{}", w.event_type), json!({"assignment": "priority"})).await;
        let p = app.post("/v1/bookings", booking(&w.event_type, "2026-03-04T14:00:00Z", "x")).await;
        assert_eq!(p.body["host_id"], w.hosts[1].as_str());
        // Specific: the host must be named.
        app.patch(&format!("/v1/event-types/{}", w.event_type), json!({"assignment": "specific"})).await;
        let s = app.post("/v1/bookings", booking(&w.event_type, "2026-03-04T15:00:00Z", "x")).await;
        assert_eq!(s.fields(), vec!["host_id"]);
        let mut named = booking(&w.event_type, "2026-03-04T15:00:00Z", "x");
        named["host_id"] = json!(w.hosts[0]);
        assert_eq!(app.post("/v1/bookings", named).await.body["host_id"], w.hosts[0].as_str());
        // Collective: every host, and both are then busy.
        app.patch(&format!("/v1/event-types/{}", w.event_type), json!({"assignment": "collective"})).await;
        let c = app.post("/v1/bookings", booking(&w.event_type, "2026-03-05T14:00:00Z", "x")).await;
        assert_eq!(c.body["host_ids"], json!(w.hosts));
        let slots =
            app.get(&format!("/v1/event-types/{}/slots?from=2026-03-05&to=2026-03-06", w.event_type)).await;
        assert_eq!(slots.body["slots_by_date"]["2026-03-05"][0]["start"], "2026-03-05T15:00:00Z");
        // A collective slot needs both: Ann busy means no slot, for anyone.
        app.post(
            &format!("/v1/hosts/{}/blocks", w.hosts[0]),
            json!({"start": "2026-03-05T15:00:00Z", "end": "2026-03-05T16:00:00Z"}),
        )
        .await;
        let again = app.post("/v1/bookings", booking(&w.event_type, "2026-03-05T15:00:00Z", "x")).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        app
    })
    .await;
}

#[tokio::test]
async fn named_hosts_lead_and_moves_follow_the_event_type_as_it_is() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let et = format!("/v1/event-types/{}", w.event_type);
        // Collective: the named host is the booking's host, listed first; every host takes part.
        app.patch(&et, json!({"assignment": "collective"})).await;
        let mut named = booking(&w.event_type, "2026-03-03T14:00:00Z", "x");
        named["host_id"] = json!(w.hosts[1]);
        let c = app.post("/v1/bookings", named).await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.body);
        assert_eq!(c.body["host_id"], w.hosts[1].as_str());
        assert_eq!(c.body["host_ids"], json!([w.hosts[1], w.hosts[0]]));
        // ... and keeps leading when the booking moves.
        let moved = app
            .post(&format!("/v1/bookings/{}/reschedule", c.id()), json!({"start": "2026-03-03T16:00:00Z"}))
            .await;
        assert_eq!(moved.body["host_ids"], json!([w.hosts[1], w.hosts[0]]), "{}", moved.body);
        // Specific: a move without host_id keeps the booking's host.
        app.patch(&et, json!({"assignment": "specific"})).await;
        let mut s = booking(&w.event_type, "2026-03-04T14:00:00Z", "x");
        s["host_id"] = json!(w.hosts[1]);
        let s = app.post("/v1/bookings", s).await;
        let moved = app
            .post(&format!("/v1/bookings/{}/reschedule", s.id()), json!({"start": "2026-03-04T15:00:00Z"}))
            .await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
        assert_eq!(moved.body["host_id"], w.hosts[1].as_str());
        // Buffers: booked with 10 minutes after, then the event type drops them; moving the
        // first booking right before the second is fine by today's rules, and the store agrees.
        app.patch(&et, json!({"assignment": "round_robin", "host_ids": [w.hosts[0]]})).await;
        let a = app.post("/v1/bookings", booking(&w.event_type, "2026-03-05T14:00:00Z", "a")).await;
        let b = app.post("/v1/bookings", booking(&w.event_type, "2026-03-05T15:00:00Z", "b")).await;
        assert_eq!((a.status, b.status), (StatusCode::CREATED, StatusCode::CREATED));
        app.patch(&et, json!({"buffer_after_minutes": 0})).await;
        let moved = app
            .post(&format!("/v1/bookings/{}/reschedule", a.id()), json!({"start": "2026-03-05T14:30:00Z"}))
            .await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
        app
    })
    .await;
}

#[tokio::test]
async fn daily_limits_hold() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        app.patch(
            &format!("/v1/event-types/{}", w.event_type),
            json!({"daily_limit": 1, "host_ids": [w.hosts[0]]}),
        )
        .await;
        assert_eq!(
            app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:00:00Z", "a")).await.status,
            StatusCode::CREATED
        );
        let second = app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T19:00:00Z", "b")).await;
        assert_eq!(second.status, StatusCode::CONFLICT);
        assert_eq!(
            second.body["alternatives"][0]["start"], "2026-03-04T14:00:00Z",
            "the next day is offered"
        );
        let slots =
            app.get(&format!("/v1/event-types/{}/slots?from=2026-03-03&to=2026-03-05", w.event_type)).await;
        assert_eq!(slots.body["available_dates"], json!(["2026-03-04"]));
        app
    })
    .await;
}

#[tokio::test]
async fn reschedule_moves_and_cancel_frees() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        app.patch(&format!("/v1/event-types/{}", w.event_type), json!({"host_ids": [w.hosts[0]]})).await;
        let b = app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:00:00Z", "Pat")).await;
        let id = b.id();
        // Moving 30 minutes later overlaps only its own old time: allowed.
        let m = app
            .post(
                &format!("/v1/bookings/{id}/reschedule"),
                json!({"start": "2026-03-03T14:30:00Z", "reason": "traffic"}),
            )
            .await;
        assert_eq!(m.status, StatusCode::OK, "{}", m.body);
        assert_eq!(
            (m.body["id"].clone(), m.body["uid"].clone(), m.body["confirmation_code"].clone()),
            (b.body["id"].clone(), b.body["uid"].clone(), b.body["confirmation_code"].clone())
        );
        assert_eq!(
            (m.body["start"].as_str(), m.body["sequence"].as_i64()),
            (Some("2026-03-03T14:30:00Z"), Some(1))
        );
        // 14:00 is still blocked (its own buffer would run into 14:30); after moving to 16:30
        // the old time is free again.
        assert_eq!(
            app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:00:00Z", "Sam")).await.status,
            StatusCode::CONFLICT
        );
        let m = app
            .post(&format!("/v1/bookings/{id}/reschedule"), json!({"start": "2026-03-03T16:30:00Z"}))
            .await;
        assert_eq!(m.body["sequence"].as_i64(), Some(2));
        let freed = app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:00:00Z", "Sam")).await;
        assert_eq!(freed.status, StatusCode::CREATED);
        let other = app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T15:30:00Z", "Sam")).await;
        assert_eq!(other.status, StatusCode::CREATED);
        // Moving onto another booking: 409 with alternatives; off-grid: 422.
        let clash = app
            .post(&format!("/v1/bookings/{id}/reschedule"), json!({"start": "2026-03-03T15:30:00Z"}))
            .await;
        assert_eq!((clash.status, clash.code()), (StatusCode::CONFLICT, "slot_unavailable"));
        assert!(!clash.body["alternatives"].as_array().unwrap().is_empty());
        let off = app
            .post(&format!("/v1/bookings/{id}/reschedule"), json!({"start": "2026-03-03T15:31:00Z"}))
            .await;
        assert_eq!(off.code(), "outside_availability");
        // Cancel frees the time at once, twice is fine, and a cancelled booking cannot move.
        let c = app.post(&format!("/v1/bookings/{}/cancel", other.id()), json!({"reason": "sick"})).await;
        assert_eq!(
            (c.status, c.body["status"].as_str(), c.body["cancel_reason"].as_str()),
            (StatusCode::OK, Some("cancelled"), Some("sick"))
        );
        let again = app.post(&format!("/v1/bookings/{}/cancel", other.id()), json!({})).await;
        assert_eq!((again.status, again.body["status"].as_str()), (StatusCode::OK, Some("cancelled")));
        let moved = app
            .post(&format!("/v1/bookings/{id}/reschedule"), json!({"start": "2026-03-03T15:30:00Z"}))
            .await;
        assert_eq!(moved.status, StatusCode::OK, "the cancelled booking's time is free: {}", moved.body);
        let nope = app
            .post(
                &format!("/v1/bookings/{}/reschedule", other.id()),
                json!({"start": "2026-03-04T15:30:00Z"}),
            )
            .await;
        assert_eq!((nope.status, nope.code()), (StatusCode::CONFLICT, "conflict"));
        // History records every change with actor and reason.
        let h = app.get(&format!("/v1/bookings/{id}/history")).await;
        let actions: Vec<&str> =
            h.body["data"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, vec!["created", "rescheduled", "rescheduled", "rescheduled"]);
        let first_move = &h.body["data"][1];
        assert_eq!(
            (
                first_move["before"]["start"].as_str(),
                first_move["after"]["start"].as_str(),
                first_move["reason"].as_str()
            ),
            (Some("2026-03-03T14:00:00Z"), Some("2026-03-03T14:30:00Z"), Some("traffic"))
        );
        assert!(first_move["actor"].as_str().unwrap().starts_with("api_key:"));
        let ch = app.get(&format!("/v1/bookings/{}/history", other.id())).await;
        assert_eq!(ch.body["data"].as_array().unwrap().len(), 2, "the second cancel wrote nothing");
        app
    })
    .await;
}

#[tokio::test]
async fn ics_has_a_stable_uid_and_a_growing_sequence() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let b = app.post("/v1/bookings", json!({"event_type_id": w.event_type, "start": "2026-03-03T14:00:00Z", "attendee": {"name": "Pat; Lee, Jr", "email": "pat@example.test"}, "notes": "Line one\nLine two"})).await;
        let id = b.id();
        let ics = |app: &TestApp| {
            let url = format!("{}/v1/bookings/{id}/ics", app.base);
            let req = app.client.get(url).bearer_auth(&app.key);
            async move { req.send().await.unwrap() }
        };
        let r = ics(&app).await;
        assert_eq!(r.headers()["content-type"], "text/calendar; charset=utf-8");
        let text = r.text().await.unwrap();
        let uid = b.body["uid"].as_str().unwrap();
        for line in ["BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", &format!("UID:{uid}"), "SEQUENCE:0", "DTSTART:20260303T140000Z",
                     "DTEND:20260303T143000Z", "STATUS:CONFIRMED", "SUMMARY:Consultation with", "END:VCALENDAR"] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
        assert!(text.contains("Line one\\nLine two"), "text is escaped:\n{text}");
        assert!(text.contains("ATTENDEE;CN=\"Pat; Lee, Jr\";ROLE=REQ-PARTICIPANT:mailto:pat@example.test"), "{text}");
        assert!(text.lines().all(|l| l.len() <= 75), "lines are folded");
        assert!(text.contains("\r\n"));
        app.post(&format!("/v1/bookings/{id}/reschedule"), json!({"start": "2026-03-03T15:00:00Z"})).await;
        let text = ics(&app).await.text().await.unwrap();
        assert!(text.contains(&format!("UID:{uid}")) && text.contains("SEQUENCE:1") && text.contains("DTSTART:20260303T150000Z"));
        app.post(&format!("/v1/bookings/{id}/cancel"), json!({})).await;
        assert!(ics(&app).await.text().await.unwrap().contains("STATUS:CANCELLED"));
        app
    })
    .await;
}

#[tokio::test]
async fn idempotency_keys_replay_and_refuse_other_bodies() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let body = booking(&w.event_type, "2026-03-03T14:00:00Z", "Pat");
        let first = app
            .call_with("POST", "/v1/bookings", Some(body.clone()), &app.key, &[("Idempotency-Key", "abc-1")])
            .await;
        assert_eq!(first.status, StatusCode::CREATED);
        let again = app
            .call_with("POST", "/v1/bookings", Some(body.clone()), &app.key, &[("Idempotency-Key", "abc-1")])
            .await;
        assert_eq!((again.status, &again.body), (StatusCode::CREATED, &first.body));
        assert_eq!(again.headers["idempotent-replayed"], "true");
        let other = app
            .call_with(
                "POST",
                "/v1/bookings",
                Some(booking(&w.event_type, "2026-03-03T15:00:00Z", "Pat")),
                &app.key,
                &[("Idempotency-Key", "abc-1")],
            )
            .await;
        assert_eq!((other.status, other.code()), (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_mismatch"));
        assert_eq!(
            app.get("/v1/bookings").await.body["data"].as_array().unwrap().len(),
            1,
            "one booking, however often it was sent"
        );
        // A failed attempt stores nothing: after fixing the conflict the same key books.
        let taken = app
            .call_with(
                "POST",
                "/v1/bookings",
                Some(booking(&w.event_type, "2026-03-03T14:00:00Z", "Sam")),
                &app.key,
                &[],
            )
            .await;
        assert_eq!(taken.status, StatusCode::CREATED);
        let k2 = app
            .call_with(
                "POST",
                "/v1/bookings",
                Some(booking(&w.event_type, "2026-03-03T14:00:00Z", "Kim")),
                &app.key,
                &[("Idempotency-Key", "k2")],
            )
            .await;
        assert_eq!(k2.status, StatusCode::CONFLICT);
        app.post(&format!("/v1/bookings/{}/cancel", taken.id()), json!({})).await;
        let k2 = app
            .call_with(
                "POST",
                "/v1/bookings",
                Some(booking(&w.event_type, "2026-03-03T14:00:00Z", "Kim")),
                &app.key,
                &[("Idempotency-Key", "k2")],
            )
            .await;
        assert_eq!(k2.status, StatusCode::CREATED);
        // Reschedule and cancel honour keys too; keys belong to one tenant.
        let id = first.id();
        let mv = |start: &str| json!({"start": start});
        let r1 = app
            .call_with(
                "POST",
                &format!("/v1/bookings/{id}/reschedule"),
                Some(mv("2026-03-04T14:00:00Z")),
                &app.key,
                &[("Idempotency-Key", "mv")],
            )
            .await;
        let r2 = app
            .call_with(
                "POST",
                &format!("/v1/bookings/{id}/reschedule"),
                Some(mv("2026-03-04T14:00:00Z")),
                &app.key,
                &[("Idempotency-Key", "mv")],
            )
            .await;
        assert_eq!((r1.body["sequence"].as_i64(), r2.body["sequence"].as_i64()), (Some(1), Some(1)));
        let other_tenant = app.new_tenant("Other").await;
        let theirs = app
            .call_with("POST", "/v1/bookings", Some(body), &other_tenant, &[("Idempotency-Key", "abc-1")])
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "their key space is their own: {}", theirs.body);
        app
    })
    .await;
}

#[tokio::test]
async fn bookings_are_listed_filtered_and_searched() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        for (start, name, email) in [("2026-03-03T14:00:00Z", "Pat Lee", "pat@x.test"), ("2026-03-03T15:00:00Z", "Sam O'Neil", "sam@y.test"), ("2026-03-04T14:00:00Z", "Lee Park", "lp@z.test")] {
            let r = app.post("/v1/bookings", json!({"event_type_id": w.event_type, "start": start, "attendee": {"name": name, "email": email}})).await;
            assert_eq!(r.status, StatusCode::CREATED);
        }
        let names = |r: &Res| r.body["data"].as_array().unwrap().iter().map(|b| b["attendee"]["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        assert_eq!(names(&app.get("/v1/bookings").await), vec!["Pat Lee", "Sam O'Neil", "Lee Park"]);
        assert_eq!(names(&app.get("/v1/bookings?q=LEE").await), vec!["Pat Lee", "Lee Park"]);
        assert_eq!(names(&app.get("/v1/bookings?q=y.test").await), vec!["Sam O'Neil"]);
        assert_eq!(names(&app.get("/v1/bookings?from=2026-03-04T00:00:00Z").await), vec!["Lee Park"]);
        assert_eq!(names(&app.get("/v1/bookings?to=2026-03-03T14:30:00Z").await), vec!["Pat Lee"]);
        let page1 = app.get("/v1/bookings?limit=2").await;
        let cursor = page1.body["next_cursor"].as_str().unwrap();
        assert_eq!(names(&app.get(&format!("/v1/bookings?limit=2&cursor={cursor}")).await), vec!["Lee Park"]);
        let first = &page1.body["data"][0];
        assert_eq!(names(&app.get(&format!("/v1/bookings?q={}", first["confirmation_code"].as_str().unwrap())).await), vec!["Pat Lee"]);
        assert_eq!(names(&app.get(&format!("/v1/bookings?host_id={}", first["host_id"].as_str().unwrap())).await).len(), 2);
        app.post(&format!("/v1/bookings/{}/cancel", first["id"].as_str().unwrap()), json!({})).await;
        assert_eq!(names(&app.get("/v1/bookings?status=cancelled").await), vec!["Pat Lee"]);
        assert_eq!(app.get("/v1/bookings?status=maybe").await.fields(), vec!["status"]);
        assert_eq!(app.get("/v1/bookings?from=soon").await.fields(), vec!["from"]);
        app
    })
    .await;
}

#[tokio::test]
async fn booking_changes_enqueue_events_in_the_same_transaction() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let b = app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:00:00Z", "Pat")).await;
        app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:10:00Z", "off-grid")).await;
        app.post(&format!("/v1/bookings/{}/reschedule", b.id()), json!({"start": "2026-03-03T15:00:00Z"}))
            .await;
        app.post(&format!("/v1/bookings/{}/cancel", b.id()), json!({})).await;
        let queued = app.get("/v1/jobs?status=queued").await;
        let all = queued.body["data"].as_array().unwrap();
        // One job per change, for every consumer (calendar write-back, notifications, webhooks).
        let events: Vec<&str> = all
            .iter()
            .map(|j| {
                assert_eq!(j["kind"], "booking.event");
                j["payload"]["event"].as_str().unwrap()
            })
            .collect();
        assert_eq!(
            events,
            vec!["booking.cancelled", "booking.rescheduled", "booking.created"],
            "newest first; the refused booking enqueued nothing"
        );
        let rescheduled = all.iter().find(|j| j["payload"]["event"] == "booking.rescheduled").unwrap();
        assert_eq!(rescheduled["payload"]["previous"]["start"], "2026-03-03T14:00:00Z");
        // A consumer's own job (queued by an earlier version, or handed to a consumer that
        // failed) still goes to that consumer.
        let first =
            app.store.job(queued.body["data"][0]["id"].as_str().unwrap().parse().unwrap()).await.unwrap();
        for kind in ["booking.event.calendar", "booking.event.notify", "booking.event.webhooks"] {
            let own = sked_store::NewJob {
                id: sked_core::ids::JobId::new(),
                tenant_id: first.tenant_id,
                kind: kind.into(),
                payload: first.payload.clone(),
                dedupe_key: None,
                run_at: first.run_at,
                max_attempts: 5,
                created_at: first.created_at,
            };
            app.store.enqueue(&own).await.unwrap();
        }
        let pass = app.run_pending_jobs().await;
        assert_eq!((pass.ran, pass.done), (6, 6));
        assert_eq!(app.get("/v1/jobs?status=queued").await.body["data"], json!([]));
        assert_eq!(app.get("/v1/jobs?status=done").await.body["data"].as_array().unwrap().len(), 6);
        assert_eq!(app.get("/v1/jobs?status=stuck").await.fields(), vec!["status"]);
        app
    })
    .await;
}
