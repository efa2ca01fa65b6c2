//! The public booking API (`/public/v1/{tenant_slug}/...`): no key, questions and answers, the
//! same rules as the private API, CORS, and its own per-address limit.

use std::io::Read;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Res, TestApp, booking, on_each_store, on_each_store_with, world};

/// A request without a key.
async fn open(app: &TestApp, method: &str, path: &str, body: Option<Value>, headers: &[(&str, &str)]) -> Res {
    let mut req = app.client.request(method.parse().unwrap(), format!("{}{path}", app.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    TestApp::send(req).await
}

fn questions() -> Value {
    json!([
        {"id": "reason", "label": "What is the visit for?", "type": "text", "required": true},
        {"id": "first", "label": "First visit?", "type": "yes_no"},
        {"id": "room", "label": "Room", "type": "choice", "options": ["Blue", "Green"], "required": true}
    ])
}

fn public_booking(start: &str, answers: Value) -> Value {
    json!({"event_type_slug": "consult", "start": start,
           "attendee": {"name": "Pat Lee", "email": "pat@example.test", "time_zone": "Europe/Paris"},
           "notes": "Side door", "answers": answers})
}

#[tokio::test]
async fn event_types_ask_questions_and_the_public_sees_them() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let r = app.get(&format!("/v1/event-types/{}", w.event_type)).await;
        assert_eq!(r.body["questions"], json!([]));
        let bad = json!([{"id": "Bad Id", "label": "x", "type": "text"}]);
        let r = app.patch(&format!("/v1/event-types/{}", w.event_type), json!({"questions": bad})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.fields(), ["questions[0].id"]);
        let bad = json!([{"id": "room", "label": "Room", "type": "choice"}]);
        let r = app.patch(&format!("/v1/event-types/{}", w.event_type), json!({"questions": bad})).await;
        assert_eq!(r.fields(), ["questions[0].options"]);
        let r =
            app.patch(&format!("/v1/event-types/{}", w.event_type), json!({"questions": questions()})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);

        let r = open(&app, "GET", "/public/v1/acme/event-types/consult", None, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["title"], "Consultation");
        assert_eq!(r.body["duration_minutes"], 30);
        assert_eq!(r.body["time_zone"], "America/New_York");
        assert_eq!(r.body["questions"][2]["options"], json!(["Blue", "Green"]));
        assert_eq!(r.body["questions"][1]["required"], false);
        assert!(r.body.get("host_ids").is_none(), "the public does not see hosts: {}", r.body);

        for path in [
            "/public/v1/nobody/event-types/consult",
            "/public/v1/acme/event-types/nothing",
            "/public/v1/ACME/event-types/consult",
        ] {
            let r = open(&app, "GET", path, None, &[]).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        }
        app
    })
    .await;
}

#[tokio::test]
async fn public_slots_match_the_private_ones() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let q = "from=2026-03-03&to=2026-03-05&time_zone=Europe/Paris";
        let private = app.get(&format!("/v1/event-types/{}/slots?{q}", w.event_type)).await;
        let public =
            open(&app, "GET", &format!("/public/v1/acme/event-types/consult/slots?{q}"), None, &[]).await;
        assert_eq!(public.status, StatusCode::OK, "{}", public.body);
        assert_eq!(public.body, private.body);
        let r =
            open(&app, "GET", "/public/v1/acme/event-types/consult/slots?from=x&to=2026-03-05", None, &[])
                .await;
        assert_eq!(r.fields(), ["from"]);
        app
    })
    .await;
}

