//! `/admin/calendar`: day, week and month views of bookings and busy time, per host, per team
//! and for everyone; a host user sees their own calendar only.

use reqwest::StatusCode;
use serde_json::json;

use super::{book, page, signed_in, user};
use crate::helpers::{on_each_store, world};

#[tokio::test]
async fn the_calendar_shows_bookings_and_busy_time_by_day_week_and_month() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        book(&app, &w, 0, "2026-03-03T14:00:00Z", "Ann").await;
        let c = book(&app, &w, 1, "2026-03-04T15:00:00Z", "Cy").await;
        let id = c["id"].as_str().unwrap();
        app.post(&format!("/v1/bookings/{id}/cancel"), json!({})).await;
        let r = app
            .post(
                &format!("/v1/hosts/{}/blocks", w.hosts[1]),
                json!({"title": "Dentist", "start": "2026-03-05T17:00:00Z", "end": "2026-03-05T18:00:00Z"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

        let (owner, password) = user(&app, "owner@acme.test", "owner", None).await;
        let b = signed_in(&app, &owner, &password).await;
        let (status, week) = page(&app, &b, "/admin/calendar?view=week&date=2026-03-04").await;
        assert_eq!(status, StatusCode::OK, "{week}");
        assert!(week.contains("Week of Monday 2 March 2026"));
        assert!(week.contains("<svg class=\"grid\""));
        // Times in the first host's zone (New York), each entry listed as text too.
        assert!(week.contains("09:00–09:30</span> <a href=\"/admin/bookings/"), "{week}");
        assert!(week.contains(">Ann</a>") && week.contains("Consultation with Ann"));
        assert!(week.contains("<li class=\"cancelled\">"), "a cancelled booking stays, struck through");
        assert!(week.contains("12:00–13:00</span> Busy <span class=\"muted\">Bob (block)</span>"), "{week}");

        // One host; a day; a month.
        let (_, ann) =
            page(&app, &b, &format!("/admin/calendar?view=week&date=2026-03-04&host={}", w.hosts[0])).await;
        assert!(ann.contains(">Ann</a>") && !ann.contains("Bob (block)"));
        let (_, day) = page(&app, &b, "/admin/calendar?view=day&date=2026-03-03").await;
        assert!(day.contains("Tuesday 3 March 2026") && day.contains(">Ann</a>") && !day.contains(">Cy</a>"));
        let (_, month) = page(&app, &b, "/admin/calendar?view=month&date=2026-03-20").await;
        assert!(
            month.contains("March 2026") && month.contains("1 booked") && month.contains("busy"),
            "{month}"
        );
        let (_, team) =
            page(&app, &b, &format!("/admin/calendar?date=2026-03-04&team={}", w.event_type)).await;
        assert!(team.contains(">Ann</a>") && team.contains(">Cy</a>"));

        // A host user sees their own calendar, whatever they ask for.
        let (host, password) = user(&app, "bob@acme.test", "host", Some(&w.hosts[1])).await;
        let hb = signed_in(&app, &host, &password).await;
        let (_, mine) =
            page(&app, &hb, &format!("/admin/calendar?date=2026-03-04&host={}", w.hosts[0])).await;
        assert!(mine.contains(">Cy</a>") && !mine.contains(">Ann</a>"), "{mine}");
        let (status, _) = page(&app, &b, "/admin/calendar?date=yesterday").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        app
    })
    .await;
}
