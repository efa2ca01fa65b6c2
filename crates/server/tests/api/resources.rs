//! Tenants, keys, hosts, schedules, event types and blocks: CRUD, validation naming the field,
//! pagination, and tenant isolation.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn keys_are_required_and_scoped() {
    on_each_store(|app| async move {
        let no_key = app.client.get(format!("{}/v1/hosts", app.base)).send().await.unwrap();
        assert_eq!(no_key.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(no_key.headers()["content-type"], "application/problem+json");
        let wrong = app.call_with("GET", "/v1/hosts", None, "sk_nope", &[]).await;
        assert_eq!((wrong.status, wrong.code()), (StatusCode::UNAUTHORIZED, "unauthorized"));
        // A tenant key cannot manage tenants; the operator key is not a tenant key.
        assert_eq!(app.post("/v1/tenants", json!({"name": "x"})).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            app.call_with("GET", "/v1/hosts", None, OPERATOR_KEY, &[]).await.status,
            StatusCode::UNAUTHORIZED
        );
        // The operator lists tenants, adds and revokes keys.
        let tenants = app.call_with("GET", "/v1/tenants", None, OPERATOR_KEY, &[]).await;
        let tid = tenants.body["data"][0]["id"].as_str().unwrap().to_owned();
        let k = app
            .call_with(
                "POST",
                &format!("/v1/tenants/{tid}/api-keys"),
                Some(json!({"name": "ci"})),
                OPERATOR_KEY,
                &[],
            )
            .await;
        assert_eq!(k.status, StatusCode::CREATED);
        let secret = k.body["key"].as_str().unwrap().to_owned();
        assert_eq!(app.call_with("GET", "/v1/hosts", None, &secret, &[]).await.status, StatusCode::OK);
        let r =
            app.call_with("POST", &format!("/v1/api-keys/{}/revoke", k.id()), None, OPERATOR_KEY, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body["revoked_at"].is_string());
        assert_eq!(
            app.call_with("GET", "/v1/hosts", None, &secret, &[]).await.status,
            StatusCode::UNAUTHORIZED
        );
        let listed =
            app.call_with("GET", &format!("/v1/tenants/{tid}/api-keys"), None, OPERATOR_KEY, &[]).await;
        assert_eq!(listed.body["data"].as_array().unwrap().len(), 2);
        assert!(listed.body["data"][0].get("key").is_none(), "secrets are never listed");
        app
    })
    .await;
}

#[tokio::test]
async fn every_resource_of_another_tenant_is_not_found() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let b = app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:00:00Z", "Pat")).await;
        assert_eq!(b.status, StatusCode::CREATED, "{}", b.body);
        let block = app
            .post(
                &format!("/v1/hosts/{}/blocks", w.hosts[0]),
                json!({"start": "2026-03-04T15:00:00Z", "end": "2026-03-04T16:00:00Z"}),
            )
            .await;
        assert_eq!(block.status, StatusCode::CREATED, "{}", block.body);
        let other = app.new_tenant("Other").await;
        let (h, s, e, bk, bl) = (&w.hosts[0], &w.schedule, &w.event_type, b.id(), block.id());
        let code = b.body["confirmation_code"].as_str().unwrap();
        let gets = [
            format!("/v1/hosts/{h}"),
            format!("/v1/schedules/{s}"),
            format!("/v1/event-types/{e}"),
            format!("/v1/event-types/{e}/slots?from=2026-03-03&to=2026-03-04"),
            format!("/v1/hosts/{h}/blocks"),
            format!("/v1/hosts/{h}/blocks/{bl}"),
            format!("/v1/hosts/{h}/busy?from=2026-03-03T00:00:00Z&to=2026-03-05T00:00:00Z"),
            format!("/v1/bookings/{bk}"),
            format!("/v1/bookings/by-code/{code}"),
            format!("/v1/bookings/{bk}/history"),
            format!("/v1/bookings/{bk}/ics"),
        ];
        for path in &gets {
            let r = app.call_with("GET", path, None, &other, &[]).await;
            assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"), "GET {path}: {}", r.body);
        }
        let writes = [
            ("PATCH", format!("/v1/hosts/{h}"), json!({"name": "x"})),
            ("PATCH", format!("/v1/schedules/{s}"), json!({"name": "x"})),
            ("PATCH", format!("/v1/event-types/{e}"), json!({"title": "x"})),
            ("PATCH", format!("/v1/hosts/{h}/blocks/{bl}"), json!({"title": "x"})),
            (
                "POST",
                format!("/v1/hosts/{h}/blocks"),
                json!({"start": "2026-03-04T15:00:00Z", "end": "2026-03-04T16:00:00Z"}),
            ),
            ("POST", format!("/v1/bookings/{bk}/reschedule"), json!({"start": "2026-03-03T15:00:00Z"})),
            ("POST", format!("/v1/bookings/{bk}/cancel"), json!({})),
            ("DELETE", format!("/v1/hosts/{h}/blocks/{bl}"), json!(null)),
            ("DELETE", format!("/v1/event-types/{e}"), json!(null)),
            ("DELETE", format!("/v1/schedules/{s}"), json!(null)),
            ("DELETE", format!("/v1/hosts/{h}"), json!(null)),
        ];
        for (m, path, body) in &writes {
            let body = (!body.is_null()).then(|| body.clone());
            let r = app.call_with(m, path, body, &other, &[]).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{m} {path}: {}", r.body);
        }
        // Booking another tenant's event type, or naming its host, is not possible either.
        let r = app
            .call_with("POST", "/v1/bookings", Some(booking(e, "2026-03-03T15:00:00Z", "Eve")), &other, &[])
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        let r = app
            .call_with(
                "POST",
                "/v1/event-types",
                Some(json!({"slug": "x", "title": "X", "duration_minutes": 30, "host_ids": [h]})),
                &other,
                &[],
            )
            .await;
        assert_eq!(
            (r.status, r.fields()),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["host_ids[0]".to_string()])
        );
        let r = app
            .call_with(
                "POST",
                "/v1/hosts",
                Some(json!({"name": "x", "time_zone": "UTC", "schedule_id": s})),
                &other,
                &[],
            )
            .await;
        assert_eq!(r.fields(), vec!["schedule_id".to_string()]);
        // Lists are empty, and nothing changed for the owner.
        for path in ["/v1/hosts", "/v1/schedules", "/v1/event-types", "/v1/bookings", "/v1/jobs"] {
            let r = app.call_with("GET", path, None, &other, &[]).await;
            assert_eq!(r.body["data"], json!([]), "{path}");
        }
        assert_eq!(app.get(&format!("/v1/bookings/{bk}")).await.body["status"], "confirmed");
        app
    })
    .await;
}

