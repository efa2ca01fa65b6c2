//! CalDAV end to end, against a real Radicale: connecting (calendars discovered, the password
//! sealed), the host's events as busy time, bookings written as calendar objects, the host's
//! moves and deletions followed back, outages, refused connections, resyncs and disconnecting.
//!
//! Each test starts its own Radicale per store (skipped, with the reason printed, where it is
//! not installed).

use jiff::SignedDuration;
use jiff::tz::TimeZone;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sked_caldav::{Account, CalDav, CalDavConfig, Resource};
use sked_calendar::busy::StoredEvent;
use sked_ics::{Naming, ReadOptions};
use sked_server::calendars;
use sked_test_utils::radicale::Radicale;

use crate::helpers::*;

mod bookings;
mod connect;

const USER: &str = "ann";
const PASSWORD: &str = "app-pass-Xq7v9Lw2";
const ZONE: &str = "America/New_York";

/// Ann's account on a Radicale, with one calendar (`Work`) made before she connects.
struct Dav {
    server: Radicale,
    client: CalDav,
    ann: Account,
    /// The `Work` calendar's URL.
    work: String,
}

impl Dav {
    /// A Radicale letting any password in, or `None` (the skip is printed) without one.
    async fn start() -> Option<Dav> {
        Self::with(Radicale::start()?, USER, PASSWORD).await
    }

    /// Ann's account on `server` as `user`.
    async fn with(server: Radicale, user: &str, password: &str) -> Option<Dav> {
        let client = CalDav::new(CalDavConfig::default()).unwrap();
        let ann = Account::new(&server.url(), user, password).unwrap();
        let work = format!("{}{}/work/", server.url(), user.replace('@', "%40"));
        client.mkcalendar(&ann, &work, "Work").await.unwrap();
        Some(Dav { server, client, ann, work })
    }

    /// Another calendar of Ann's.
    async fn calendar(&self, name: &str, display: &str) -> String {
        let url = format!("{}{}/{name}/", self.server.url(), self.ann.username.replace('@', "%40"));
        self.client.mkcalendar(&self.ann, &url, display).await.unwrap();
        url
    }

    /// Stores an event (its text) as `<calendar><name>.ics`; answers its href and ETag.
    async fn put(&self, calendar: &str, name: &str, ics: &str) -> (String, String) {
        let href = format!("{calendar}{name}.ics");
        let etag = self.client.put_new(&self.ann, &href, ics).await.unwrap().unwrap();
        (href, etag)
    }

    /// Every resource of a calendar.
    async fn all(&self, calendar: &str) -> Vec<Resource> {
        self.client.calendar_query(&self.ann, calendar, None, false).await.unwrap()
    }

    /// The resources Sked wrote into a calendar.
    async fn ours(&self, calendar: &str) -> Vec<Resource> {
        self.all(calendar)
            .await
            .into_iter()
            .filter(|r| r.href.rsplit('/').next().unwrap().starts_with("sked-"))
            .collect()
    }
}

/// The connect request for Ann's account on `dav`.
fn account(dav: &Dav) -> Value {
    json!({"url": dav.server.url(), "username": dav.ann.username, "password": PASSWORD})
}

/// Connects `host` to Ann's account and runs the first sync; answers the connection.
async fn connect(app: &TestApp, dav: &Dav, host: &str) -> Value {
    let r = app.post(&format!("/v1/hosts/{host}/connections/caldav"), account(dav)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    app.run_pending_jobs().await;
    r.body
}

/// The poll interval passes: what is due runs.
async fn poll(app: &TestApp) {
    advance(app, 300);
    calendars::tick(&app.state).await.unwrap();
    app.run_pending_jobs().await;
}

fn advance(app: &TestApp, secs: i64) {
    app.clock.advance(SignedDuration::from_secs(secs));
}

/// A calendar object with one event; `start`/`end` are what follows `DTSTART`/`DTEND`.
fn vevent(uid: &str, start: &str, end: &str, extra: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
         DTSTAMP:20260101T000000Z\r\nDTSTART{start}\r\nDTEND{end}\r\nSUMMARY:{uid}\r\n{extra}\
         END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// A wall-time event in New York.
fn ny(uid: &str, start: &str, end: &str, extra: &str) -> String {
    vevent(uid, &format!(";TZID={ZONE}:{start}"), &format!(";TZID={ZONE}:{end}"), extra)
}

/// The master event of a resource.
fn event_of(r: &Resource) -> StoredEvent {
    let zone = TimeZone::UTC;
    let options = ReadOptions { calendar_zone: &zone, owner: &[] };
    let read = sked_ics::read_events(&r.data, Naming::Resource(&r.href), &options).unwrap();
    read.events.into_iter().find(StoredEvent::is_master).unwrap()
}

/// An event's start and end as RFC 3339 UTC instants.
fn times(e: &StoredEvent) -> (String, String) {
    let at = |w: Option<sked_calendar::busy::When>| {
        jiff::Timestamp::from_second(w.unwrap().instant(&TimeZone::UTC).unwrap()).unwrap().to_string()
    };
    (at(e.start), at(e.end))
}

/// Books Ann (the first host) at `start`.
async fn book(app: &TestApp, w: &World, start: &str) -> Value {
    let mut body = booking(&w.event_type, start, "Pat Lee");
    body["host_id"] = json!(w.hosts[0]);
    body["notes"] = json!("Bring the lease");
    let r = app.post("/v1/bookings", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

/// The last entry of a booking's history: `(actor, action)`.
async fn last_change(app: &TestApp, booking: &Value) -> (String, String) {
    let h = app.get(&format!("/v1/bookings/{}/history", booking["id"].as_str().unwrap())).await;
    let last = h.body["data"].as_array().unwrap().last().unwrap().clone();
    (last["actor"].as_str().unwrap().to_owned(), last["action"].as_str().unwrap().to_owned())
}

/// Settings letting the server reach Radicale on the loopback address.
fn private(s: &mut sked_server::Settings) {
    s.webhook_allow_private = true;
}
