//! The public pages without JavaScript: the booking page as plain forms, and the attendee's
//! manage page (move, cancel, calendar file), through HTTP on both stores.

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::json;

use crate::helpers::{TestApp, booking, on_each_store, world};

struct Page {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: String,
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).build().unwrap()
}

async fn get(app: &TestApp, path: &str) -> Page {
    let res =
        browser().get(format!("{}{path}", app.base)).header("accept-language", "en-US").send().await.unwrap();
    Page { status: res.status(), headers: res.headers().clone(), body: res.text().await.unwrap() }
}

async fn post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> Page {
    let res = browser().post(format!("{}{path}", app.base)).form(form).send().await.unwrap();
    Page { status: res.status(), headers: res.headers().clone(), body: res.text().await.unwrap() }
}

/// The `href`s in a page that start with `prefix`, unescaped.
fn links(body: &str, prefix: &str) -> Vec<String> {
    body.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|h| h.replace("&#38;", "&").replace("&amp;", "&").replace("&#43;", "+"))
        .filter(|h| h.starts_with(prefix))
        .collect()
}

async fn ask_questions(app: &TestApp, event_type: &str) {
    let q = json!([
        {"id": "reason", "label": "What is the visit for?", "type": "text", "required": true},
        {"id": "first", "label": "First visit?", "type": "yes_no"}
    ]);
    let r = app.patch(&format!("/v1/event-types/{event_type}"), json!({"questions": q})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn the_booking_page_books_as_plain_forms() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        ask_questions(&app, &w.event_type).await;

        let p = get(&app, "/book/acme/consult?tz=Europe/Paris").await;
        assert_eq!(p.status, StatusCode::OK);
        let csp = p.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
        assert!(p.body.contains(r#"data-sked-booking="acme/consult""#));
        assert!(p.body.contains(r#"<script src="/widget.js" async>"#));
        assert!(p.body.contains("March 2026") && p.body.contains("Consultation"));
        // Days with free times are links; a weekend is not.
        let days = links(&p.body, "/book/acme/consult?tz=Europe%2FParis&month=2026-03&date=");
        assert!(days.iter().any(|d| d.ends_with("date=2026-03-03")), "{days:?}");
        assert!(!days.iter().any(|d| d.ends_with("date=2026-03-07")), "{days:?}");

        let day = get(&app, "/book/acme/consult?tz=Europe/Paris&month=2026-03&date=2026-03-03").await;
        let times =
            links(&day.body, "/book/acme/consult?tz=Europe%2FParis&month=2026-03&date=2026-03-03&start=");
        // 09:00 in New York is 15:00 in Paris, and the visitor reads a 12-hour clock.
        assert!(day.body.contains("3:00 PM"), "{}", day.body);
        let first = times.first().expect("times").clone();
        assert!(first.ends_with("start=2026-03-03T14%3A00%3A00Z"), "{first}");

        let form = get(&app, &first).await;
        assert!(form.body.contains("Tuesday 3 March 2026, 3:00 PM (Europe/Paris)"), "{}", form.body);
        assert!(form.body.contains("What is the visit for?"));

        let path = "/book/acme/consult";
        let base = [("start", "2026-03-03T14:00:00Z"), ("tz", "Europe/Paris"), ("name", "Pat Lee")];
        // A required question left empty: the form again, with what was typed and why.
        let missing = [&base[..], &[("email", "pat@example.test"), ("notes", "Side <door>")]].concat();
        let p = post(&app, path, &missing).await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
        assert!(p.body.contains(r#"id="q_reason-error""#) && p.body.contains("Is required"), "{}", p.body);
        assert!(
            p.body.contains("Side &#60;door&#62;") || p.body.contains("Side &lt;door&gt;"),
            "typed notes kept, escaped"
        );
        assert!(p.body.contains(r#"value="Pat Lee""#));

        let full = [&missing[..], &[("q_reason", "Checkup"), ("q_first", "yes")]].concat();
        let p = post(&app, path, &full).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let to = p.headers["location"].to_str().unwrap().to_owned();
        assert!(to.starts_with(&format!("{}/m/", app.base)) && to.ends_with("?booked=1"), "{to}");
        let list = app.get("/v1/bookings?from=2026-03-03T00:00:00Z&to=2026-03-04T00:00:00Z").await;
        let b = &list.body["data"][0];
        assert_eq!(b["source"], "widget");
        assert_eq!(b["answers"], json!({"reason": "Checkup", "first": true}));
        assert_eq!(b["attendee"]["time_zone"], "Europe/Paris");

        let manage = get(&app, to.strip_prefix(&app.base).unwrap()).await;
        assert_eq!(manage.status, StatusCode::OK);
        assert!(manage.body.contains("You are booked"));
        assert!(manage.body.contains(b["confirmation_code"].as_str().unwrap()));
        assert_eq!(manage.headers["referrer-policy"], "no-referrer");

        for missing in ["/book/acme/nothing", "/book/nobody/consult"] {
            let p = get(&app, missing).await;
            assert_eq!(p.status, StatusCode::NOT_FOUND, "{missing}");
            assert!(p.headers["content-type"].to_str().unwrap().starts_with("text/html"));
        }
        app
    })
    .await;
}

#[tokio::test]
async fn a_time_taken_meanwhile_offers_the_nearest_and_keeps_what_was_typed() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let start = "2026-03-03T14:00:00Z";
        for name in ["A", "B"] {
            let r = app.post("/v1/bookings", booking(&w.event_type, start, name)).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
        let form = [
            ("start", start),
            ("tz", "UTC"),
            ("name", "Pat Lee"),
            ("email", "pat@example.test"),
            ("notes", "Keep me"),
        ];
        let p = post(&app, "/book/acme/consult", &form).await;
        assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.body);
        assert!(p.body.contains("just taken"));
        assert!(
            p.body.contains(r#"type="radio" name="start" value="2026-03-03T15:00:00Z" checked"#),
            "{}",
            p.body
        );
        assert!(p.body.contains(r#"value="Pat Lee""#) && p.body.contains(">Keep me</textarea>"));

        let chosen = [
            ("start", "2026-03-03T15:00:00Z"),
            ("tz", "UTC"),
            ("name", "Pat Lee"),
            ("email", "pat@example.test"),
        ];
        assert_eq!(post(&app, "/book/acme/consult", &chosen).await.status, StatusCode::SEE_OTHER);
        app
    })
    .await;
}

#[tokio::test]
async fn the_manage_link_moves_and_cancels_until_the_booking_ends() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let mut req = booking(&w.event_type, "2026-03-03T14:00:00Z", "Pat");
        req["attendee"]["time_zone"] = json!("America/New_York");
        let b = app.post("/v1/bookings", req).await;
        let (id, url) = (b.id(), b.body["manage_url"].as_str().unwrap().to_owned());
        let path = url.strip_prefix(&app.base).unwrap().to_owned();

        let p = get(&app, &path).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.body.contains("Tuesday 3 March 2026, 9:00 AM – 9:30 AM (America/New_York)"), "{}", p.body);
        assert!(p.body.contains("calendar.google.com/calendar/render?action=TEMPLATE"));
        let ics = get(&app, &format!("{path}/booking.ics")).await;
        assert!(
            ics.body.contains("BEGIN:VEVENT") && ics.body.contains(&format!("UID:{id}@sked")),
            "{}",
            ics.body
        );

        // Choosing a new time asks to confirm; the old time is kept until then.
        let pick = get(&app, &format!("{path}?start=2026-03-04T15:00:00Z")).await;
        assert!(pick.body.contains("Move booking") && pick.body.contains("stays booked"));
        let moved = post(
            &app,
            &format!("{path}/reschedule"),
            &[("start", "2026-03-04T15:00:00Z"), ("tz", "America/New_York")],
        )
        .await;
        assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
        let now = app.get(&format!("/v1/bookings/{id}")).await;
        assert_eq!(now.body["start"], "2026-03-04T15:00:00Z");
        let history = app.get(&format!("/v1/bookings/{id}/history")).await;
        assert_eq!(history.body["data"][1]["actor"], "attendee", "{}", history.body);

        // A start that is not free leaves the booking where it was.
        let bad = post(&app, &format!("{path}/reschedule"), &[("start", "2026-03-07T15:00:00Z")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(bad.body.contains("not changed"));
        assert_eq!(app.get(&format!("/v1/bookings/{id}")).await.body["start"], "2026-03-04T15:00:00Z");

        let c = post(&app, &format!("{path}/cancel"), &[("reason", "Feeling better")]).await;
        assert_eq!(c.status, StatusCode::SEE_OTHER);
        let now = app.get(&format!("/v1/bookings/{id}")).await;
        assert_eq!(now.body["status"], "cancelled");
        assert_eq!(now.body["cancel_reason"], "Feeling better");
        let p = get(&app, &path).await;
        assert!(p.body.contains("Cancelled booking") && !p.body.contains("Cancel booking</button>"));

        // Forged, truncated and expired links lead nowhere.
        let mut forged = path.clone();
        forged.pop();
        forged.push(if path.ends_with('A') { 'B' } else { 'A' });
        for bad in [forged.as_str(), "/m/nothing", "/m/a.b"] {
            assert_eq!(get(&app, bad).await.status, StatusCode::NOT_FOUND, "{bad}");
            assert_eq!(post(&app, &format!("{bad}/cancel"), &[]).await.status, StatusCode::NOT_FOUND);
        }
        app.set_now("2026-03-04T15:30:00Z");
        assert_eq!(get(&app, &path).await.status, StatusCode::NOT_FOUND, "the booking has ended");
        app
    })
    .await;
}
