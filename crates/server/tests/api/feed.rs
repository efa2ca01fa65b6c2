//! A host's calendar feed: its secret URL, what it holds, conditional reads and rotation.

use icalendar::{Calendar, CalendarComponent, Component};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// A booking of `host` at `start`, with the attendee's phone and a note.
async fn book(app: &TestApp, w: &World, host: &str, start: &str, name: &str) -> Value {
    let r = app
        .post(
            "/v1/bookings",
            json!({"event_type_id": w.event_type, "start": start, "host_id": host, "notes": "Bring the plans",
                "attendee": {"name": name, "email": "pat@example.test", "phone": "+1 555 123 4567"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

async fn feed_url(app: &TestApp, host: &str) -> String {
    let r = app.get(&format!("/v1/hosts/{host}/feed")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["url"].as_str().unwrap().to_owned()
}

/// A feed read without any key.
async fn read(app: &TestApp, url: &str, etag: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(url);
    if let Some(tag) = etag {
        req = req.header("if-none-match", tag);
    }
    req.send().await.unwrap()
}

/// Each event of a feed as (UID, STATUS, DTSTART, DESCRIPTION).
fn events(cal: &Calendar) -> Vec<(String, String, String, String)> {
    let prop = |e: &icalendar::Event, k: &str| e.property_value(k).unwrap_or_default().to_owned();
    cal.components
        .iter()
        .filter_map(CalendarComponent::as_event)
        .map(|e| (prop(e, "UID"), prop(e, "STATUS"), prop(e, "DTSTART"), prop(e, "DESCRIPTION")))
        .collect()
}

#[tokio::test]
async fn a_feed_holds_the_hosts_bookings_with_their_own_uids() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        app.patch(&format!("/v1/event-types/{}", w.event_type), json!({"assignment": "specific"})).await;
        let (ann, bob) = (&w.hosts[0], &w.hosts[1]);
        let kept = book(&app, &w, ann, "2026-03-03T14:00:00Z", "Pat Lee").await;
        let dropped = book(&app, &w, ann, "2026-03-04T14:00:00Z", "Sam Roe").await;
        book(&app, &w, bob, "2026-03-03T14:00:00Z", "Not Ann's").await;
        let c =
            app.post(&format!("/v1/bookings/{}/cancel", dropped["id"].as_str().unwrap()), json!({})).await;
        assert_eq!(c.status, StatusCode::OK, "{}", c.body);

        let url = feed_url(&app, ann).await;
        assert!(url.starts_with(&format!("{}/feeds/", app.base)) && url.ends_with(".ics"), "{url}");
        assert_eq!(feed_url(&app, ann).await, url, "the URL stays until it is rotated");
        let r = read(&app, &url, None).await;
        assert_eq!(r.status(), StatusCode::OK);
        let h = r.headers().clone();
        assert_eq!(h["content-type"], "text/calendar; charset=utf-8");
        assert_eq!(h["cache-control"], "private, max-age=300");
        assert_eq!(h["referrer-policy"], "no-referrer");
        let etag = h["etag"].to_str().unwrap().to_owned();
        let text = r.text().await.unwrap();
        let cal: Calendar = text.parse().unwrap_or_else(|e| panic!("does not parse: {e}\n{text}"));
        let top = |k: &str| cal.property_value(k).map(str::to_owned);
        assert_eq!(top("X-WR-CALNAME").as_deref(), Some("Ann"));
        assert_eq!(top("X-PUBLISHED-TTL").as_deref(), Some("PT15M"));
        assert!(text.contains("\r\nREFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n"), "{text}");
        let got = events(&cal);
        assert_eq!(got.len(), 2, "Ann's two bookings, not Bob's:\n{text}");
        let (uid, status, start, description) = &got[0];
        assert_eq!((uid.as_str(), status.as_str()), (kept["uid"].as_str().unwrap(), "CONFIRMED"));
        assert_eq!(start, "20260303T140000Z");
        for part in
            ["Pat Lee", "+15551234567", "Bring the plans", kept["confirmation_code"].as_str().unwrap()]
        {
            assert!(description.contains(part), "{part} missing from {description}");
        }
        assert_eq!((got[1].0.as_str(), got[1].1.as_str()), (dropped["uid"].as_str().unwrap(), "CANCELLED"));
        // The booking's own file carries the same UID.
        let own = app.client.get(format!("{}/v1/bookings/{}/ics", app.base, kept["id"].as_str().unwrap()));
        let own = own.bearer_auth(&app.key).send().await.unwrap().text().await.unwrap();
        assert!(own.contains(&format!("UID:{uid}")), "{own}");

        // Unchanged: 304 with the same ETag; changed: a new body and ETag.
        let r = read(&app, &url, Some(&etag)).await;
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
        assert_eq!(read(&app, &url, Some("\"other\", *")).await.status(), StatusCode::NOT_MODIFIED);
        book(&app, &w, ann, "2026-03-05T14:00:00Z", "Kim").await;
        let r = read(&app, &url, Some(&etag)).await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_ne!(r.headers()["etag"].to_str().unwrap(), etag);
        assert_eq!(events(&r.text().await.unwrap().parse().unwrap()).len(), 3);

        // Thirty days after they end, bookings leave the feed.
        app.set_now("2026-04-04T12:00:00Z");
        let later = events(&read(&app, &url, None).await.text().await.unwrap().parse().unwrap());
        assert_eq!(later.len(), 1, "{later:?}");
        assert_eq!(later[0].2, "20260305T140000Z");
        app
    })
    .await;
}

#[tokio::test]
async fn feed_urls_are_secret_forged_or_rotated_ones_answer_404() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let ann = &w.hosts[0];
        let url = feed_url(&app, ann).await;
        assert_eq!(read(&app, &url, None).await.status(), StatusCode::OK);

        // Another tenant's key does not see the host.
        let other = app.new_tenant("Other").await;
        for (method, path) in
            [("GET", format!("/v1/hosts/{ann}/feed")), ("POST", format!("/v1/hosts/{ann}/feed/rotate"))]
        {
            let r = app.call_with(method, &path, None, &other, &[]).await;
            assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"), "{method} {path}");
        }
        let r = app.get(&format!("/v1/hosts/{}/feed", uuid::Uuid::now_v7())).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Forged, truncated or made-up tokens.
        let token = url.rsplit('/').next().unwrap().trim_end_matches(".ics").to_owned();
        let (ids, mac) = token.split_once('.').unwrap();
        let flipped = format!("{ids}.{}{}", if mac.starts_with('A') { 'B' } else { 'A' }, &mac[1..]);
        for bad in [
            format!("/feeds/{flipped}.ics"),
            format!("/feeds/{token}"),
            format!("/feeds/{ids}.ics"),
            "/feeds/nonsense.ics".to_owned(),
            "/feeds/.ics".to_owned(),
        ] {
            let r = TestApp::send(app.client.get(format!("{}{bad}", app.base))).await;
            assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"), "{bad}");
            assert_eq!(r.headers["content-type"], "application/problem+json", "{bad}");
        }

        // Rotating: a new URL, and the old one stops working.
        let r = app.post(&format!("/v1/hosts/{ann}/feed/rotate"), json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let new = r.body["url"].as_str().unwrap().to_owned();
        assert_ne!(new, url);
        assert_eq!(feed_url(&app, ann).await, new);
        let old = TestApp::send(app.client.get(&url)).await;
        assert_eq!((old.status, old.code()), (StatusCode::NOT_FOUND, "not_found"));
        assert_eq!(read(&app, &new, None).await.status(), StatusCode::OK);
        // The other host's URL is untouched.
        let bob = feed_url(&app, &w.hosts[1]).await;
        assert_eq!(read(&app, &bob, None).await.status(), StatusCode::OK);
        app
    })
    .await;
}

#[tokio::test]
async fn the_host_page_shows_the_feed_url_and_makes_a_new_one() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let ann = &w.hosts[0];
        let url = feed_url(&app, ann).await;
        let (email, password) = crate::admin::user(&app, "admin@acme.test", "admin", None).await;
        let b = crate::admin::signed_in(&app, &email, &password).await;
        let (status, html) = crate::admin::page(&app, &b, &format!("/admin/hosts/{ann}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&format!("value=\"{url}\" readonly")), "{html}");
        let token = crate::admin::csrf(&app, &b).await;
        let path = format!("/admin/hosts/{ann}/feed/rotate");
        let r = crate::admin::post(&app, &b, &path, &[("csrf", "forged")]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(feed_url(&app, ann).await, url, "a forged post changes nothing");
        let r = crate::admin::post(&app, &b, &path, &[("csrf", token.as_str())]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let new = feed_url(&app, ann).await;
        assert_ne!(new, url);
        let (_, html) = crate::admin::page(&app, &b, &format!("/admin/hosts/{ann}?rotated=1")).await;
        assert!(
            html.contains(&format!("value=\"{new}\" readonly")) && html.contains("old one no longer works"),
            "{html}"
        );
        assert_eq!(read(&app, &url, None).await.status(), StatusCode::NOT_FOUND);
        app
    })
    .await;
}
