//! Connecting a CalDAV account, its events as busy time, refused connections, a forced resync
//! and disconnecting.

use super::*;

#[tokio::test]
async fn connecting_finds_the_calendars_and_the_main_ones_events_block_slots() {
    on_each_store_with(private, |app| async move {
        let Some(dav) = Dav::start().await else { return app };
        let w = world(&app).await;
        let ann = &w.hosts[0];
        let personal = dav.calendar("personal", "Personal").await;
        // Before connecting: Tuesday 10:00–11:00 New York in Work, 14:00–15:00 in Personal.
        dav.put(&dav.work, "dentist", &ny("dentist", "20260303T100000", "20260303T110000", "")).await;
        dav.put(&personal, "gym", &ny("gym", "20260303T140000", "20260303T150000", "")).await;

        let c = connect(&app, &dav, ann).await;
        let id = c["id"].as_str().unwrap().to_owned();
        assert_eq!(
            (c["provider"].as_str(), c["account"].as_str(), c["status"].as_str()),
            (Some("caldav"), Some("ann@127.0.0.1"), Some("healthy")),
            "{c}"
        );
        let cals = c["calendars"].as_array().unwrap();
        let mut found: Vec<(&str, &str)> =
            cals.iter().map(|k| (k["id"].as_str().unwrap(), k["summary"].as_str().unwrap())).collect();
        found.sort_unstable();
        assert_eq!(found, [(personal.as_str(), "Personal"), (dav.work.as_str(), "Work")]);
        let primary: Vec<&Value> = cals.iter().filter(|k| k["primary"] == true).collect();
        assert_eq!(primary.len(), 1, "{c}");
        let main = primary[0]["id"].as_str().unwrap().to_owned();
        assert_eq!(c["booking_calendar_id"], json!(main), "the first calendar receives bookings");
        for k in cals {
            let is_main = k["id"] == json!(main);
            assert_eq!((k["busy"].as_bool(), k["writable"].as_bool()), (Some(is_main), Some(true)), "{k}");
        }

        // The password is kept sealed: nowhere in the database or the API in clear.
        let stored = app.store.find_connection(id.parse().unwrap()).await.unwrap();
        let sealed = stored.password.clone().unwrap();
        assert_eq!(app.state.sealer.clone().unwrap().open(&sealed).unwrap(), PASSWORD);
        assert!(!database_text(&app).await.contains(PASSWORD), "the password is in the database in clear");
        let listed = app.get("/v1/connections").await;
        assert!(!listed.body.to_string().contains(PASSWORD));
        assert_eq!(listed.body["data"][0]["id"], json!(id));

        // Only the main calendar blocks: 10:00 New York (15:00 UTC) or 14:00 (19:00 UTC).
        let (busy_at, free_at) = if main == dav.work {
            ("2026-03-03T15:00:00Z", "2026-03-03T19:00:00Z")
        } else {
            ("2026-03-03T19:00:00Z", "2026-03-03T15:00:00Z")
        };
        let tue = free_starts(&app, &w, ann, "2026-03-03").await;
        assert!(!tue.contains(&busy_at.to_owned()) && tue.contains(&free_at.to_owned()), "{tue:?}");
        let end = busy_at.replace("T15:", "T16:").replace("T19:", "T20:");
        let busy = calendar_busy(&app, ann, "2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z").await;
        assert_eq!(busy, [(busy_at.to_owned(), end)]);
        assert!(free_starts(&app, &w, &w.hosts[1], "2026-03-03").await.contains(&busy_at.to_owned()));

        // Events added later: a weekly series on Thursdays at 09:00 New York (through the
        // change to summer time), one week left out; an event that does not block; one in UTC.
        let weekly = ny(
            "weekly",
            "20260305T090000",
            "20260305T100000",
            "RRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE;TZID=America/New_York:20260312T090000\r\n",
        );
        dav.put(&main, "weekly", &weekly).await;
        dav.put(&main, "free", &ny("free", "20260303T130000", "20260303T140000", "TRANSP:TRANSPARENT\r\n"))
            .await;
        dav.put(&main, "utc", &vevent("utc", ":20260304T150000Z", ":20260304T160000Z", "")).await;
        // A floating time is a wall time in the host's zone: 09:00 New York.
        dav.put(&main, "floating", &vevent("floating", ":20260304T090000", ":20260304T093000", "")).await;
        assert!(free_starts(&app, &w, ann, "2026-03-05").await.contains(&"2026-03-05T14:00:00Z".to_owned()));
        poll(&app).await;
        let thu = |d: &str, hour: &str| format!("2026-03-{d}T{hour}:00:00Z");
        assert!(!free_starts(&app, &w, ann, "2026-03-05").await.contains(&thu("05", "14")), "09:00 EST");
        assert!(free_starts(&app, &w, ann, "2026-03-12").await.contains(&thu("12", "13")), "left out");
        for d in ["19", "26"] {
            let day = format!("2026-03-{d}");
            let starts = free_starts(&app, &w, ann, &day).await;
            assert!(
                !starts.contains(&thu(d, "13")) && starts.contains(&thu(d, "14")),
                "09:00 EDT {d}: {starts:?}"
            );
        }
        assert!(free_starts(&app, &w, ann, "2026-04-02").await.contains(&"2026-04-02T13:00:00Z".to_owned()));
        assert!(free_starts(&app, &w, ann, "2026-03-03").await.contains(&"2026-03-03T18:00:00Z".to_owned()));
        let wed = calendar_busy(&app, ann, "2026-03-04T00:00:00Z", "2026-03-05T00:00:00Z").await;
        let span = |s: &str, e: &str| (s.to_owned(), e.to_owned());
        assert_eq!(
            wed,
            [
                span("2026-03-04T14:00:00Z", "2026-03-04T14:30:00Z"),
                span("2026-03-04T15:00:00Z", "2026-03-04T16:00:00Z")
            ]
        );

        // The host deletes an event: its time is free after the next poll.
        let (dentist, gym) = (format!("{}dentist.ics", dav.work), format!("{personal}gym.ics"));
        let gone = if main == dav.work { dentist } else { gym };
        assert!(dav.client.delete(&dav.ann, &gone, None).await.unwrap());
        poll(&app).await;
        assert!(free_starts(&app, &w, ann, "2026-03-03").await.contains(&busy_at.to_owned()));
        assert!(calendar_busy(&app, ann, "2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z").await.is_empty());
        let now = app.get(&format!("/v1/connections/{id}")).await;
        let k = now.body["calendars"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == json!(main))
            .unwrap()
            .clone();
        assert!(k["synced_at"].is_string() && k["last_error"].is_null(), "{k}");
        app
    })
    .await;
}

