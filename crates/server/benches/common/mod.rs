//! What the calendar benchmarks share: a server on one store with the Google and Microsoft
//! stand-ins configured (and private addresses allowed, for a local Radicale and ICS feed),
//! teams of hosts, connecting a host to each provider, and a deterministic calendar of events
//! rendered for each provider's format.

#![allow(dead_code, clippy::unwrap_used)]

pub mod feed;

use std::hint::black_box;
use std::sync::Arc;

use criterion::BenchmarkGroup;
use criterion::measurement::WallTime;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Value, json};
use sked_app::AvailabilityCache;
use sked_core::ManualClock;
use sked_core::ids::{ConnectionId, EventTypeId, HostId, TenantId};
use sked_server::config::Secret;
use sked_server::state::AppState;
use sked_server::{Application, Settings};
use sked_store::Backend;
use sked_test_utils::TestDb;
use sked_test_utils::google::GoogleStandIn;
use sked_test_utils::microsoft::MicrosoftStandIn;
use tokio::runtime::Runtime;

pub const NOW: &str = "2026-03-02T12:00:00Z";
pub const OPERATOR: &str = "op_bench_operator_key_0123456789";
pub const ZONE: &str = "America/New_York";
/// How Outlook names New York's zone.
pub const EASTERN: &str = "Eastern Standard Time";

/// Deterministic pseudo-random numbers (xorshift64*).
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self, n: u64) -> i64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n) as i64
    }
}

/// A server on one store, its tenant, and the stand-ins it talks to.
pub struct Env {
    pub state: AppState,
    pub base: String,
    pub key: String,
    pub tenant: TenantId,
    pub http: reqwest::Client,
    pub browser: reqwest::Client,
    pub g: GoogleStandIn,
    pub ms: MicrosoftStandIn,
    pub worker: Arc<sked_jobs::Worker>,
    _db: TestDb,
}

