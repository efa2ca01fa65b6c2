//! Booking through the widget: by mouse from another site, by keyboard alone, and when the time
//! is taken between seeing it and confirming it.

use fantoccini::key::Key;
use serde_json::Value;
use sked_store::Backend;

use crate::driver::{Browser, VISITOR_ZONE};
use crate::site::{Site, Visit};

/// Fills the form's fields (each of the event type's questions when it has them).
pub async fn fill(b: &Browser, site: &Site, name: &str) {
    b.find("input[name='attendee.name']").await.send_keys(name).await.unwrap();
    b.find("input[name='attendee.email']").await.send_keys("ada@example.test").await.unwrap();
    b.find("input[name='attendee.phone']").await.send_keys("+14155550123").await.unwrap();
    b.find("textarea[name=notes]").await.send_keys("Is there parking?").await.unwrap();
    if site.questions {
        b.find("input[name='answers.company']").await.send_keys("Analytical Engines").await.unwrap();
        b.find("select[name='answers.plan']").await.select_by_value("Pro").await.unwrap();
        b.find("input[value=yes]").await.click().await.unwrap();
    }
}

/// Waits for the confirmation and answers the `sked:booked` detail the host page caught.
pub async fn booked(b: &Browser) -> Value {
    let code = b.until("root.querySelector('.code') && root.querySelector('.code').textContent").await;
    let detail = b.client.execute("return window.skedBooked", vec![]).await.unwrap();
    assert_eq!(detail["confirmation_code"], code, "{detail}");
    detail
}