#[tokio::test]
async fn a_wrong_password_and_a_dead_server_are_refused() {
    on_each_store_with(private, |app| async move {
        let Some(server) = Radicale::with_users(&[(USER, PASSWORD)]) else { return app };
        let dav = Dav::with(server, USER, PASSWORD).await.unwrap();
        let w = world(&app).await;
        let path = format!("/v1/hosts/{}/connections/caldav", w.hosts[0]);
        let mut wrong = account(&dav);
        wrong["password"] = json!("not-the-password");
        let r = app.post(&path, wrong).await;
        assert_eq!((r.status, r.code()), (StatusCode::UNAUTHORIZED, "caldav_auth_failed"), "{}", r.body);
        assert!(!r.body.to_string().contains("not-the-password"));

        // Nothing listens on this port.
        let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = dead.local_addr().unwrap().port();
        drop(dead);
        let mut nowhere = account(&dav);
        nowhere["url"] = json!(format!("http://127.0.0.1:{port}/"));
        let r = app.post(&path, nowhere).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "caldav_unreachable"),
            "{}",
            r.body
        );
        assert_eq!(app.get("/v1/connections").await.body["data"], json!([]), "nothing connected");

        // The right password connects.
        let c = connect(&app, &dav, &w.hosts[0]).await;
        assert_eq!(c["booking_calendar_id"], json!(dav.work));
        let conn = format!("/v1/connections/{}", c["id"].as_str().unwrap());

        // The app password is revoked on the server: the connection says so, bookings go on.
        const NEW: &str = "a-new-app-pass";
        dav.server.set_users(&[(USER, NEW)]);
        poll(&app).await;
        let now = app.get(&conn).await.body;
        assert_eq!(now["status"], "revoked", "{now}");
        assert!(now["last_error"].as_str().unwrap().contains("caldav_auth_failed"), "{now}");
        let b = book(&app, &w, "2026-03-03T16:30:00Z").await;
        app.run_pending_jobs().await;
        poll(&app).await;
        assert_eq!(app.get("/v1/jobs?status=dead").await.body["data"], json!([]));

        // Connected again with the new password: the booking made meanwhile is written.
        let mut fresh = account(&dav);
        fresh["password"] = json!(NEW);
        let r = app.post(&path, fresh).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        app.run_pending_jobs().await;
        let listed = app.get("/v1/connections").await.body["data"].clone();
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
        assert_eq!(listed[0]["status"], "healthy");
        let ann = Account { password: NEW.to_owned().into(), ..dav.ann.clone() };
        let all = dav.client.calendar_query(&ann, &dav.work, None, false).await.unwrap();
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!(event_of(&all[0]).booking_id.as_deref(), b["id"].as_str());
        app
    })
    .await;
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        for (kind, body) in [
            ("caldav", json!({"url": "http://127.0.0.1:5232/", "username": USER, "password": PASSWORD})),
            ("caldav", json!({"url": "https://10.1.2.3/dav/", "username": USER, "password": PASSWORD})),
            ("ics", json!({"url": "http://127.0.0.1:8080/cal.ics"})),
            ("ics", json!({"url": "webcal://192.168.1.5/cal.ics"})),
        ] {
            let r = app.post(&format!("/v1/hosts/{}/connections/{kind}", w.hosts[0]), body.clone()).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
            assert_eq!(r.fields(), ["url"], "{body}: {}", r.body);
        }
        assert_eq!(app.get("/v1/connections").await.body["data"], json!([]));
        app
    })
    .await;
}