#[tokio::test]
async fn hosts_round_trip_patch_and_delete() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let h = app.get(&format!("/v1/hosts/{}", w.hosts[0])).await;
        assert_eq!(h.body["name"], "Ann");
        assert_eq!(
            (h.body["weight"].as_i64(), h.body["priority"].as_i64(), h.body["active"].as_bool()),
            (Some(100), Some(0), Some(true))
        );
        let p = app
            .patch(
                &format!("/v1/hosts/{}", w.hosts[0]),
                json!({"phone": "+1 (555) 010-2030", "priority": 3, "email": null}),
            )
            .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        assert_eq!(
            (p.body["phone"].as_str(), p.body["priority"].as_i64(), p.body["email"].is_null()),
            (Some("+15550102030"), Some(3), true)
        );
        let bad = app
            .patch(
                &format!("/v1/hosts/{}", w.hosts[0]),
                json!({"phone": "555", "time_zone": "Mars/Base", "weight": -1}),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.fields(), vec!["phone", "time_zone", "weight"]);
        // A host in an event type cannot be deleted; a lone one can.
        let r = app.delete(&format!("/v1/hosts/{}", w.hosts[0])).await;
        assert_eq!((r.status, r.code()), (StatusCode::CONFLICT, "conflict"));
        let lone = app.post("/v1/hosts", json!({"name": "Cy", "time_zone": "Europe/London"})).await;
        assert_eq!(app.delete(&format!("/v1/hosts/{}", lone.id())).await.status, StatusCode::NO_CONTENT);
        assert_eq!(app.get(&format!("/v1/hosts/{}", lone.id())).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get("/v1/hosts/not-a-uuid").await.status, StatusCode::NOT_FOUND);
        app
    })
    .await;
}