#[tokio::test]
async fn public_bookings_check_answers_and_come_from_the_widget() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        app.patch(&format!("/v1/event-types/{}", w.event_type), json!({"questions": questions()})).await;
        let start = "2026-03-03T15:00:00Z";

        let r = open(
            &app,
            "POST",
            "/public/v1/acme/bookings",
            Some(public_booking(start, json!({"first": "yes", "room": "Red", "x": 1}))),
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(r.fields(), ["answers.x", "answers.reason", "answers.first", "answers.room"]);
        let mut unknown = public_booking(start, json!({}));
        unknown["event_type_slug"] = json!("nothing");
        let r = open(&app, "POST", "/public/v1/acme/bookings", Some(unknown), &[]).await;
        assert_eq!(r.fields(), ["event_type_slug"]);

        let answers = json!({"reason": " Checkup ", "first": true, "room": "Green"});
        let r =
            open(&app, "POST", "/public/v1/acme/bookings", Some(public_booking(start, answers)), &[]).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["source"], "widget");
        assert_eq!(r.body["answers"], json!({"reason": "Checkup", "first": true, "room": "Green"}));
        let manage = r.body["manage_url"].as_str().unwrap().to_owned();
        assert!(manage.starts_with(&format!("{}/m/", app.base)), "{manage}");
        // `/m/` and 45 characters: one text message segment keeps it whole.
        assert_eq!(manage.len() - app.base.len(), 48);

        let id = r.id();
        let got = app.get(&format!("/v1/bookings/{id}")).await;
        assert_eq!(got.body["manage_url"], manage.as_str());
        assert_eq!(got.body["answers"]["room"], "Green");
        let history = app.get(&format!("/v1/bookings/{id}/history")).await;
        assert_eq!(history.body["data"][0]["actor"], "attendee", "{}", history.body);

        // The same time again: taken, with the nearest free times, and readable cross-origin.
        let again = public_booking(start, json!({"reason": "x", "room": "Blue"}));
        let taken = open(
            &app,
            "POST",
            "/public/v1/acme/bookings",
            Some(again.clone()),
            &[("origin", "https://shop.example")],
        )
        .await;
        let taken2 = open(
            &app,
            "POST",
            "/public/v1/acme/bookings",
            Some(again),
            &[("origin", "https://shop.example")],
        )
        .await;
        assert_eq!(taken2.status, StatusCode::CONFLICT, "{}", taken2.body);
        assert_eq!(taken.status, StatusCode::CREATED, "a second host was free: {}", taken.body);
        assert_eq!(taken2.code(), "slot_unavailable");
        assert!(!taken2.body["alternatives"].as_array().unwrap().is_empty());
        assert_eq!(taken2.headers["access-control-allow-origin"], "https://shop.example");

        // Private bookings may answer too; an event type without questions refuses answers.
        let mut private = booking(&w.event_type, "2026-03-03T16:00:00Z", "Kim");
        private["answers"] = json!({"reason": "Follow-up", "room": "Blue"});
        let r = app.post("/v1/bookings", private).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["source"], "api");
        app
    })
    .await;
}

#[tokio::test]
async fn any_origin_may_call_it_and_each_address_is_limited() {
    on_each_store_with(
        |s| {
            s.public_rate_limit_per_second = 1;
            s.public_rate_limit_burst = 3;
        },
        |app| async move {
            world(&app).await;
            let pre = app
                .client
                .request(reqwest::Method::OPTIONS, format!("{}/public/v1/acme/bookings", app.base))
                .header("origin", "https://shop.example")
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type,idempotency-key")
                .send()
                .await
                .unwrap();
            assert!(pre.status().is_success(), "{}", pre.status());
            assert_eq!(pre.headers()["access-control-allow-origin"], "https://shop.example");
            let allowed = pre.headers()["access-control-allow-headers"].to_str().unwrap().to_lowercase();
            assert!(allowed.contains("idempotency-key"), "{allowed}");

            let path = "/public/v1/acme/event-types/consult";
            let mut codes = vec![];
            for _ in 0..5 {
                codes.push(open(&app, "GET", path, None, &[]).await.status.as_u16());
            }
            assert_eq!(&codes[..3], [200, 200, 200]);
            assert_eq!(codes[3], 429);
            let limited = open(&app, "GET", path, None, &[]).await;
            assert!(limited.headers.contains_key("retry-after"));
            // The booking page and the manage page count in the same bucket.
            assert_eq!(
                open(&app, "GET", "/book/acme/consult", None, &[]).await.status,
                StatusCode::TOO_MANY_REQUESTS
            );
            assert_eq!(
                open(&app, "POST", "/m/x.y/cancel", None, &[]).await.status,
                StatusCode::TOO_MANY_REQUESTS
            );
            // The private API counts per key, not per address.
            assert_eq!(app.get("/v1/event-types").await.status, StatusCode::OK);
            app
        },
    )
    .await;
}

