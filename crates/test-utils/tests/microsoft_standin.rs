//! The Microsoft stand-in over plain HTTP, for what Sked's client does not show: answers in a
//! preferred zone, Graph's error shapes, recurrence patterns and `$select`. (The client's own
//! tests, in `crates/microsoft/tests`, drive the rest.)

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sked_core::ManualClock;
use sked_test_utils::microsoft::MicrosoftStandIn;

const REDIRECT: &str = "http://127.0.0.1:9/cb";
const VERIFIER: &str = "sked-test-verifier-sked-test-verifier-sked-test-verifier";

struct Env {
    ms: MicrosoftStandIn,
    http: reqwest::Client,
    access: String,
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn env(scope: &str) -> Env {
    let clock = Arc::new(ManualClock::new("2026-03-09T12:00:00Z".parse().unwrap()));
    let ms = MicrosoftStandIn::start(clock).await;
    sked_test_utils::install_tls();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let url = format!(
        "{}?client_id={}&response_type=code&redirect_uri={}&response_mode=query&scope={}&state=s&code_challenge={challenge}&code_challenge_method=S256",
        ms.auth_url(),
        ms.client_id(),
        enc(REDIRECT),
        enc(scope)
    );
    let resp = http.get(url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let q: Vec<(String, String)> =
        form_urlencoded::parse(location.split_once('?').unwrap().1.as_bytes()).into_owned().collect();
    let code = q.iter().find(|(k, _)| k == "code").unwrap().1.clone();
    let form = [
        ("client_id", ms.client_id()),
        ("client_secret", ms.client_secret()),
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    let body: Value = http.post(ms.token_url()).form(&form).send().await.unwrap().json().await.unwrap();
    let access = body["access_token"].as_str().unwrap().to_owned();
    Env { ms, http, access }
}

impl Env {
    async fn get(&self, path: &str, prefer: Option<&str>) -> (StatusCode, reqwest::header::HeaderMap, Value) {
        let mut req = self.http.get(format!("{}{path}", self.ms.graph_base())).bearer_auth(&self.access);
        if let Some(p) = prefer {
            req = req.header("Prefer", p);
        }
        let resp = req.send().await.unwrap();
        let (status, headers) = (resp.status(), resp.headers().clone());
        (status, headers, resp.json().await.unwrap())
    }

    async fn view(&self, cal: &str) -> Vec<Value> {
        let path = format!(
            "/me/calendars/{cal}/calendarView/delta?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-06-01T00:00:00Z"
        );
        let (status, _, body) = self.get(&path, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["value"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn answers_come_in_the_preferred_zone_and_all_day_stays_at_midnight() {
    let e = env("offline_access Calendars.ReadWrite User.Read").await;
    let cal = e.ms.default_calendar();
    e.ms.put_event(
        &cal,
        json!({"subject": "a", "start": {"dateTime": "2026-03-10T17:00:00", "timeZone": "UTC"},
                                 "end": {"dateTime": "2026-03-10T18:00:00", "timeZone": "UTC"}}),
    );
    e.ms.put_event(&cal, json!({"subject": "b", "isAllDay": true, "start": {"dateTime": "2026-03-11T00:00:00", "timeZone": "Tokyo Standard Time"},
                                 "end": {"dateTime": "2026-03-12T00:00:00", "timeZone": "Tokyo Standard Time"}}));
    let path = "/me/calendarView/delta?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-01T00:00:00Z";
    let (status, headers, body) = e.get(path, Some("outlook.timezone=\"Pacific Standard Time\"")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["preference-applied"], "outlook.timezone=\"Pacific Standard Time\"");
    let items = body["value"].as_array().unwrap();
    assert_eq!(
        items[0]["start"],
        json!({"dateTime": "2026-03-10T10:00:00.0000000", "timeZone": "Pacific Standard Time"})
    );
    assert_eq!(items[0]["@odata.type"], "#microsoft.graph.event");
    assert_eq!(items[0]["originalStartTimeZone"], "UTC");
    assert_eq!(items[1]["start"]["dateTime"], "2026-03-11T00:00:00.0000000");
    assert_eq!(items[1]["isAllDay"], true);
    assert_eq!(items[1]["originalStartTimeZone"], "Tokyo Standard Time");
    assert!(body["@odata.deltaLink"].as_str().unwrap().contains("/v1.0/me/calendarView/delta?$deltatoken="));
}

#[tokio::test]
async fn errors_have_graphs_shape() {
    let e = env("offline_access Calendars.Read User.Read").await;
    let resp = e.http.get(format!("{}/me", e.ms.graph_base())).bearer_auth("nope").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert!(resp.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer realm=\"\""));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    assert!(body["error"]["innerError"]["request-id"].is_string());

    let (status, _, body) = e.get("/me/nonsense", None).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("BadRequest")));
    let cal = e.ms.default_calendar();
    let resp = e
        .http
        .post(format!("{}/me/calendars/{cal}/events", e.ms.graph_base()))
        .bearer_auth(&e.access)
        .json(&json!({"subject": "x", "start": {"dateTime": "2026-03-10T09:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2026-03-10T10:00:00", "timeZone": "UTC"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "Calendars.Read cannot write");
    let (status, _, body) = e.get("/me/calendarView/delta", None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("ErrorInvalidParameter"))
    );
    let (status, _, body) = e.get("/me/calendarView/delta?$deltatoken=never-issued", None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("syncStateNotFound"))
    );
}

#[tokio::test]
async fn unknown_zones_are_refused_as_graph_does() {
    let e = env("offline_access Calendars.ReadWrite User.Read").await;
    let resp = e
        .http
        .post(format!("{}/me/events", e.ms.graph_base()))
        .bearer_auth(&e.access)
        .json(&json!({"subject": "x", "start": {"dateTime": "2026-03-10T09:00:00", "timeZone": "Mars Standard Time"},
                      "end": {"dateTime": "2026-03-10T10:00:00", "timeZone": "Mars Standard Time"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"]["code"], "TimeZoneNotSupportedException");
}

#[tokio::test]
async fn recurrence_patterns_expand_within_the_window() {
    let e = env("offline_access Calendars.ReadWrite User.Read").await;
    let cal = e.ms.default_calendar();
    let at = |d: &str, t: &str| json!({"dateTime": format!("{d}T{t}"), "timeZone": "UTC"});
    let series = |start: &str, pattern: Value, range: Value| {
        json!({"subject": "s", "start": at(start, "09:00:00"), "end": at(start, "10:00:00"),
               "recurrence": {"pattern": pattern, "range": range}})
    };
    // Daily, three times.
    e.ms.put_event(
        &cal,
        series(
            "2026-03-02",
            json!({"type": "daily", "interval": 1}),
            json!({"type": "numbered", "startDate": "2026-03-02", "numberOfOccurrences": 3}),
        ),
    );
    // The second Tuesday of each month, through May.
    e.ms.put_event(
        &cal,
        series(
            "2026-03-10",
            json!({"type": "relativeMonthly", "interval": 1, "daysOfWeek": ["tuesday"], "index": "second"}),
            json!({"type": "endDate", "startDate": "2026-03-10", "endDate": "2026-05-31"}),
        ),
    );
    // The 15th of each month, open-ended.
    e.ms.put_event(
        &cal,
        series(
            "2026-03-15",
            json!({"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 15}),
            json!({"type": "noEnd", "startDate": "2026-03-15"}),
        ),
    );
    let mut starts: Vec<String> = e
        .view(&cal)
        .await
        .iter()
        .map(|v| v["start"]["dateTime"].as_str().unwrap()[..10].to_owned())
        .collect();
    starts.sort();
    assert_eq!(
        starts,
        [
            "2026-03-02",
            "2026-03-03",
            "2026-03-04",
            "2026-03-10",
            "2026-03-15",
            "2026-04-14",
            "2026-04-15",
            "2026-05-12",
            "2026-05-15"
        ]
    );
}

#[tokio::test]
async fn select_narrows_calendars_and_pages_link_on() {
    let e = env("offline_access Calendars.ReadWrite User.Read").await;
    for i in 0..3 {
        e.ms.add_calendar(&format!("c{i}"));
    }
    e.ms.set_page_size(2);
    let (status, _, body) = e.get("/me/calendars?$select=id,name", None).await;
    assert_eq!(status, StatusCode::OK);
    let first = &body["value"][0];
    assert_eq!(first.as_object().unwrap().keys().collect::<Vec<_>>(), ["id", "name"]);
    let next = body["@odata.nextLink"].as_str().unwrap();
    assert!(next.starts_with(&e.ms.graph_base()) && next.contains("%24skip=2"), "{next}");
}
