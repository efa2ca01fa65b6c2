//! Privacy requests through the real `sked` binary (`export`, `erase`), and personal data
//! erased once bookings are past the retention period; on both stores.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

fn sked(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(crate::process::SKED)
        .args(args)
        .env("SKED_DATABASE_URL", app.db_url())
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

async fn book(app: &TestApp, w: &World, start: &str, name: &str, email: &str) -> Res {
    let body = json!({"event_type_id": w.event_type, "start": start, "notes": "bad knee",
        "attendee": {"name": name, "email": email, "phone": "+15551234567"}});
    let r = app.post("/v1/bookings", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r
}

#[tokio::test]
async fn an_attendee_exports_and_erases_their_data_and_the_time_stays_booked() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let tenant = app.get("/v1/tenant").await.id();
        let a = book(&app, &w, "2026-03-03T14:00:00Z", "Pat Lee", "Pat@Example.test").await;
        let b = book(&app, &w, "2026-03-04T14:00:00Z", "Pat Lee", "pat@example.test").await;
        let sam = book(&app, &w, "2026-03-05T14:00:00Z", "Sam Roe", "sam@example.test").await;

        let (ok, out, err) = sked(&app, &["export", "--tenant", &tenant, "--email", "PAT@example.test"]);
        assert!(ok, "{err}");
        let data: Value = serde_json::from_str(&out).unwrap();
        let ids: Vec<&str> = data["bookings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["booking"]["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [a.id(), b.id()]);
        assert_eq!(data["bookings"][0]["booking"]["notes"], "bad knee");
        assert_eq!(data["bookings"][0]["history"][0]["action"], "created");
        let (ok, _, err) = sked(&app, &["export", "--tenant", &tenant, "--email", "not an address"]);
        assert!(!ok && err.contains("--email"), "{err}");

        // without --yes, nothing is erased
        let (ok, out, _) = sked(&app, &["erase", "--tenant", &tenant, "--email", "pat@example.test"]);
        assert!(ok && out.contains("would erase 2 bookings"), "{out}");
        assert_eq!(app.get(&format!("/v1/bookings/{}", a.id())).await.body["attendee"]["name"], "Pat Lee");
        let (ok, out, err) =
            sked(&app, &["erase", "--tenant", &tenant, "--email", "pat@example.test", "--yes"]);
        assert!(ok && out.contains("erased 2 bookings"), "{out}{err}");

        let now = app.get(&format!("/v1/bookings/{}", a.id())).await.body;
        assert_eq!(now["attendee"]["name"], "[erased]");
        assert_eq!(
            (&now["attendee"]["email"], &now["attendee"]["phone"], &now["notes"]),
            (&Value::Null, &Value::Null, &Value::Null)
        );
        assert_eq!(
            (now["status"].as_str(), now["start"].as_str()),
            (Some("confirmed"), Some("2026-03-03T14:00:00Z"))
        );
        // the time is still taken
        let host = now["host_id"].as_str().unwrap();
        let again = app
            .post(
                "/v1/bookings",
                json!({"event_type_id": w.event_type, "start": "2026-03-03T14:00:00Z", "host_id": host,
                "attendee": {"name": "Kim", "email": "kim@example.test"}}),
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        // someone else's booking is untouched, and the erasure is in the audit log (not whose)
        assert_eq!(app.get(&format!("/v1/bookings/{}", sam.id())).await.body["attendee"]["name"], "Sam Roe");
        let log = app.get("/v1/audit-log?actor=operator").await;
        assert_eq!(log.body["data"][0]["action"], "erase attendee");
        assert!(!log.body.to_string().contains("pat@"), "{}", log.body);
        app
    })
    .await;
}

#[tokio::test]
async fn personal_data_goes_once_a_booking_is_past_the_retention_period() {
    on_each_store_with(
        |s| s.personal_data_retention_days = 30,
        |app| async move {
            let w = world(&app).await;
            let old = book(&app, &w, "2026-03-03T14:00:00Z", "Pat Lee", "pat@example.test").await;
            let later = book(&app, &w, "2026-04-20T14:00:00Z", "Sam Roe", "sam@example.test").await;
            app.set_now("2026-04-02T14:00:00Z");
            sked_server::app::forget(&app.state).await;
            let name = |r: &Res| r.body["attendee"]["name"].clone();
            assert_eq!(
                name(&app.get(&format!("/v1/bookings/{}", old.id())).await),
                "Pat Lee",
                "not 30 days yet"
            );
            app.set_now("2026-04-02T15:00:00Z");
            sked_server::app::forget(&app.state).await;
            assert_eq!(name(&app.get(&format!("/v1/bookings/{}", old.id())).await), "[erased]");
            assert_eq!(name(&app.get(&format!("/v1/bookings/{}", later.id())).await), "Sam Roe");
            app
        },
    )
    .await;
}