async fn book_by_mouse(backend: Backend) {
    let Some(v) = Visit::open(backend, "inline", 1280).await else { return };
    let (b, site) = (&v.browser, &v.site);
    // The widget names the visitor's zone, found by the browser.
    let zone = b.until("root.querySelector('select').value").await;
    assert_eq!(zone, VISITOR_ZONE);
    // Text from the API stays text.
    assert!(b.text().await.contains("<img src=x"));
    assert_eq!(b.client.execute("return window.pwned === undefined", vec![]).await.unwrap(), true);
    b.find("td button.open").await.click().await.unwrap();
    let time = b.find("ul button[data-start]").await;
    let start = time.attr("data-start").await.unwrap().unwrap();
    time.click().await.unwrap();
    fill(b, site, "Ada Lovelace").await;
    b.find("button[type=submit]").await.click().await.unwrap();
    let detail = booked(b).await;
    assert_eq!(detail["start"], start.as_str());

    // The add-to-calendar links and the manage link.
    let links = b.eval("[...root.querySelectorAll('a')].map(a => a.href)").await;
    let links: Vec<&str> = links.as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(links.iter().any(|l| l.starts_with("blob:")), "{links:?}");
    assert!(
        links.iter().any(|l| l.starts_with("https://calendar.google.com/calendar/render?action=TEMPLATE"))
    );
    assert!(links.iter().any(|l| l.starts_with("https://outlook.live.com/calendar/0/deeplink/compose?")));
    // The calendar file, made in the page.
    let ics = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const a = [...document.querySelector('[data-sked-booking]').shadowRoot.querySelectorAll('a')]
               .find((a) => a.href.startsWith('blob:'));
             fetch(a.href).then((r) => r.text()).then(done);",
            vec![],
        )
        .await
        .unwrap();
    let ics = ics.as_str().unwrap();
    let dtstart = format!("DTSTART:{}\r\n", start.replace(['-', ':'], ""));
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.contains(&dtstart), "{ics}");

    // The booking as the API shows it.
    let id = detail["booking_id"].as_str().unwrap();
    let r = site.app.get(&format!("/v1/bookings/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["start"], start.as_str());
    assert_eq!(r.body["attendee"]["name"], "Ada Lovelace");
    assert_eq!(r.body["attendee"]["time_zone"], VISITOR_ZONE);
    assert_eq!(r.body["notes"], "Is there parking?");
    assert_eq!(r.body["source"], "widget");
    if let Some(manage) = r.body["manage_url"].as_str() {
        assert!(links.contains(&manage), "{links:?}");
    }
    if site.questions {
        let answers = &r.body["answers"];
        assert_eq!(answers["company"], "Analytical Engines", "{}", r.body);
        assert_eq!(answers["plan"], "Pro");
        assert_eq!(answers["first_visit"], true);
    }
    v.end().await;
}

#[tokio::test]
async fn a_visitor_books_through_the_widget_on_another_site() {
    book_by_mouse(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_visitor_books_through_the_widget_on_postgres() {
    book_by_mouse(Backend::Postgres).await;
}

#[tokio::test]
async fn a_visitor_books_with_the_keyboard_alone() {
    let Some(v) = Visit::open(Backend::Sqlite, "inline", 1280).await else { return };
    let (b, site) = (&v.browser, &v.site);
    b.find("td button.open").await;
    b.tab_to("button@").await;
    // Focus is visible.
    assert_eq!(b.eval("getComputedStyle(root.activeElement).outlineStyle").await, "solid");
    let first = b.focused_date().await;
    // Page Down shows next month with focus on its same day; Page Up comes back.
    b.keys(&Key::PageDown).await;
    b.until(&format!(
        "root.activeElement && root.activeElement.dataset.date.slice(0, 7) > '{}'",
        &first[..7]
    ))
    .await;
    b.keys(&Key::PageUp).await;
    b.until(&format!(
        "root.activeElement && root.activeElement.dataset.date.slice(0, 7) === '{}'",
        &first[..7]
    ))
    .await;
    // (From the 29th on, the way back may land on an earlier day: step on to an open one.)
    for _ in 0..7 {
        if b.eval("root.activeElement.classList.contains('open')").await == true {
            break;
        }
        b.keys(&Key::Right).await;
        b.until("root.activeElement && root.activeElement.dataset.date").await;
    }
    // Arrow keys move through the days (the next day is open too: the schedule never closes).
    let here = b.focused_date().await;
    b.keys(&Key::Right).await;
    b.until(&format!("root.activeElement && root.activeElement.dataset.date > '{here}'")).await;
    let second = b.focused_date().await;
    b.keys(&Key::Left).await;
    b.until(&format!("root.activeElement && root.activeElement.dataset.date === '{here}'")).await;
    b.keys(&Key::Right).await;
    b.until(&format!("root.activeElement && root.activeElement.dataset.date === '{second}'")).await;
    b.keys(&Key::Enter).await;
    // Choosing a day puts focus on its first time.
    b.until("root.activeElement && root.activeElement.dataset.start").await;
    let start = b.eval("root.activeElement.dataset.start").await;
    b.keys(&Key::Enter).await;
    b.until("root.activeElement && root.activeElement.name === 'attendee.name'").await;
    b.keys("Grace Hopper").await;
    b.keys(&Key::Tab).await;
    b.keys("grace@example.test").await;
    if site.questions {
        b.tab_to("input#answers.company").await;
        b.keys("Navy").await;
        b.keys(&Key::Tab).await;
        b.keys(&Key::Down).await; // the first real option: Basic
        b.tab_to("input#sk-q").await;
        b.keys(&Key::Space).await;
    }
    b.tab_to("button:submit").await;
    b.keys(&Key::Enter).await;
    let detail = booked(b).await;
    assert_eq!(detail["start"], start);
    let r = site.app.get(&format!("/v1/bookings/{}", detail["booking_id"].as_str().unwrap())).await;
    assert_eq!(r.body["attendee"]["email"], "grace@example.test");
    if site.questions {
        assert_eq!(r.body["answers"]["plan"], "Basic", "{}", r.body);
    }
    // Focus moved to the confirmation's heading.
    assert_eq!(b.focused().await, "h3");
    v.end().await;
}

#[tokio::test]
async fn a_time_taken_meanwhile_offers_others_and_keeps_the_form() {
    let Some(v) = Visit::open(Backend::Sqlite, "inline", 1280).await else { return };
    let (b, site) = (&v.browser, &v.site);
    // The visitor picks another zone: the times are shown, and booked, in it.
    b.find("select").await.select_by_value("Europe/Paris").await.unwrap();
    b.until("!root.querySelector('[role=status]').textContent.startsWith('Loading')").await;
    assert!(b.text().await.contains("Times in Europe/Paris"));
    b.find("td button.open").await.click().await.unwrap();
    let time = b.find("ul button[data-start]").await;
    let start = time.attr("data-start").await.unwrap().unwrap();
    time.click().await.unwrap();
    fill(b, site, "Ada Lovelace").await;
    site.book_elsewhere(&start).await;
    b.find("button[type=submit]").await.click().await.unwrap();
    let said = b.until("root.querySelector('[role=alert]').textContent").await;
    assert!(b.text().await.contains("(Europe/Paris)"));
    assert!(said.as_str().unwrap().contains("just taken"), "{said}");
    // What was typed is still there.
    let name = b.eval("root.querySelector(\"input[name='attendee.name']\").value").await;
    assert_eq!(name, "Ada Lovelace");
    // The alternatives are the only times shown while the form is.
    let alt = b.find("button[data-start]").await;
    let alt_start = alt.attr("data-start").await.unwrap().unwrap();
    assert_ne!(alt_start, start);
    alt.click().await.unwrap();
    b.find("button[type=submit]").await.click().await.unwrap();
    let detail = booked(b).await;
    assert_eq!(detail["start"], alt_start.as_str());
    let r = site.app.get(&format!("/v1/bookings/{}", detail["booking_id"].as_str().unwrap())).await;
    assert_eq!(r.body["attendee"]["name"], "Ada Lovelace");
    assert_eq!(r.body["attendee"]["time_zone"], "Europe/Paris");
    v.end().await;
}

#[tokio::test]
async fn the_booking_page_runs_the_flow_under_its_own_policy() {
    let Some(v) = Visit::open(Backend::Sqlite, "page", 1280).await else { return };
    let (b, site) = (&v.browser, &v.site);
    // The widget replaces the page's forms, and its title is the page's heading.
    b.find("td button.open").await;
    assert_eq!(b.eval("root.querySelector('h1').textContent").await, "Consultation");
    let forms_shown = b.client.execute(
        "return document.querySelector('.booking form, .booking .intro').getClientRects().length",
        vec![],
    );
    assert_eq!(forms_shown.await.unwrap(), 0);
    assert_eq!(crate::audit::axe(b).await, Vec::<Value>::new(), "the booking page");
    b.screenshot("book-page-1280.png").await;
    b.find("td button.open").await.click().await.unwrap();
    b.find("ul button[data-start]").await.click().await.unwrap();
    fill(b, site, "Ada Lovelace").await;
    b.find("button[type=submit]").await.click().await.unwrap();
    b.until("root.querySelector('.code') && root.querySelector('.code').textContent").await;
    assert_eq!(crate::audit::axe(b).await, Vec::<Value>::new(), "the confirmation");
    b.screenshot("book-page-booked-1280.png").await;
    v.end().await;
}
