//! Hostile and careless input through HTTP, on both stores: each finding of the outside probe
//! that lives in the API (recurring blocks, slot answer size, control characters, zones, ICS)
//! stays fixed. The work bound of expansion is asserted by counting steps in the engine's own
//! tests; here the answers are: the right status, the right field, and never a 500.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{World, booking, on_each_store, world};

/// Adds a block to a host; the answer.
async fn block(
    app: &crate::helpers::TestApp,
    host: &str,
    start: &str,
    end: &str,
    rrule: &str,
) -> crate::helpers::Res {
    app.post(
        &format!("/v1/hosts/{host}/blocks"),
        json!({"title": "Busy", "start": start, "end": end, "rrule": rrule}),
    )
    .await
}

#[tokio::test]
async fn a_recurring_block_from_long_ago_blocks_exactly() {
    on_each_store(|app| async move {
        let World { hosts, event_type, .. } = world(&app).await;
        let ann = &hosts[0];
        // Year 1 is refused outright: nothing bookable lies before 1970.
        let r = block(&app, ann, "0001-01-01T14:00:00Z", "0001-01-01T15:00:00Z", "FREQ=HOURLY").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.fields().contains(&"start".to_owned()), "{}", r.body);
        // Every 24 hours from Monday 5 January 1970, 09:00 New York: walked from 1970, the old
        // expansion stopped after 10,000 occurrences and the block vanished long before 2026.
        let r =
            block(&app, ann, "1970-01-05T14:00:00Z", "1970-01-05T15:00:00Z", "FREQ=HOURLY;INTERVAL=24").await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let busy =
            app.get(&format!("/v1/hosts/{ann}/busy?from=2026-03-03T00:00:00Z&to=2026-03-04T00:00:00Z")).await;
        assert_eq!(busy.status, StatusCode::OK, "{}", busy.body);
        assert_eq!(
            busy.body["data"],
            json!([{"start": "2026-03-03T14:00:00Z", "end": "2026-03-03T15:00:00Z", "source": "block"}])
        );
        let slots = app
            .get(&format!("/v1/event-types/{event_type}/slots?from=2026-03-03&to=2026-03-04&host_id={ann}"))
            .await;
        let starts: Vec<&str> = slots.body["slots_by_date"]["2026-03-03"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["start"].as_str().unwrap())
            .collect();
        assert!(
            !starts.contains(&"2026-03-03T14:00:00Z") && starts.contains(&"2026-03-03T15:00:00Z"),
            "{starts:?}"
        );
        let mut b = booking(&event_type, "2026-03-03T14:00:00Z", "Pat");
        b["host_id"] = json!(ann);
        let r = app.post("/v1/bookings", b).await;
        assert!(r.status.is_client_error() && r.status != StatusCode::CREATED, "{}", r.body);
        app
    })
    .await;
}

#[tokio::test]
async fn rules_that_cannot_be_honoured_exactly_are_refused() {
    on_each_store(|app| async move {
        let World { hosts, .. } = world(&app).await;
        let every_four = (0..15).map(|i| (i * 4).to_string()).collect::<Vec<_>>().join(",");
        for rule in [
            "FREQ=DAILY;INTERVAL=0".to_owned(),
            format!("FREQ=HOURLY;BYMINUTE={every_four}"),
            "FREQ=MINUTELY".to_owned(),
            "FREQ=DAILY;COUNT=5000".to_owned(),
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30".to_owned(),
            "FREQ=WEEKLY\r\nX-EVIL:1".to_owned(),
        ] {
            let r = block(&app, &hosts[0], "2026-03-03T14:00:00Z", "2026-03-03T15:00:00Z", &rule).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{rule}: {}", r.body);
            assert_eq!(r.fields(), vec!["rrule".to_owned()], "{rule}: {}", r.body);
        }
        app
    })
    .await;
}