impl Env {
    pub async fn start(backend: Backend) -> Option<Env> {
        let db = TestDb::new(backend).await?;
        let clock = Arc::new(ManualClock::new(NOW.parse::<Timestamp>().unwrap()));
        let g = GoogleStandIn::start(clock.clone()).await;
        let ms = MicrosoftStandIn::start(clock.clone()).await;
        let settings = Settings {
            database_url: db.url.clone(),
            listen: "127.0.0.1:0".into(),
            operator_key: Some(Secret::from(OPERATOR)),
            secret_key: Some(Secret::from(
                "5ec2e7000000000000000000000000000000000000000000000000000000c0de",
            )),
            run_worker: false,
            rate_limit_per_second: 0,
            google_client_id: Some(g.client_id().into()),
            google_client_secret: Some(Secret::from(g.client_secret())),
            google_auth_url: g.auth_url(),
            google_token_url: g.token_url(),
            google_revoke_url: g.revoke_url(),
            google_api_base: g.api_base(),
            microsoft_client_id: Some(ms.client_id().into()),
            microsoft_client_secret: Some(Secret::from(ms.client_secret())),
            microsoft_auth_url: Some(ms.auth_url()),
            microsoft_token_url: Some(ms.token_url()),
            microsoft_graph_base: ms.graph_base(),
            webhook_allow_private: true,
            calendar_push: false,
            ..Settings::default()
        };
        let app = Application::build(settings, db.store().await, clock).await.unwrap();
        let base = format!("http://{}", app.address());
        let (state, worker) = (app.state(), app.worker());
        tokio::spawn(async move { app.run_until_stopped(std::future::pending()).await.unwrap() });
        let http = sked_test_utils::http();
        let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let t: Value = http
            .post(format!("{base}/v1/tenants"))
            .bearer_auth(OPERATOR)
            .json(&json!({"name": "Bench"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let key = t["api_key"].as_str().unwrap().to_owned();
        let tenant = t["id"].as_str().unwrap().parse().unwrap();
        Some(Env { state, base, key, tenant, http, browser, g, ms, worker, _db: db })
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    /// A team of `n` hosts on weekday hours, and a 30-minute round-robin event type for it.
    pub async fn team(&self, n: usize, slug: &str) -> (Vec<String>, EventTypeId) {
        let day = json!([{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]);
        let s = self
            .post("/v1/schedules", json!({"name": slug, "time_zone": ZONE, "weekly": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day}}))
            .await;
        let mut hosts = Vec::new();
        for i in 0..n {
            let h = self
                .post("/v1/hosts", json!({"name": format!("{slug}-{i}"), "email": format!("{slug}{i}@bench.test"), "time_zone": ZONE, "schedule_id": s["id"]}))
                .await;
            hosts.push(h["id"].as_str().unwrap().to_owned());
        }
        let e = self
            .post("/v1/event-types", json!({"slug": slug, "title": slug, "duration_minutes": 30, "host_ids": hosts, "max_days_ahead": 90}))
            .await;
        (hosts, e["id"].as_str().unwrap().parse().unwrap())
    }

    /// Follows the browser through an OAuth consent started at `path`; runs the first sync.
    async fn consent(&self, path: &str) -> ConnectionId {
        let start = self.post(path, json!({})).await;
        let consent = self.browser.get(start["authorization_url"].as_str().unwrap()).send().await.unwrap();
        let back = consent.headers()["location"].to_str().unwrap().to_owned();
        let c: Value = self.browser.get(back).send().await.unwrap().json().await.unwrap();
        self.worker.run_until_idle().await.unwrap();
        c["id"].as_str().unwrap().parse().unwrap()
    }

    /// Connects `host` to the Google account `account`, and runs the first sync.
    pub async fn connect_google(&self, host: &str, account: &str) -> ConnectionId {
        self.g.set_account(account);
        self.g.set_time_zone(account, ZONE);
        self.consent(&format!("/v1/hosts/{host}/connections/google")).await
    }

    /// Connects `host` to the Outlook account `account` (made current with
    /// `ms.set_account`), and runs the first sync.
    pub async fn connect_microsoft(&self, host: &str, account: &str) -> ConnectionId {
        self.ms.set_account(account);
        self.consent(&format!("/v1/hosts/{host}/connections/microsoft")).await
    }

    /// Connects `host` to a CalDAV account or ICS feed (`kind`), and runs the first sync.
    pub async fn connect_direct(&self, host: &str, kind: &str, body: Value) -> ConnectionId {
        let c = self.post(&format!("/v1/hosts/{host}/connections/{kind}"), body).await;
        self.worker.run_until_idle().await.unwrap();
        c["id"].as_str().unwrap().parse().unwrap()
    }

    /// The calendar of `conn` whose events block time.
    pub async fn busy_calendar(&self, conn: ConnectionId) -> String {
        let cals = self.state.store.connection_calendars(conn).await.unwrap();
        cals.into_iter().find(|c| c.busy).unwrap().calendar_id
    }

    /// How many busy intervals from calendars `host` has.
    pub async fn busy_count(&self, host: &str) -> usize {
        let host: HostId = host.parse().unwrap();
        let all = sked_core::Interval::new(0, i64::MAX / 2);
        self.state.store.host_external_busy(self.tenant, host, all).await.unwrap().len()
    }
}

/// How a series recurs.
#[derive(Clone, Copy)]
pub enum Rule {
    /// Every day, 60 times.
    Daily60,
    /// Every week, without end.
    Weekly,
}

/// One event of a generated calendar, in no provider's format.
pub struct Ev {
    pub uid: String,
    pub start: i64,
    pub minutes: i64,
    pub rule: Option<Rule>,
    /// For a series: one occurrence (its original start) moved to start at another instant.
    pub moved: Option<(i64, i64)>,
}

impl Ev {
    /// How many provider events it is (a series with a moved occurrence is two).
    pub fn count(&self) -> usize {
        1 + usize::from(self.moved.is_some())
    }
}

/// A calendar: `singles` one-off events over `days` from now, and `series` series (one in four
/// daily, the rest weekly; every other one with its second occurrence moved two hours later).
pub fn calendar(rng: &mut Rng, singles: usize, series: usize, days: i64) -> Vec<Ev> {
    let t0 = NOW.parse::<Timestamp>().unwrap().as_second();
    let mut out = Vec::new();
    for i in 0..singles {
        let start = t0 + rng.next(days as u64) * 86_400 + (13 + rng.next(9)) * 3_600 + 1_800 * rng.next(2);
        let minutes = 30 + 30 * rng.next(2);
        out.push(Ev { uid: format!("single{i}x"), start, minutes, rule: None, moved: None });
    }
    for i in 0..series {
        let start = t0 + rng.next(14) * 86_400 + (13 + rng.next(9)) * 3_600;
        let rule = if i % 4 == 0 { Rule::Daily60 } else { Rule::Weekly };
        let moved = (i % 2 == 0).then(|| {
            // The second occurrence: a day or a week later on New York's clock.
            let days = if i % 4 == 0 { 1 } else { 7 };
            let zoned = utc(start).to_zoned(TimeZone::get(ZONE).unwrap());
            let second = zoned.checked_add(jiff::Span::new().days(days)).unwrap().timestamp().as_second();
            (second, second + 2 * 3_600)
        });
        out.push(Ev { uid: format!("series{i}x"), start, minutes: 60, rule: Some(rule), moved });
    }
    out
}

/// How many provider events a calendar is.
pub fn event_count(events: &[Ev]) -> usize {
    events.iter().map(Ev::count).sum()
}

pub fn utc(s: i64) -> Timestamp {
    Timestamp::from_second(s).unwrap()
}

/// `s` as a New York wall time, in `format`.
pub fn wall(s: i64, format: &str) -> String {
    utc(s).to_zoned(TimeZone::get(ZONE).unwrap()).strftime(format).to_string()
}

/// An original start as providers name occurrences (`20260303T150000Z`).
pub fn stamp(s: i64) -> String {
    utc(s).strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Fills a Google calendar with `events`.
pub fn to_google(g: &GoogleStandIn, calendar: &str, events: &[Ev]) {
    let timed = |id: &str, start: i64, minutes: i64| json!({"id": id, "summary": id, "start": {"dateTime": utc(start).to_string()}, "end": {"dateTime": utc(start + minutes * 60).to_string()}});
    for e in events {
        let mut body = timed(&e.uid, e.start, e.minutes);
        if let Some(rule) = e.rule {
            body["start"]["timeZone"] = json!(ZONE);
            body["end"]["timeZone"] = json!(ZONE);
            let rule = match rule {
                Rule::Daily60 => "RRULE:FREQ=DAILY;COUNT=60",
                Rule::Weekly => "RRULE:FREQ=WEEKLY",
            };
            body["recurrence"] = json!([rule]);
        }
        g.put_event(calendar, body);
        if let Some((original, to)) = e.moved {
            let mut moved = timed(&format!("{}_{}", e.uid, stamp(original)), to, e.minutes);
            moved["recurringEventId"] = json!(e.uid);
            moved["originalStartTime"] = json!({"dateTime": utc(original).to_string()});
            g.put_event(calendar, moved);
        }
    }
}

/// Fills an Outlook calendar with `events`; answers each event's Graph id, in order.
pub fn to_microsoft(ms: &MicrosoftStandIn, calendar: &str, events: &[Ev]) -> Vec<String> {
    let mut ids = Vec::new();
    for e in events {
        let id = match e.rule {
            None => {
                let at = |s: i64| json!({"dateTime": utc(s).strftime("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"});
                ms.put_event(
                    calendar,
                    json!({"subject": e.uid, "start": at(e.start), "end": at(e.start + e.minutes * 60)}),
                )
            }
            Some(rule) => {
                let at = |s: i64| json!({"dateTime": wall(s, "%Y-%m-%dT%H:%M:%S"), "timeZone": EASTERN});
                let date = wall(e.start, "%Y-%m-%d");
                let recurrence = match rule {
                    Rule::Daily60 => json!({
                        "pattern": {"type": "daily", "interval": 1},
                        "range": {"type": "numbered", "startDate": date, "numberOfOccurrences": 60}
                    }),
                    Rule::Weekly => json!({
                        "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": [wall(e.start, "%A").to_lowercase()]},
                        "range": {"type": "noEnd", "startDate": date}
                    }),
                };
                let body = json!({"subject": e.uid, "start": at(e.start), "end": at(e.start + e.minutes * 60), "recurrence": recurrence});
                let id = ms.put_event(calendar, body);
                if let Some((original, to)) = e.moved {
                    ms.move_event(&format!("{id}_{}", stamp(original)), utc(to), utc(to + e.minutes * 60));
                }
                id
            }
        };
        ids.push(id);
    }
    ids
}

/// The VEVENTs of `e` (a series' moved occurrence as a second one with its `RECURRENCE-ID`).
pub fn vevents(e: &Ev) -> String {
    let z = |s: i64| format!(";TZID={ZONE}:{}", wall(s, "%Y%m%dT%H%M%S"));
    let one = |start: String, end: String, extra: &str| {
        format!(
            "BEGIN:VEVENT\r\nUID:{}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART{start}\r\nDTEND{end}\r\n\
             SUMMARY:{}\r\n{extra}END:VEVENT\r\n",
            e.uid, e.uid
        )
    };
    let end = e.start + e.minutes * 60;
    match e.rule {
        None => one(format!(":{}", stamp(e.start)), format!(":{}", stamp(end)), ""),
        Some(rule) => {
            let rule = match rule {
                Rule::Daily60 => "RRULE:FREQ=DAILY;COUNT=60\r\n",
                Rule::Weekly => "RRULE:FREQ=WEEKLY\r\n",
            };
            let mut text = one(z(e.start), z(end), rule);
            if let Some((original, to)) = e.moved {
                text.push_str(&one(
                    z(to),
                    z(to + e.minutes * 60),
                    &format!("RECURRENCE-ID{}\r\n", z(original)),
                ));
            }
            text
        }
    }
}

/// A calendar object (or feed) holding `body`'s VEVENTs.
pub fn vcalendar(body: &str) -> String {
    format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//sked bench//EN\r\n{body}END:VCALENDAR\r\n")
}

/// Single event `e` moved to `[start, start + its length)`.
pub fn moved_single(e: &Ev, start: i64) -> Ev {
    Ev { uid: e.uid.clone(), start, minutes: e.minutes, rule: None, moved: None }
}

/// Where the `round`th incremental round moves its singles: alternately two instants, so every
/// round is a change.
pub fn shift(round: usize) -> i64 {
    let at = if round.is_multiple_of(2) { "2026-06-01T14:00:00Z" } else { "2026-06-02T15:00:00Z" };
    at.parse::<Timestamp>().unwrap().as_second()
}

/// The 50 singles the `round`th incremental round moves.
pub fn fifty(events: &[Ev], round: usize) -> impl Iterator<Item = (usize, &Ev)> {
    events.iter().enumerate().filter(|(_, e)| e.rule.is_none()).skip(round * 50 % 4_000).take(50)
}

/// Two teams, one with calendars and one without.
pub type Teams = [(&'static str, EventTypeId); 2];

/// Benchmarks 14 days of each team's slots through HTTP, as clients ask (the cached snapshot).
/// Each measurement runs for both teams back to back, so the machine's drift between them is
/// small.
pub fn warm_http(group: &mut BenchmarkGroup<'_, WallTime>, rt: &Runtime, env: &Env, teams: Teams) {
    for (label, et) in teams {
        let url =
            format!("{}/v1/event-types/{et}/slots?from=2026-03-03&to=2026-03-17&time_zone={ZONE}", env.base);
        group.bench_function(format!("warm_http/{label}"), |b| {
            b.iter(|| {
                rt.block_on(async {
                    let r = env.http.get(&url).bearer_auth(&env.key).send().await.unwrap();
                    assert!(r.status().is_success());
                    black_box(r.bytes().await.unwrap())
                })
            })
        });
    }
}

/// Benchmarks each team's availability snapshot built from nothing (the first request after a
/// start or a sync).
pub fn cold_snapshot(group: &mut BenchmarkGroup<'_, WallTime>, rt: &Runtime, env: &Env, teams: Teams) {
    let now = NOW.parse::<Timestamp>().unwrap().as_second();
    for (label, et) in teams {
        group.bench_function(format!("cold_snapshot/{label}"), |b| {
            b.iter(|| {
                rt.block_on(async {
                    let cache = AvailabilityCache::new(env.state.store.clone());
                    black_box(cache.get(env.tenant, et, now).await.unwrap())
                })
            })
        });
    }
}