#[tokio::test]
async fn a_resync_picks_changes_up_at_once_and_disconnecting_drops_the_busy_time() {
    on_each_store_with(private, |app| async move {
        let Some(dav) = Dav::start().await else { return app };
        let w = world(&app).await;
        let ann = &w.hosts[0];
        let c = connect(&app, &dav, ann).await;
        let id = c["id"].as_str().unwrap().to_owned();
        dav.put(&dav.work, "late", &ny("late", "20260303T160000", "20260303T170000", "")).await;
        let late = "2026-03-03T21:00:00Z".to_owned();
        assert!(free_starts(&app, &w, ann, "2026-03-03").await.contains(&late), "not synced yet");

        let r = app.post(&format!("/v1/connections/{id}/sync"), json!({})).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        app.run_pending_jobs().await;
        assert!(!free_starts(&app, &w, ann, "2026-03-03").await.contains(&late));
        let busy = calendar_busy(&app, ann, "2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z").await;
        assert_eq!(busy, [(late.clone(), "2026-03-03T22:00:00Z".to_owned())]);
        let missing = app.post("/v1/connections/01890000-0000-7000-8000-000000000000/sync", json!({})).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);

        // Connecting the same account again replaces the connection; the booking's event is
        // neither lost nor doubled.
        let b = book(&app, &w, "2026-03-03T16:30:00Z").await;
        app.run_pending_jobs().await;
        assert_eq!(dav.ours(&dav.work).await.len(), 1);
        let again = connect(&app, &dav, ann).await;
        let listed = app.get("/v1/connections").await.body["data"].clone();
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
        assert_eq!(listed[0]["id"], again["id"]);
        let ours = dav.ours(&dav.work).await;
        assert_eq!(ours.len(), 1, "{ours:?}");
        assert_eq!(event_of(&ours[0]).booking_id.as_deref(), b["id"].as_str());
        assert!(!free_starts(&app, &w, ann, "2026-03-03").await.contains(&late));
        let id = again["id"].as_str().unwrap().to_owned();

        let r = app.delete(&format!("/v1/connections/{id}")).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        app.run_pending_jobs().await;
        assert!(free_starts(&app, &w, ann, "2026-03-03").await.contains(&late), "busy time dropped");
        assert!(calendar_busy(&app, ann, "2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z").await.is_empty());
        assert_eq!(app.get(&format!("/v1/connections/{id}")).await.status, StatusCode::NOT_FOUND);
        // Bookings no longer go to the calendar, and its events stay where they are.
        book(&app, &w, "2026-03-03T18:00:00Z").await;
        app.run_pending_jobs().await;
        poll(&app).await;
        assert_eq!(dav.ours(&dav.work).await.len(), 1);
        assert_eq!(dav.all(&dav.work).await.len(), 2);
        assert_eq!(app.get("/v1/jobs?status=dead").await.body["data"], json!([]));
        app
    })
    .await;
}