#[tokio::test]
async fn an_hourly_block_holds_across_a_long_horizon_and_too_much_work_is_a_422() {
    on_each_store(|app| async move {
        let World { hosts, event_type, .. } = world(&app).await;
        let ann = &hosts[0];
        let r = app.patch(&format!("/v1/event-types/{event_type}"), json!({"max_days_ahead": 600})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // Ann is busy every hour of every day from today: 500 days on, still busy.
        let r = block(&app, ann, "2026-03-02T05:00:00Z", "2026-03-02T06:00:00Z", "FREQ=HOURLY").await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let mut b = booking(&event_type, "2027-07-15T13:00:00Z", "Pat");
        b["host_id"] = json!(ann);
        let r = app.post("/v1/bookings", b).await;
        assert!(
            r.status == StatusCode::CONFLICT || r.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            r.body
        );
        let slots = app
            .get(&format!("/v1/event-types/{event_type}/slots?from=2027-07-15&to=2027-07-16&host_id={ann}"))
            .await;
        assert_eq!(slots.body["available_dates"], json!([]), "{}", slots.body);
        // Every five minutes over ten years is more than one request may expand: a clear 422,
        // not a stall and not an answer that forgets the block.
        let r = app.patch(&format!("/v1/event-types/{event_type}"), json!({"max_days_ahead": 3650})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let five = (0..12).map(|i| (i * 5).to_string()).collect::<Vec<_>>().join(",");
        let r = block(
            &app,
            ann,
            "2026-03-02T05:00:00Z",
            "2026-03-02T05:01:00Z",
            &format!("FREQ=HOURLY;BYMINUTE={five}"),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let slots =
            app.get(&format!("/v1/event-types/{event_type}/slots?from=2026-03-03&to=2026-03-04")).await;
        assert_eq!(
            (slots.status, slots.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "work_budget_exceeded"),
            "{}",
            slots.body
        );
        // A 62-day look at the same host is fine.
        let busy =
            app.get(&format!("/v1/hosts/{ann}/busy?from=2026-03-03T00:00:00Z&to=2026-05-04T00:00:00Z")).await;
        assert_eq!(busy.status, StatusCode::OK);
        app
    })
    .await;
}

#[tokio::test]
async fn slot_answers_have_a_size_bound() {
    on_each_store(|app| async move {
        let all_day = json!([{"start": "00:00", "end": "24:00"}]);
        let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let week: serde_json::Map<String, serde_json::Value> =
            days.iter().map(|d| ((*d).to_owned(), all_day.clone())).collect();
        let s =
            app.post("/v1/schedules", json!({"name": "Always", "time_zone": "UTC", "weekly": week})).await;
        let h =
            app.post("/v1/hosts", json!({"name": "Ann", "time_zone": "UTC", "schedule_id": s.id()})).await;
        let e = app
            .post(
                "/v1/event-types",
                json!({"slug": "minute", "title": "A minute", "duration_minutes": 1,
                    "slot_interval_minutes": 1, "min_notice_minutes": 0, "max_days_ahead": 90,
                    "host_ids": [h.id()], "assignment": "round_robin"}),
            )
            .await;
        assert_eq!(e.status, StatusCode::CREATED, "{}", e.body);
        let et = e.id();
        // 62 days of one-minute slots: 89,280 slots, each with its host.
        let r = app.get(&format!("/v1/event-types/{et}/slots?from=2026-03-03&to=2026-05-04")).await;
        assert_eq!(
            (r.status, r.fields()),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["to".to_owned()]),
            "{}",
            r.body
        );
        let r = app.get(&format!("/v1/event-types/{et}/slots?from=2026-03-03&to=2026-03-24")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body["slots_by_date"]["2026-03-03"].as_array().unwrap().len(), 1_440);
        // The largest answer allowed stays within a few megabytes (the unbounded one was 146 MB).
        let bytes = serde_json::to_vec(&r.body).unwrap().len();
        assert!(bytes < 5 << 20, "{bytes} bytes");
        app
    })
    .await;
}

#[tokio::test]
async fn control_characters_and_odd_zones_are_422s_naming_the_field() {
    on_each_store(|app| async move {
        let World { schedule, hosts, event_type } = world(&app).await;
        let nul = "Pat\u{0}Lee";
        let cases = [
            ("POST", "/v1/hosts".to_owned(), json!({"name": nul, "time_zone": "UTC"}), "name"),
            ("POST", "/v1/hosts".to_owned(), json!({"name": "Ann", "time_zone": "localtime"}), "time_zone"),
            ("PATCH", format!("/v1/hosts/{}", hosts[0]), json!({"name": "Ann\r\nBcc: x"}), "name"),
            ("PATCH", format!("/v1/schedules/{schedule}"), json!({"name": nul}), "name"),
            ("PATCH", format!("/v1/event-types/{event_type}"), json!({"title": "Consult\u{0}"}), "title"),
            (
                "PATCH",
                format!("/v1/event-types/{event_type}"),
                json!({"description": "a\u{1b}[31m"}),
                "description",
            ),
            (
                "POST",
                format!("/v1/hosts/{}/blocks", hosts[0]),
                json!({"title": nul, "start": "2026-03-03T14:00:00Z", "end": "2026-03-03T15:00:00Z"}),
                "title",
            ),
            (
                "POST",
                "/v1/bookings".to_owned(),
                booking(&event_type, "2026-03-03T14:00:00Z", "Pat\r\nATTENDEE:mailto:m@evil.test"),
                "attendee.name",
            ),
            (
                "POST",
                "/v1/bookings".to_owned(),
                {
                    let mut b = booking(&event_type, "2026-03-03T14:00:00Z", "Pat");
                    b["notes"] = json!(nul);
                    b
                },
                "notes",
            ),
            (
                "POST",
                "/v1/bookings".to_owned(),
                {
                    let mut b = booking(&event_type, "2026-03-03T14:00:00Z", "Pat");
                    b["metadata"] = json!({"crm": {"k\u{0}": 1}});
                    b
                },
                "metadata.crm",
            ),
        ];
        for (method, path, body, field) in cases {
            let r = app.call_with(method, &path, Some(body), &app.key, &[]).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{method} {path}: {}", r.body);
            assert_eq!(r.fields(), vec![field.to_owned()], "{method} {path}: {}", r.body);
        }
        let r = app
            .call_with("POST", "/v1/tenants", Some(json!({"name": nul})), crate::helpers::OPERATOR_KEY, &[])
            .await;
        assert_eq!((r.status, r.fields()), (StatusCode::UNPROCESSABLE_ENTITY, vec!["name".to_owned()]));
        // A NUL in a query: refused, where it used to match every booking (SQLite) or fail (PostgreSQL).
        let made = app.post("/v1/bookings", booking(&event_type, "2026-03-03T14:00:00Z", "Pat")).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let r = app.get("/v1/bookings?q=%00").await;
        assert_eq!(
            (r.status, r.fields()),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["q".to_owned()]),
            "{}",
            r.body
        );
        let r = app
            .get(&format!(
                "/v1/event-types/{event_type}/slots?from=2026-03-03&to=2026-03-04&time_zone=localtime"
            ))
            .await;
        assert_eq!(r.fields(), vec!["time_zone".to_owned()], "{}", r.body);
        let id = made.id();
        let r = app.post(&format!("/v1/bookings/{id}/cancel"), json!({"reason": "no\u{0}"})).await;
        assert_eq!(
            (r.status, r.fields()),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".to_owned()]),
            "{}",
            r.body
        );
        // The calendar file names the attendee inside the one ATTENDEE line, under one PRODID.
        let ics = app.get(&format!("/v1/bookings/{id}/ics")).await;
        let text = ics.body.as_str().unwrap().to_owned();
        assert_eq!(text.matches("\r\nPRODID").count(), 1, "{text}");
        assert_eq!(text.matches("\r\nATTENDEE").count(), 1, "{text}");
        app
    })
    .await;
}

#[tokio::test]
async fn instants_outside_1970_to_2199_are_refused() {
    on_each_store(|app| async move {
        let World { hosts, event_type, .. } = world(&app).await;
        for (path, field) in [
            (
                format!("/v1/hosts/{}/busy?from=1969-12-31T00:00:00Z&to=1970-01-02T00:00:00Z", hosts[0]),
                "from",
            ),
            (format!("/v1/event-types/{event_type}/slots?from=9999-01-01&to=9999-01-02"), "from"),
        ] {
            let r = app.get(&path).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", r.body);
            assert!(r.fields().contains(&field.to_owned()), "{path}: {}", r.body);
        }
        app
    })
    .await;
}

#[tokio::test]
async fn control_characters_from_a_voice_caller_never_reach_the_store() {
    use sked_core::Clock;
    const KEY: &str = "key_retell_webhook_0123456789";
    on_each_store(|app| async move {
        let w = world(&app).await;
        let a = app
            .post(
                "/v1/voice-agents",
                json!({"platform": "retell", "platform_agent_id": "agent_1", "event_type_ids": [w.event_type],
                    "time_zone": "America/New_York", "secret": KEY}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
        let path = format!("{}/v1/voice/retell/{}", app.base, a.id());
        let call = json!({"call_id": "c\u{0}1", "from_number": "+1555\u{0}",
            "retell_llm_dynamic_variables": {"time_zone": "localtime"}});
        for (n, body) in [
            json!({"name": "book_appointment", "call": call,
                "args": {"start": "2026-03-03T15:00:00Z", "name": "Pat\u{0}"}}),
            json!({"name": "book_appointment", "call": call,
                "args": {"start": "2026-03-03T15:00:00Z", "name": "Pat", "notes": "\u{0}"}}),
            json!({"event": "call_analyzed", "call": call}),
        ]
        .into_iter()
        .enumerate()
        {
            let raw = serde_json::to_vec(&body).unwrap();
            let at = app.clock.now().as_millisecond() + n as i64;
            let r = app
                .client
                .post(&path)
                .header("content-type", "application/json")
                .header("x-retell-signature", sked_server::voice::platform::sign_retell(KEY, &raw, at))
                .body(raw)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success() || r.status().is_client_error(), "{body}: {}", r.status());
        }
        let list = app.get("/v1/bookings").await;
        assert_eq!(list.body["data"], json!([]), "nothing was booked with a control character");
        app
    })
    .await;
}

#[tokio::test]
async fn every_list_and_string_has_a_bound() {
    on_each_store(|app| async move {
        let World { schedule, event_type, .. } = world(&app).await;
        let overrides: Vec<_> = (0..1_001)
            .map(|i| {
                let date = jiff::civil::date(2027, 1, 1) + jiff::Span::new().days(i);
                json!({"date": date.to_string(), "intervals": []})
            })
            .collect();
        let r = app.patch(&format!("/v1/schedules/{schedule}"), json!({"overrides": overrides})).await;
        assert_eq!(r.fields(), vec!["overrides".to_owned()], "{}", r.body);
        let day: Vec<_> = (0..24)
            .map(|h| json!({"start": format!("{h:02}:00"), "end": format!("{h:02}:30")}))
            .chain([json!({"start": "23:40", "end": "23:50"})])
            .collect();
        let r = app.patch(&format!("/v1/schedules/{schedule}"), json!({"weekly": {"mon": day}})).await;
        assert_eq!(r.fields(), vec!["weekly.mon".to_owned()], "{}", r.body);
        let many: Vec<String> = (0..101).map(|_| uuid::Uuid::now_v7().to_string()).collect();
        let r = app.patch(&format!("/v1/event-types/{event_type}"), json!({"host_ids": many})).await;
        assert_eq!(r.fields(), vec!["host_ids".to_owned()], "{}", r.body);
        let r = app.get(&format!("/v1/bookings?q={}", "a".repeat(201))).await;
        assert_eq!(r.fields(), vec!["q".to_owned()], "{}", r.body);
        let r = app.post("/v1/hosts", json!({"name": "x".repeat(2 << 20), "time_zone": "UTC"})).await;
        assert_eq!((r.status, r.code()), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"), "{}", r.body);
        let r = app.post("/v1/hosts", json!({"name": "x".repeat(201), "time_zone": "UTC"})).await;
        assert_eq!(r.fields(), vec!["name".to_owned()], "{}", r.body);
        app
    })
    .await;
}