#[tokio::test]
async fn public_names_are_reused_under_the_slot_snapshots_rule() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        app.set_now("2026-03-02T08:00:00Z");
        let slots =
            |slug: &str| format!("/public/v1/acme/event-types/{slug}/slots?from=2026-03-03&to=2026-03-04");
        let r = open(&app, "GET", &slots("consult"), None, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);

        // Another process renames the event type: within the second, this one still answers the
        // old name without reading it again (and the new one, never seen, at once)...
        let (other, server) = app.second_server().await;
        let path = format!("{other}/v1/event-types/{}", w.event_type);
        let r =
            TestApp::send(app.client.patch(path).bearer_auth(&app.key).json(&json!({"slug": "visit"}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        server.abort();
        for slug in ["consult", "visit"] {
            let r = open(&app, "GET", &slots(slug), None, &[]).await;
            assert_eq!(r.status, StatusCode::OK, "{slug}: {}", r.body);
        }
        let page = open(&app, "GET", "/book/acme/consult", None, &[]).await;
        assert_eq!(page.status, StatusCode::OK);
        // ...while a booking reads the names afresh.
        let r = open(
            &app,
            "POST",
            "/public/v1/acme/bookings",
            Some(public_booking("2026-03-03T15:00:00Z", json!({}))),
            &[],
        )
        .await;
        assert_eq!(r.fields(), ["event_type_slug"], "{}", r.body);

        // A second later the old name is read again, and is gone.
        app.set_now("2026-03-02T08:00:01Z");
        let r = open(&app, "GET", &slots("consult"), None, &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        let page = open(&app, "GET", "/book/acme/consult", None, &[]).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);

        // A rename made through this process shows at once.
        let r = app.patch(&format!("/v1/event-types/{}", w.event_type), json!({"slug": "consult"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = open(&app, "GET", &slots("visit"), None, &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        let r = open(&app, "GET", "/public/v1/acme/event-types/consult", None, &[]).await;
        assert_eq!((r.status, r.body["slug"].as_str()), (StatusCode::OK, Some("consult")), "{}", r.body);
        app
    })
    .await;
}

#[tokio::test]
async fn public_slots_go_gzipped_whole_to_clients_that_take_gzip() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let q = "from=2026-03-03&to=2026-03-05";
        let private = app.get(&format!("/v1/event-types/{}/slots?{q}", w.event_type)).await;
        let url = format!("{}/public/v1/acme/event-types/consult/slots?{q}", app.base);
        // Computed, then kept: both times the whole gzipped answer, its length said up front.
        for _ in 0..2 {
            let res = app.client.get(&url).header("accept-encoding", "br, gzip").send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK);
            let headers = res.headers().clone();
            assert_eq!(headers["content-encoding"], "gzip");
            assert_eq!(headers["vary"], "accept-encoding");
            let z = res.bytes().await.unwrap();
            assert_eq!(
                headers.get("content-length").map(|l| l.to_str().unwrap()),
                Some(&*z.len().to_string())
            );
            let mut json = String::new();
            flate2::read::GzDecoder::new(&z[..]).read_to_string(&mut json).unwrap();
            assert_eq!(serde_json::from_str::<Value>(&json).unwrap(), private.body);
        }
        // A client refusing gzip (or naming none) gets the JSON as it is.
        for refusing in ["gzip;q=0, br", "identity"] {
            let res = app.client.get(&url).header("accept-encoding", refusing).send().await.unwrap();
            assert!(res.headers().get("content-encoding").is_none(), "{refusing}");
            assert_eq!(res.headers()["vary"], "accept-encoding");
            assert_eq!(res.json::<Value>().await.unwrap(), private.body);
        }
        app
    })
    .await;
}
