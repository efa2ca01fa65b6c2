//! Operations and bad input: health, metrics, OpenAPI, request ids, limits.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn health_readiness_and_metrics() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let h = app.client.get(format!("{}/healthz", app.base)).send().await.unwrap();
        assert_eq!(h.status(), StatusCode::OK);
        let r = app.client.get(format!("{}/readyz", app.base)).send().await.unwrap();
        assert_eq!(r.json::<Value>().await.unwrap()["status"], "ok");
        app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:00:00Z", "a")).await;
        app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:05:00Z", "b")).await;
        app.get(&format!("/v1/event-types/{}/slots?from=2026-03-03&to=2026-03-04", w.event_type)).await;
        let m = app.client.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
        for needle in [
            "sked_http_request_duration_seconds_bucket",
            "route=\"/v1/bookings\"",
            "route=\"/v1/event-types/{id}/slots\"",
            "sked_bookings_total{outcome=\"created\"}",
            "sked_bookings_total{outcome=\"outside_availability\"}",
        ] {
            assert!(m.contains(needle), "metrics lack {needle}");
        }
        app
    })
    .await;
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    on_each_store(|app| async move {
        let r = app
            .client
            .get(format!("{}/healthz", app.base))
            .header("x-request-id", "abc-123")
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["x-request-id"], "abc-123");
        let r = app.client.get(format!("{}/v1/hosts", app.base)).send().await.unwrap();
        assert_eq!(r.headers()["x-request-id"].to_str().unwrap().len(), 36);
        app
    })
    .await;
}

#[tokio::test]
async fn openapi_describes_every_route_and_matches_its_snapshot() {
    on_each_store(|app| async move {
        let served: Value = app
            .client
            .get(format!("{}/v1/openapi.json", app.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(served, serde_json::to_value(sked_server::app::openapi()).unwrap());
        if app.backend == sked_store::Backend::Sqlite {
            // The zone names are the machine's zone database: the snapshot keeps their count.
            let mut shown = served.clone();
            let zones = &mut shown["components"]["schemas"]["TimeZoneName"]["enum"];
            *zones = json!(format!("{} IANA zone names", zones.as_array().map_or(0, Vec::len)));
            insta::assert_json_snapshot!("openapi", shown);
        }
        // Every documented operation is routed (a made-up id answers "no such <thing>", never
        // "no such route" or 405).
        let id = uuid::Uuid::now_v7().to_string();
        let mut operations = 0;
        for (path, item) in served["paths"].as_object().unwrap() {
            let concrete = path.replace("{id}", &id).replace("{block_id}", &id).replace("{code}", "ABCDEF");
            for method in ["get", "post", "patch", "delete"] {
                if item.get(method).is_none() {
                    continue;
                }
                operations += 1;
                let body = (method != "get" && method != "delete").then(|| json!({}));
                let r = app.call_with(&method.to_uppercase(), &concrete, body, &app.key, &[]).await;
                assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
                assert_ne!(r.body["detail"], "no such route", "{method} {path}");
            }
        }
        assert!(operations >= 30, "{operations} operations documented");
        for required in [
            "/v1/bookings",
            "/v1/bookings/{id}/reschedule",
            "/v1/event-types/{id}/slots",
            "/v1/hosts/{id}/busy",
            "/v1/jobs",
            "/healthz",
            "/metrics",
        ] {
            assert!(served["paths"].get(required).is_some(), "{required} is not documented");
        }
        assert_eq!(served["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
        app
    })
    .await;
}

#[tokio::test]
async fn bad_requests_get_problems_and_the_server_keeps_serving() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let url = format!("{}/v1/bookings", app.base);
        let send = |body: Vec<u8>, ct: &'static str| {
            let req = app.client.post(&url).bearer_auth(&app.key).header("content-type", ct).body(body);
            async move {
                let r = req.send().await.unwrap();
                let status = r.status();
                let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
                (status, ct, r.json::<Value>().await.unwrap())
            }
        };
        let (s, ct, b) = send(b"{\"event_type_id\": ".to_vec(), "application/json").await;
        assert_eq!((s, ct.as_str(), b["code"].as_str()), (StatusCode::BAD_REQUEST, "application/problem+json", Some("malformed_json")));
        let huge = format!("{{\"notes\": \"{}\"}}", "x".repeat(10 * 1024 * 1024));
        let (s, _, b) = send(huge.into_bytes(), "application/json").await;
        assert_eq!((s, b["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large")));
        let (s, _, b) = send(b"event_type_id=1".to_vec(), "application/x-www-form-urlencoded").await;
        assert_eq!((s, b["code"].as_str()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("unsupported_media_type")));
        let (s, _, b) = send(serde_json::to_vec(&json!({"event_type_id": w.event_type, "start": "2026-03-03T14:00:00Z", "attendee": {"name": "x"}, "colour": 1})).unwrap(), "application/json").await;
        assert_eq!((s, b["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("validation_failed")));
        assert!(b["detail"].as_str().unwrap().contains("colour"));
        let (s, _, b) = send(serde_json::to_vec(&json!({"event_type_id": w.event_type, "start": "2026-03-03T14:00:00Z"})).unwrap(), "application/json").await;
        assert_eq!((s, b["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("attendee")));
        let r = app.get("/v1/nothing-here").await;
        assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"));
        let r = app.call_with("PUT", "/v1/bookings", None, &app.key, &[]).await;
        assert_eq!((r.status, r.code()), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));
        // Still serving, and nothing was stored.
        assert_eq!(app.get("/v1/bookings").await.body["data"], json!([]));
        app
    })
    .await;
}

#[tokio::test]
async fn keys_are_rate_limited() {
    on_each_store_with(
        |s| {
            s.rate_limit_per_second = 1;
            s.rate_limit_burst = 3;
        },
        |app| async move {
            let mut statuses = vec![];
            for _ in 0..5 {
                let r = app.get("/v1/hosts").await;
                statuses.push(r.status.as_u16());
                if r.status == StatusCode::TOO_MANY_REQUESTS {
                    assert_eq!(r.code(), "rate_limited");
                    assert!(r.headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
                }
            }
            assert_eq!(&statuses[..3], &[200, 200, 200]);
            assert!(statuses[3..].contains(&429), "{statuses:?}");
            // Another key has its own bucket.
            let other = app.new_tenant("Other").await;
            assert_eq!(app.call_with("GET", "/v1/hosts", None, &other, &[]).await.status, StatusCode::OK);
            app
        },
    )
    .await;
}

#[tokio::test]
async fn finished_jobs_are_forgotten_after_the_retention() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:00:00Z", "a")).await;
        app.run_pending_jobs().await;
        let jobs = |status: &'static str| {
            let app = &app;
            async move {
                app.get(&format!("/v1/jobs?status={status}")).await.body["data"].as_array().unwrap().len()
            }
        };
        assert_eq!(jobs("done").await, 1);
        // The booking's event job (for calendar, notifications, webhooks). Thirteen days on, the
        // finished job is still listed; past the fourteen days, it is not.
        app.clock.advance(jiff::SignedDuration::from_hours(13 * 24));
        sked_server::app::forget(&app.state).await;
        assert_eq!(jobs("done").await, 1);
        app.clock.advance(jiff::SignedDuration::from_hours(2 * 24));
        sked_server::app::forget(&app.state).await;
        assert_eq!(jobs("done").await, 0);
        app
    })
    .await;
}
