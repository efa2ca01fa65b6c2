//! The audit log: who changed what, through the API and the dashboard, with booking changes
//! read from their history; per tenant.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin::{csrf, post, signed_in, user};
use crate::helpers::*;

fn lines(r: &Res) -> Vec<(String, String, String)> {
    r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap().to_owned();
            (s("actor"), s("action"), s("target"))
        })
        .collect()
}

#[tokio::test]
async fn changes_are_recorded_with_who_made_them_and_refusals_are_not() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let host = &w.hosts[0];
        // refused: nothing changed, nothing recorded
        let bad = app.patch(&format!("/v1/hosts/{host}"), json!({"time_zone": "Mars/Olympus"})).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        // reads are not changes
        assert_eq!(app.get("/v1/hosts").await.status, StatusCode::OK);
        let renamed = app.patch(&format!("/v1/hosts/{host}"), json!({"name": "Ann B."})).await;
        assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
        let b = app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:00:00Z", "Pat")).await;
        assert_eq!(b.status, StatusCode::CREATED, "{}", b.body);

        let log = app.get("/v1/audit-log").await;
        assert_eq!(log.status, StatusCode::OK, "{}", log.body);
        let seen = lines(&log);
        let key = seen[0].0.clone();
        assert!(key.starts_with("api_key:"), "{seen:?}");
        let want = [
            (key.clone(), "booking.created".to_owned(), format!("/v1/bookings/{}", b.id())),
            (key.clone(), "PATCH /v1/hosts/{id}".to_owned(), format!("/v1/hosts/{host}")),
            (key.clone(), "POST /v1/event-types".to_owned(), "/v1/event-types".to_owned()),
            (key.clone(), "POST /v1/hosts".to_owned(), "/v1/hosts".to_owned()),
            (key.clone(), "POST /v1/hosts".to_owned(), "/v1/hosts".to_owned()),
            (key.clone(), "POST /v1/schedules".to_owned(), "/v1/schedules".to_owned()),
        ];
        assert_eq!(seen, want);

        // pages, and another tenant sees nothing of it
        let first = app.get("/v1/audit-log?limit=2").await;
        assert_eq!(lines(&first), want[..2]);
        let cursor = first.body["next_cursor"].as_str().unwrap();
        let rest = app.get(&format!("/v1/audit-log?limit=10&cursor={cursor}")).await;
        assert_eq!(lines(&rest), want[2..]);
        let other = app.new_tenant("Other").await;
        let theirs = app.call_with("GET", "/v1/audit-log", None, &other, &[]).await;
        assert_eq!(theirs.body["data"], json!([]));
        app
    })
    .await;
}

#[tokio::test]
async fn dashboard_users_and_attendees_are_named() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let (email, password) = user(&app, "owner@acme.test", "owner", None).await;
        let b = signed_in(&app, &email, &password).await;
        let t = csrf(&app, &b).await;
        let r = post(&app, &b, "/admin/api-keys", &[("csrf", t.as_str()), ("name", "zapier")]).await;
        assert_eq!(r.status(), StatusCode::OK);
        // a booking cancelled by its attendee on the manage page
        let made = app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:00:00Z", "Pat")).await;
        let manage = made.body["manage_url"].as_str().unwrap();
        let path = format!("{}/cancel", manage.strip_prefix(&app.base).unwrap());
        let cancel = browser_post(&app, &path, &[("reason", "ill")]).await;
        assert_eq!(cancel, StatusCode::SEE_OTHER);

        let users = app.get("/v1/users").await;
        let uid = users.body["data"][0]["id"].as_str().unwrap().to_owned();
        let by_user = app.get(&format!("/v1/audit-log?actor=user:{uid}")).await;
        assert_eq!(
            lines(&by_user),
            [(format!("user:{uid}"), "POST /admin/api-keys".to_owned(), "/admin/api-keys".to_owned())]
        );
        let by_attendee = app.get("/v1/audit-log?actor=attendee").await;
        let got: Vec<Value> = by_attendee.body["data"].as_array().unwrap().clone();
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0]["action"], "booking.cancelled");
        assert_eq!(got[0]["target"], format!("/v1/bookings/{}", made.id()));
        let long = "x".repeat(101);
        let r = app.get(&format!("/v1/audit-log?actor={long}")).await;
        assert_eq!((r.status, r.fields()), (StatusCode::UNPROCESSABLE_ENTITY, vec!["actor".to_owned()]));
        app
    })
    .await;
}

async fn browser_post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> StatusCode {
    let b = crate::admin::browser();
    b.post(format!("{}{path}", app.base)).form(form).send().await.unwrap().status()
}
