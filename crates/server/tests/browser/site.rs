//! The world the browser sees: a Sked server (in-process, on a clock set to the real time, since
//! the browser keeps its own) with one bookable event type, and a plain page on another origin
//! that embeds the widget.

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use jiff::Timestamp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sked_core::ManualClock;
use sked_store::Backend;
use sked_test_utils::TestDb;

use crate::driver::{Browser, missing};
use crate::helpers::{Res, TestApp};

/// A Sked server with tenant `slug` and event type `consult` (one host, open every day).
pub struct Site {
    pub app: TestApp,
    pub slug: String,
    pub event_type: String,
    /// Whether the server took the event type's questions (the form then shows them).
    pub questions: bool,
}

impl Site {
    /// A fresh server on `backend`, or `None` when that store is not configured here.
    pub async fn start(backend: Backend) -> Option<Site> {
        let db = TestDb::new(backend).await?;
        // The browser reads the real time, so the server must too.
        #[allow(clippy::disallowed_methods)]
        let clock = Arc::new(ManualClock::new(Timestamp::now()));
        let app = TestApp::start_with_clock(db, clock, |_| {}).await;
        let tenant = app.get("/v1/tenant").await;
        let slug =
            tenant.body["slug"].as_str().unwrap_or_else(|| panic!("no slug: {}", tenant.body)).to_owned();
        let all_day = json!([{"start": "00:00", "end": "24:00"}]);
        let week: serde_json::Map<String, Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
            .iter()
            .map(|d| ((*d).to_owned(), all_day.clone()))
            .collect();
        let s =
            app.post("/v1/schedules", json!({"name": "Always", "time_zone": "UTC", "weekly": week})).await;
        created(&s);
        let h = app
            .post(
                "/v1/hosts",
                json!({"name": "Ann", "email": "ann@acme.test", "time_zone": "UTC", "schedule_id": s.id()}),
            )
            .await;
        created(&h);
        let mut et = json!({"slug": "consult", "title": "Consultation", "description": "A first talk. <img src=x onerror=\"window.pwned = 1\">",
            "duration_minutes": 30, "host_ids": [h.id()], "assignment": "round_robin",
            "questions": [
                {"id": "company", "label": "Company", "type": "text", "required": true},
                {"id": "plan", "label": "Plan", "type": "choice", "required": true, "options": ["Basic", "Pro"]},
                {"id": "first_visit", "label": "First visit?", "type": "yes_no", "required": false}]});
        let mut e = app.post("/v1/event-types", et.clone()).await;
        let questions = e.status == StatusCode::CREATED;
        if !questions {
            // A server without questions on event types: the flow runs without them.
            et.as_object_mut().map(|o| o.remove("questions"));
            e = app.post("/v1/event-types", et).await;
        }
        created(&e);
        Some(Site { event_type: e.id(), app, slug, questions })
    }

    /// Books `start` through the private API, as someone else would.
    pub async fn book_elsewhere(&self, start: &str) {
        let r = self
            .app
            .post(
                "/v1/bookings",
                json!({"event_type_id": self.event_type, "start": start,
                "attendee": {"name": "Quick Other", "email": "other@example.test"},
                "answers": if self.questions { json!({"company": "Other", "plan": "Basic"}) } else { json!({}) }}),
            )
            .await;
        created(&r);
    }

    pub async fn stop(self) {
        self.app.stop().await;
    }
}

fn created(r: &Res) {
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

/// A page on another origin embedding the widget (`mode` "inline" or "button"); it keeps the
/// `sked:booked` detail in `window.skedBooked`. Answers the page's URL and the task serving it.
pub async fn host_page(site: &Site, mode: &str) -> (String, tokio::task::JoinHandle<()>) {
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dr. Example's practice</title></head>
<body><main><h1>Dr. Example's practice</h1><p>Book a first consultation below.</p>
<div data-sked-booking="{slug}/consult" data-sked-mode="{mode}"><p>Loading the booking calendar…</p></div>
</main>
<script>window.skedBooked = null; document.addEventListener("sked:booked", (e) => {{ window.skedBooked = e.detail; }});</script>
<script src="{base}/widget.js" async></script></body></html>"#,
        slug = site.slug,
        base = site.app.base,
    );
    // A strict style policy, as careful sites have: the widget's styles must still apply.
    let page = move || {
        let html = html.clone();
        async move {
            (
                [(header::CONTENT_SECURITY_POLICY, "style-src 'self'"), (header::CONTENT_TYPE, "text/html")],
                html,
            )
                .into_response()
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        axum::serve(listener, Router::new().route("/", get(page))).await.unwrap();
    });
    (url, server)
}

/// One test's browser, server and embedding page.
pub struct Visit {
    pub browser: Browser,
    pub site: Site,
    page: Option<tokio::task::JoinHandle<()>>,
}

impl Visit {
    /// A browser `width` pixels wide on a page embedding the widget (`mode` "inline" or
    /// "button"), or on the server's own booking page (`mode` "page"), against a fresh server on
    /// `backend`; `None`, saying why, when one is missing.
    pub async fn open(backend: Backend, mode: &str, width: u32) -> Option<Visit> {
        Self::open_in(backend, mode, width, "en-US").await
    }

    /// As [`open`](Self::open), in a browser that reads `lang`.
    pub async fn open_in(backend: Backend, mode: &str, width: u32, lang: &str) -> Option<Visit> {
        if let Some(why) = missing() {
            eprintln!("skipping: {why}");
            return None;
        }
        let Some(site) = Site::start(backend).await else {
            eprintln!("skipping: no {backend:?} store here");
            return None;
        };
        let (url, page) = if mode == "page" {
            (format!("{}/book/{}/consult", site.app.base, site.slug), None)
        } else {
            let (url, page) = host_page(&site, mode).await;
            (url, Some(page))
        };
        let browser = Browser::start(width, lang).await;
        browser.client.goto(&url).await.unwrap();
        Some(Visit { browser, site, page })
    }

    pub async fn end(self) {
        self.browser.close().await;
        if let Some(page) = self.page {
            page.abort();
        }
        self.site.stop().await;
    }
}
