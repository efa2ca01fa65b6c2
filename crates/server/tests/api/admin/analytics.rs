//! `/admin/analytics`: the numbers beside each chart are the bookings' own, per day, source,
//! host, lead time and hour, with cancellation and no-show rates; a host user counts only theirs.

use reqwest::StatusCode;
use serde_json::json;

use super::{book, page, signed_in, user};
use crate::helpers::{on_each_store, world};

/// The row `label` of a table, as `label</th><td class="num">n`.
fn row(html: &str, label: &str, n: u64) -> bool {
    html.contains(&format!("<th scope=\"row\">{label}</th><td class=\"num\">{n}</td>"))
}

#[tokio::test]
async fn analytics_count_the_bookings_and_draw_them() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        // Tuesday and Wednesday in New York; the clock stands on Monday 2 March, 12:00 UTC.
        let a = book(&app, &w, 0, "2026-03-03T14:00:00Z", "Ann").await;
        book(&app, &w, 1, "2026-03-03T14:00:00Z", "Bea").await;
        let mut voice = json!({"event_type_id": w.event_type, "start": "2026-03-04T15:00:00Z", "source": "voice",
            "host_id": w.hosts[0], "attendee": {"name": "Cy"}});
        voice["attendee"]["phone"] = json!("+15555550123");
        assert_eq!(app.post("/v1/bookings", voice).await.status, StatusCode::CREATED);
        let id = a["id"].as_str().unwrap();
        app.post(&format!("/v1/bookings/{id}/cancel"), json!({"reason": "ill"})).await;

        let (owner, password) = user(&app, "owner@acme.test", "owner", None).await;
        let b = signed_in(&app, &owner, &password).await;
        let (status, html) = page(&app, &b, "/admin/analytics?from=2026-03-01&to=2026-03-08").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("<dt>Bookings</dt><dd>3</dd>"), "{html}");
        assert!(html.contains("<dt>Cancelled</dt><dd>1 (33%)</dd>"));
        assert!(row(&html, "Mar 3", 2) && row(&html, "Mar 4", 1) && row(&html, "Mar 5", 0));
        assert!(row(&html, "api", 2) && row(&html, "voice", 1) && row(&html, "widget", 0));
        assert!(row(&html, "Ann", 2) && row(&html, "Bob", 1), "host names, most first");
        // 09:00 and 10:00 in New York (the first host's zone).
        assert!(row(&html, "09:00", 2) && row(&html, "10:00", 1));
        assert!(row(&html, "1–3 days", 3));
        assert_eq!(html.matches("<svg class=\"chart\"").count(), 5);
        assert!(html.contains("<title>Mar 3: 2</title>"));

        // Another zone moves the hours; a range too long is refused beside its field.
        let (_, paris) = page(&app, &b, "/admin/analytics?from=2026-03-01&to=2026-03-08&tz=Europe/Paris").await;
        assert!(row(&paris, "15:00", 2), "{paris}");
        let (status, _) = page(&app, &b, "/admin/analytics?from=2026-03-01&to=2027-12-01").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        // A host user counts only their own bookings.
        let (host, password) = user(&app, "bob@acme.test", "host", Some(&w.hosts[1])).await;
        let hb = signed_in(&app, &host, &password).await;
        let (_, mine) = page(&app, &hb, "/admin/analytics?from=2026-03-01&to=2026-03-08").await;
        assert!(mine.contains("<dt>Bookings</dt><dd>1</dd>"), "{mine}");
        assert!(!mine.contains("<th scope=\"row\">Ann</th>"));
        app
    })
    .await;
}
