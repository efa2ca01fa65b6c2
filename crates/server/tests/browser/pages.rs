//! The server's own pages in the browser: the attendee's manage page (move and cancel through
//! its plain forms) and the dashboard (sign in, then every page), each audited with axe-core and
//! photographed at phone and desktop widths.

use fantoccini::Locator;
use serde_json::{Value, json};
use sked_core::Clock;
use sked_store::Backend;

use crate::audit::axe;
use crate::driver::{Browser, missing};
use crate::site::Site;

async fn start(width: u32) -> Option<(Site, Browser)> {
    if let Some(why) = missing() {
        eprintln!("skipping: {why}");
        return None;
    }
    let site = Site::start(Backend::Sqlite).await?;
    Some((site, Browser::start(width, "en-US").await))
}

async fn click(b: &Browser, css: &str) {
    b.client.wait().for_element(Locator::Css(css)).await.unwrap().click().await.unwrap();
}

/// The first free start a few days from now, as the API lists it.
async fn a_free_start(site: &Site, days: i64) -> String {
    let from = site.app.clock.now().checked_add(jiff::SignedDuration::from_hours(24 * days)).unwrap();
    let to = from.checked_add(jiff::SignedDuration::from_hours(24)).unwrap();
    let r = site.app.get(&format!("/v1/event-types/{}/slots?from={from}&to={to}", site.event_type)).await;
    let dates = r.body["available_dates"].as_array().unwrap();
    r.body["slots_by_date"][dates[0].as_str().unwrap()][0]["start"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_manage_page_moves_and_cancels_and_passes_axe() {
    let Some((site, b)) = start(1280).await else { return };
    let start = a_free_start(&site, 2).await;
    let r = site
        .app
        .post(
            "/v1/bookings",
            json!({"event_type_id": site.event_type, "start": start, "attendee": {"name": "Ada", "email": "ada@example.test", "time_zone": "UTC"},
                   "answers": {"company": "Acme", "plan": "Pro"}}),
        )
        .await;
    let (id, url) = (r.id(), r.body["manage_url"].as_str().unwrap().to_owned());
    b.client.goto(&url).await.unwrap();
    b.client.wait().for_element(Locator::Css("h2#booking-title")).await.unwrap();
    assert_eq!(axe(&b).await, Vec::<Value>::new(), "the manage page");
    b.screenshot("manage-1280.png").await;
    b.client.set_window_size(375, 800).await.unwrap();
    b.screenshot("manage-375.png").await;
    assert_eq!(axe(&b).await, Vec::<Value>::new(), "the manage page at 375 px");

    // A new time: a day with free times, one of its times, then confirm.
    click(&b, "a.day.free").await;
    click(&b, "a.time").await;
    b.client.wait().for_element(Locator::Css("#move-title")).await.unwrap();
    assert_eq!(axe(&b).await, Vec::<Value>::new(), "confirming a move");
    click(&b, "form[action$='/reschedule'] button[type=submit]").await;
    b.client.wait().for_element(Locator::Css("p.banner")).await.unwrap();
    let moved = site.app.get(&format!("/v1/bookings/{id}")).await;
    assert_ne!(moved.body["start"], start.as_str(), "{}", moved.body);
    assert_eq!(moved.body["sequence"], 1);

    let reason = b.client.wait().for_element(Locator::Css("textarea#reason")).await.unwrap();
    reason.send_keys("Feeling better").await.unwrap();
    click(&b, "button.danger").await;
    b.client.wait().for_element(Locator::XPath("//h2[text()='Cancelled booking']")).await.unwrap();
    let cancelled = site.app.get(&format!("/v1/bookings/{id}")).await;
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["cancel_reason"], "Feeling better");
    b.close().await;
    site.stop().await;
}

#[tokio::test]
async fn every_dashboard_page_passes_axe_at_phone_and_desktop_widths() {
    let Some((site, b)) = start(1280).await else { return };
    let start = a_free_start(&site, 1).await;
    let r = site
        .app
        .post(
            "/v1/bookings",
            json!({"event_type_id": site.event_type, "start": start, "attendee": {"name": "Ada", "email": "ada@example.test"},
                   "answers": {"company": "Acme", "plan": "Pro"}}),
        )
        .await;
    let id = r.id();
    let u = site.app.post("/v1/users", json!({"email": "owner@acme.test", "role": "owner"})).await;
    let password = u.body["password"].as_str().unwrap().to_owned();

    b.client.goto(&format!("{}/admin/login", site.app.base)).await.unwrap();
    assert_eq!(axe(&b).await, Vec::<Value>::new(), "the sign-in page");
    b.client
        .find(Locator::Css("input[name=email]"))
        .await
        .unwrap()
        .send_keys("owner@acme.test")
        .await
        .unwrap();
    b.client.find(Locator::Css("input[name=password]")).await.unwrap().send_keys(&password).await.unwrap();
    click(&b, "form button[type=submit]").await;
    b.client.wait().for_element(Locator::Css("header.top")).await.unwrap();

    let day = &start[..10];
    let pages = [
        ("bookings", "/admin".to_owned()),
        ("booking", format!("/admin/bookings/{id}")),
        ("calendar-week", format!("/admin/calendar?date={day}")),
        ("calendar-month", format!("/admin/calendar?view=month&date={day}")),
        ("analytics", "/admin/analytics".to_owned()),
        ("schedules", "/admin/schedules".to_owned()),
        ("event-types", "/admin/event-types".to_owned()),
        ("event-type", format!("/admin/event-types/{}", site.event_type)),
        ("event-type-new", "/admin/event-types/new".to_owned()),
        ("hosts", "/admin/hosts".to_owned()),
        ("webhooks", "/admin/webhooks".to_owned()),
        ("voice-agents", "/admin/voice-agents".to_owned()),
        ("api-keys", "/admin/api-keys".to_owned()),
        ("connections", "/admin/connections".to_owned()),
        ("password", "/admin/password".to_owned()),
    ];
    for (name, path) in &pages {
        for width in [1280, 375] {
            b.client.set_window_size(width, 900).await.unwrap();
            b.client.goto(&format!("{}{path}", site.app.base)).await.unwrap();
            b.client.wait().for_element(Locator::Css("main h1")).await.unwrap();
            assert_eq!(axe(&b).await, Vec::<Value>::new(), "{path} at {width} px");
            b.screenshot(&format!("admin-{name}-{width}.png")).await;
        }
    }
    b.close().await;
    site.stop().await;
}
