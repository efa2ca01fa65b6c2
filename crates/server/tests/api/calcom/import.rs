//! `sked import calcom` against the Cal.com stand-in, checked through the API.

use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};
use sked_server::calcom::import::{Options, run};
use sked_test_utils::calcom::{API_KEY, CalcomStandIn, booking, delivery};

use super::{SECRET, by_ref, deliver};
use crate::helpers::*;

/// An account: Ann, her default schedule and a Saturday one, two event types, and bookings:
/// three upcoming accepted ones, a cancelled one, a past one.
async fn account() -> CalcomStandIn {
    let cal = CalcomStandIn::start().await;
    cal.with(|a| {
        a.now = NOW.into();
        a.page_cap = 2;
        a.me = json!({"id": 478, "username": "ann", "email": "Ann@Acme.test", "name": "Ann Lee",
            "timeFormat": 12, "defaultScheduleId": 254, "weekStart": "Monday", "timeZone": "America/New_York",
            "organizationId": null});
        a.schedules = vec![
            json!({"id": 254, "ownerId": 478, "name": "Working hours", "timeZone": "America/New_York", "isDefault": true,
                "availability": [{"days": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"], "startTime": "09:00", "endTime": "17:00"}],
                "overrides": [{"date": "2026-03-10", "startTime": "00:00", "endTime": "00:00"}]}),
            json!({"id": 255, "ownerId": 478, "name": "Saturdays", "timeZone": "Europe/Rome", "isDefault": false,
                "availability": [{"days": ["Saturday"], "startTime": "10:00", "endTime": "14:00"}], "overrides": []}),
        ];
        a.event_types = vec![
            json!({"id": 101, "ownerId": 478, "title": "Intro call", "slug": "intro", "lengthInMinutes": 30,
                "description": "A first talk.", "beforeEventBuffer": 5, "afterEventBuffer": 10, "minimumBookingNotice": 120,
                "slotInterval": null, "scheduleId": null, "locations": [], "bookingFields": [], "users": [], "hidden": false}),
            json!({"id": 102, "ownerId": 478, "title": "Deep dive", "slug": "Deep Dive", "lengthInMinutes": 90,
                "description": "", "scheduleId": 255, "locations": [], "bookingFields": [], "users": []}),
        ];
        let mut cancelled = booking(4, "b-4", 101, "2026-03-06T15:00:00Z", "2026-03-06T15:30:00Z", ("Cy", "cy@example.com"));
        cancelled["status"] = json!("cancelled");
        a.bookings = vec![
            booking(1, "b-1", 101, "2026-03-03T15:00:00Z", "2026-03-03T15:30:00Z", ("Pat Doe", "pat@example.com")),
            booking(2, "b-2", 101, "2026-03-04T15:00:00Z", "2026-03-04T15:30:00Z", ("Lou Roe", "lou@example.com")),
            booking(3, "b-3", 102, "2026-03-05T14:00:00Z", "2026-03-05T15:30:00Z", ("Max Poe", "max@example.com")),
            cancelled,
            booking(5, "b-5", 101, "2026-02-20T15:00:00Z", "2026-02-20T15:30:00Z", ("Old", "old@example.com")),
        ];
    });
    cal
}

async fn options(app: &TestApp, cal: &CalcomStandIn, dry_run: bool) -> Options {
    Options {
        tenant: app.get("/v1/tenant").await.body["slug"].as_str().unwrap().to_owned(),
        api_key: SecretString::from(API_KEY),
        base_url: cal.base_url(),
        dry_run,
    }
}

async fn list(app: &TestApp, path: &str) -> Vec<Value> {
    let r = app.get(path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_import_brings_a_calcom_account_over_once() {
    on_each_store(|app| async move {
        let cal = account().await;
        let opts = options(&app, &cal, true).await;
        let slug = opts.tenant.clone();

        // A dry run reads everything and writes nothing.
        let dry = run(&app.state, &opts).await.unwrap();
        assert_eq!(
            (dry.schedules_created, dry.event_types_created, dry.bookings_created),
            (2, 2, 3),
            "{dry}"
        );
        assert!(list(&app, "/v1/event-types").await.is_empty());
        assert!(list(&app, "/v1/hosts").await.is_empty());
        assert_eq!(app.get("/v1/integrations/calcom").await.status, StatusCode::NOT_FOUND);

        let done = run(&app.state, &Options { dry_run: false, ..opts.clone() }).await.unwrap();
        assert_eq!((done.schedules_created, done.event_types_created), (2, 2), "{done}");
        assert_eq!(
            (done.bookings_created, done.bookings_conflicting, done.bookings_skipped),
            (3, 0, 0),
            "{done}"
        );
        assert!(done.to_string().contains(&format!("/webhooks/calcom/{slug}")), "{done}");
        // Bookings were read page by page (at most two a page): two pages in each run.
        let pages: Vec<String> =
            cal.with(|a| a.requests.iter().filter(|r| r.starts_with("GET /v2/bookings")).cloned().collect());
        assert_eq!(pages, ["GET /v2/bookings?skip=0", "GET /v2/bookings?skip=2"].repeat(2));

        let schedules = list(&app, "/v1/schedules").await;
        let work = schedules.iter().find(|s| s["name"] == "Working hours").unwrap();
        assert_eq!(work["time_zone"], "America/New_York");
        assert_eq!(work["weekly"]["wed"], json!([{"start": "09:00", "end": "17:00"}]));
        assert_eq!(work["overrides"], json!([{"date": "2026-03-10", "intervals": []}]));
        let hosts = list(&app, "/v1/hosts").await;
        assert_eq!(hosts.len(), 1);
        assert_eq!(
            (hosts[0]["name"].as_str(), hosts[0]["email"].as_str()),
            (Some("Ann Lee"), Some("Ann@acme.test"))
        );
        assert_eq!(hosts[0]["schedule_id"], work["id"]);
        let types = list(&app, "/v1/event-types").await;
        let intro = types.iter().find(|e| e["slug"] == "intro").unwrap();
        assert_eq!(intro["duration_minutes"], 30);
        assert_eq!(
            (intro["buffer_before_minutes"].as_i64(), intro["buffer_after_minutes"].as_i64()),
            (Some(5), Some(10))
        );
        assert_eq!(intro["min_notice_minutes"], 120);
        assert_eq!(intro["description"], "A first talk.");
        assert_eq!(intro["host_ids"], json!([hosts[0]["id"]]));
        let deep = types.iter().find(|e| e["slug"] == "deep-dive").unwrap();
        let r = app.get("/v1/integrations/calcom").await;
        assert_eq!(r.body["event_types"], json!({"101": intro["id"], "102": deep["id"]}));
        assert_eq!(r.body["webhook_secret_set"], false);
        for uid in ["b-1", "b-2", "b-3"] {
            let b = by_ref(&app, uid).await;
            assert_eq!((b.len(), b[0]["source"].as_str()), (1, Some("calcom")), "{uid}");
        }
        assert!(by_ref(&app, "b-4").await.is_empty() && by_ref(&app, "b-5").await.is_empty());
        assert_eq!(by_ref(&app, "b-3").await[0]["event_type_id"], deep["id"]);

        // Again: nothing new.
        let again = run(&app.state, &Options { dry_run: false, ..opts.clone() }).await.unwrap();
        assert_eq!(
            (again.schedules_created, again.event_types_created, again.bookings_created),
            (0, 0, 0),
            "{again}"
        );
        assert_eq!((again.schedules_kept, again.event_types_kept, again.bookings_kept), (2, 2, 3), "{again}");
        assert_eq!(list(&app, "/v1/schedules").await.len(), 2);
        assert_eq!(list(&app, "/v1/hosts").await.len(), 1);
        assert_eq!(list(&app, "/v1/event-types").await.len(), 2);
        assert_eq!(list(&app, "/v1/bookings").await.len(), 3);

        // The mirror knows the imported bookings: once a secret is set, Cal.com's cancellation
        // of one cancels it.
        let r = app
            .call_with(
                "PUT",
                "/v1/integrations/calcom",
                Some(json!({"webhook_secret": SECRET, "event_types": r.body["event_types"]})),
                &app.key,
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let path = format!("/webhooks/calcom/{slug}");
        let cancel = delivery(
            "BOOKING_CANCELLED",
            "2026-03-02T13:00:00Z",
            "b-2",
            101,
            "2026-03-04T15:00:00Z",
            "2026-03-04T15:30:00Z",
        );
        let r = deliver(&app, &path, &cancel).await;
        assert_eq!(r.body["outcome"], "cancelled", "{}", r.body);
        assert_eq!(by_ref(&app, "b-2").await[0]["status"], "cancelled");
        app
    })
    .await;
}

#[tokio::test]
async fn an_import_with_a_wrong_key_or_tenant_says_so() {
    on_each_store(|app| async move {
        let cal = account().await;
        let wrong =
            Options { api_key: SecretString::from("cal_live_wrong"), ..options(&app, &cal, false).await };
        let e = run(&app.state, &wrong).await.unwrap_err().to_string();
        assert!(e.contains("refused the API key"), "{e}");
        let nobody = Options { tenant: "nobody-here".into(), ..options(&app, &cal, false).await };
        let e = run(&app.state, &nobody).await.unwrap_err().to_string();
        assert!(e.contains("no tenant nobody-here"), "{e}");
        assert!(list(&app, "/v1/hosts").await.is_empty());
        app
    })
    .await;
}