#[tokio::test]
async fn schedule_errors_name_the_field() {
    on_each_store(|app| async move {
        let r = app
            .post("/v1/schedules", json!({"name": "", "time_zone": "Mars/Olympus",
                "weekly": {"mon": [{"start": "09:00", "end": "25:00"}], "tue": [{"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}],
                           "funday": [], "wed": [{"start": "17:00", "end": "09:00"}]},
                "overrides": [{"date": "2026-02-30", "intervals": []}, {"date": "2026-12-24", "intervals": [{"start": "24:00", "end": "24:00"}]}]}))
            .await;
        assert_eq!((r.status, r.code()), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
        let mut fields = r.fields();
        fields.sort();
        assert_eq!(fields, vec!["name", "overrides[0].date", "overrides[1].intervals[0].start", "time_zone", "weekly.funday", "weekly.mon[0].end", "weekly.tue[1]", "weekly.wed[0].end"]);
        assert!(r.body["detail"].as_str().unwrap().contains("weekly.mon[0].end"));
        let ok = app
            .post("/v1/schedules", json!({"name": "Late", "time_zone": "Europe/Dublin",
                "weekly": {"fri": [{"start": "20:00", "end": "24:00"}]}, "overrides": [{"date": "2026-12-25"}]}))
            .await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
        assert_eq!(ok.body["overrides"], json!([{"date": "2026-12-25", "intervals": []}]));
        let moved = app.patch(&format!("/v1/schedules/{}", ok.id()), json!({"time_zone": "America/Chicago"})).await;
        assert_eq!((moved.body["time_zone"].as_str(), moved.body["weekly"]["fri"][0]["end"].as_str()), (Some("America/Chicago"), Some("24:00")));
        // Wrong JSON types name their field too.
        let r = app.post("/v1/schedules", json!({"name": "x", "time_zone": "UTC", "weekly": {"mon": [{"start": 9, "end": "10:00"}]}})).await;
        assert_eq!(r.fields(), vec!["weekly.mon[0].start"]);
        app
    })
    .await;
}

#[tokio::test]
async fn event_types_validate_their_rules() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let r = app
            .post(
                "/v1/event-types",
                json!({"slug": "Bad Slug", "title": "x", "duration_minutes": 0, "max_days_ahead": 0,
                "host_ids": [w.hosts[0], w.hosts[0], "nope"], "assignment": "random"}),
            )
            .await;
        let mut f = r.fields();
        f.sort();
        assert_eq!(f, vec!["assignment", "duration_minutes", "host_ids[1]", "host_ids[2]", "slug"]);
        let dup = app
            .post(
                "/v1/event-types",
                json!({"slug": "consult", "title": "x", "duration_minutes": 30, "host_ids": [w.hosts[0]]}),
            )
            .await;
        assert_eq!((dup.status, dup.fields()), (StatusCode::UNPROCESSABLE_ENTITY, vec!["slug".to_string()]));
        let neg = app
            .post(
                "/v1/event-types",
                json!({"slug": "n", "title": "x", "duration_minutes": -30, "host_ids": [w.hosts[0]]}),
            )
            .await;
        assert_eq!(neg.fields(), vec!["duration_minutes"]);
        let e = app.get(&format!("/v1/event-types/{}", w.event_type)).await;
        assert_eq!(
            (e.body["slot_interval_minutes"].as_i64(), e.body["max_days_ahead"].as_i64()),
            (Some(30), Some(60))
        );
        let p = app
            .patch(
                &format!("/v1/event-types/{}", w.event_type),
                json!({"slot_interval_minutes": 15, "daily_limit": 2, "host_ids": [w.hosts[1]]}),
            )
            .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        assert_eq!(
            (
                p.body["slot_interval_minutes"].as_i64(),
                p.body["daily_limit"].as_i64(),
                p.body["host_ids"].clone()
            ),
            (Some(15), Some(2), json!([w.hosts[1]]))
        );
        let cleared =
            app.patch(&format!("/v1/event-types/{}", w.event_type), json!({"daily_limit": null})).await;
        assert!(cleared.body["daily_limit"].is_null());
        let unknown = app.patch(&format!("/v1/event-types/{}", w.event_type), json!({"colour": "red"})).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unknown.body["detail"].as_str().unwrap().contains("colour"));
        app
    })
    .await;
}

#[tokio::test]
async fn blocks_validate_and_show_in_busy_time() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let h = &w.hosts[0];
        let bad = app.post(&format!("/v1/hosts/{h}/blocks"), json!({"start": "2026-03-04T16:00:00Z", "end": "2026-03-04T15:00:00Z", "rrule": "FREQ=SOMETIMES"})).await;
        assert_eq!(bad.fields(), vec!["end", "rrule"]);
        let naive = app.post(&format!("/v1/hosts/{h}/blocks"), json!({"start": "2026-03-04T16:00", "end": "2026-03-04T17:00:00Z"})).await;
        assert_eq!(naive.fields(), vec!["start"]);
        let lunch = app.post(&format!("/v1/hosts/{h}/blocks"), json!({"title": "Standup", "start": "2026-03-02T14:00:00Z", "end": "2026-03-02T14:30:00Z", "rrule": "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"})).await;
        assert_eq!(lunch.status, StatusCode::CREATED, "{}", lunch.body);
        let b = app.post("/v1/bookings", json!({"event_type_id": w.event_type, "start": "2026-03-03T15:00:00Z", "host_id": h, "attendee": {"name": "Pat"}})).await;
        assert_eq!(b.status, StatusCode::CREATED, "{}", b.body);
        let busy = app.get(&format!("/v1/hosts/{h}/busy?from=2026-03-03T00:00:00Z&to=2026-03-04T00:00:00Z")).await;
        assert_eq!(busy.body["data"], json!([
            {"start": "2026-03-03T14:00:00Z", "end": "2026-03-03T14:30:00Z", "source": "block"},
            {"start": "2026-03-03T15:00:00Z", "end": "2026-03-03T15:40:00Z", "source": "booking"},
        ]));
        let too_long = app.get(&format!("/v1/hosts/{h}/busy?from=2026-03-03T00:00:00Z&to=2026-09-03T00:00:00Z")).await;
        assert_eq!(too_long.fields(), vec!["to"]);
        let p = app.patch(&format!("/v1/hosts/{h}/blocks/{}", lunch.id()), json!({"rrule": null})).await;
        assert!(p.body["rrule"].is_null());
        assert_eq!(app.get(&format!("/v1/hosts/{h}/blocks")).await.body["data"].as_array().unwrap().len(), 1);
        assert_eq!(app.delete(&format!("/v1/hosts/{h}/blocks/{}", lunch.id())).await.status, StatusCode::NO_CONTENT);
        app
    })
    .await;
}

#[tokio::test]
async fn lists_page_with_cursors() {
    on_each_store(|app| async move {
        for i in 0..5 {
            app.post("/v1/hosts", json!({"name": format!("H{i}"), "time_zone": "UTC"})).await;
        }
        let mut names = vec![];
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/hosts?limit=2&cursor={c}"),
                None => "/v1/hosts?limit=2".into(),
            };
            let r = app.get(&path).await;
            names.extend(
                r.body["data"].as_array().unwrap().iter().map(|h| h["name"].as_str().unwrap().to_owned()),
            );
            match r.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(names, vec!["H0", "H1", "H2", "H3", "H4"]);
        assert_eq!(app.get("/v1/hosts?limit=501").await.fields(), vec!["limit"]);
        assert_eq!(app.get("/v1/hosts?cursor=garbage").await.fields(), vec!["cursor"]);
        assert_eq!(app.get("/v1/hosts?limit=abc").await.fields(), vec!["limit"]);
        app
    })
    .await;
}

#[tokio::test]
async fn tenants_get_a_slug_from_their_name_unique_and_changeable() {
    on_each_store(|app| async move {
        let make = |name: &'static str| {
            let app = &app;
            async move {
                let r = app
                    .call_with("POST", "/v1/tenants", Some(json!({"name": name})), OPERATOR_KEY, &[])
                    .await;
                assert_eq!(r.status, 201, "{}", r.body);
                r.body
            }
        };
        let first = make("Café Müller, Inc.").await;
        assert_eq!(first["slug"], "cafe-muller-inc");
        let second = make("Cafe Muller Inc").await;
        assert_eq!(second["slug"], "cafe-muller-inc-2", "the next free one");
        let own = app.get("/v1/tenant").await;
        assert_eq!((own.body["name"].as_str(), own.body["slug"].as_str()), (Some("Acme"), Some("acme")));
        let key = first["api_key"].as_str().unwrap();
        let r = app.call_with("PATCH", "/v1/tenant", Some(json!({"slug": "cafe-mueller"})), key, &[]).await;
        assert_eq!((r.status.as_u16(), r.body["slug"].as_str()), (200, Some("cafe-mueller")), "{}", r.body);
        let taken = app.patch("/v1/tenant", json!({"slug": "cafe-mueller"})).await;
        assert_eq!((taken.status.as_u16(), taken.fields()), (422, vec!["slug".to_owned()]), "{}", taken.body);
        for bad in ["", "-x", "x-", "Caps", "a b", "ü"] {
            let r = app.patch("/v1/tenant", json!({ "slug": bad })).await;
            assert_eq!(r.fields(), ["slug"], "{bad:?}");
        }
        let listed = app.call_with("GET", "/v1/tenants?limit=500", None, OPERATOR_KEY, &[]).await;
        let slugs: Vec<&str> =
            listed.body["data"].as_array().unwrap().iter().filter_map(|t| t["slug"].as_str()).collect();
        assert!(
            slugs.contains(&"cafe-mueller")
                && slugs.contains(&"cafe-muller-inc-2")
                && slugs.contains(&"acme")
        );
        app
    })
    .await;
}
