//! Google Calendar (issue 5), against the Google stand-in on loopback:
//!
//! - `sync/initial`: a full sync of a calendar holding 5,000 events, 200 of them recurring
//!   series (with 100 exceptions), from listing through recurrence expansion to the stored busy
//!   time.
//! - `sync/incremental_50`: an incremental sync after 50 events were moved in Google.
//! - `slots/*`: slots of a 10-host team whose hosts each have a connected calendar (300 events
//!   each, 10 of them recurring) against the same team with no calendars: `warm_http` through
//!   HTTP as clients see it (the cached snapshot); `rebuild_after_host_change`, the snapshot
//!   rebuilt after a host's bookings or blocks changed (what the first request after a booking
//!   pays); `cold_snapshot`, built from nothing (the first request after a start or a sync).
//!
//! SQLite always; PostgreSQL too when `SKED_TEST_POSTGRES_URL` names a server.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use serde_json::{Value, json};
use sked_app::AvailabilityCache;
use sked_core::ManualClock;
use sked_core::ids::{ConnectionId, EventTypeId, TenantId};
use sked_server::calendars::sync::sync;
use sked_server::config::Secret;
use sked_server::state::AppState;
use sked_server::{Application, Settings};
use sked_store::Backend;
use sked_test_utils::TestDb;
use sked_test_utils::google::GoogleStandIn;
use tokio::runtime::Runtime;

const NOW: &str = "2026-03-02T12:00:00Z";
const OPERATOR: &str = "op_bench_operator_key_0123456789";
const ZONE: &str = "America/New_York";

/// Deterministic pseudo-random numbers (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> i64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n) as i64
    }
}

struct Env {
    state: AppState,
    base: String,
    key: String,
    tenant: TenantId,
    http: reqwest::Client,
    browser: reqwest::Client,
    g: GoogleStandIn,
    worker: Arc<sked_jobs::Worker>,
    _db: TestDb,
}

impl Env {
    async fn start(backend: Backend) -> Option<Env> {
        let db = TestDb::new(backend).await?;
        let clock = Arc::new(ManualClock::new(NOW.parse::<Timestamp>().unwrap()));
        let g = GoogleStandIn::start(clock.clone()).await;
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
        Some(Env { state, base, key, tenant, http, browser, g, worker, _db: db })
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap()
    }

    /// A team of `n` hosts on weekday hours, and a 30-minute round-robin event type for it.
    async fn team(&self, n: usize, slug: &str) -> (Vec<String>, EventTypeId) {
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

    /// Connects `host` to the Google account `account` through the OAuth flow, and runs the
    /// first sync.
    async fn connect(&self, host: &str, account: &str) -> ConnectionId {
        self.g.set_account(account);
        self.g.set_time_zone(account, ZONE);
        let start = self.post(&format!("/v1/hosts/{host}/connections/google"), json!({})).await;
        let consent = self.browser.get(start["authorization_url"].as_str().unwrap()).send().await.unwrap();
        let back = consent.headers()["location"].to_str().unwrap().to_owned();
        let c: Value = self.browser.get(back).send().await.unwrap().json().await.unwrap();
        self.worker.run_until_idle().await.unwrap();
        c["id"].as_str().unwrap().parse().unwrap()
    }
}

fn timed(id: &str, start: i64, minutes: i64) -> Value {
    let at = |s: i64| jiff::Timestamp::from_second(s).unwrap().to_string();
    json!({"id": id, "summary": id, "start": {"dateTime": at(start)}, "end": {"dateTime": at(start + minutes * 60)}})
}

/// Fills a calendar: `singles` one-off events over `days`, and `series` weekly or daily series
/// (every other one with one occurrence moved by two hours). Answers the single events' ids.
fn fill(
    g: &GoogleStandIn,
    calendar: &str,
    rng: &mut Rng,
    singles: usize,
    series: usize,
    days: i64,
) -> Vec<String> {
    let t0 = NOW.parse::<Timestamp>().unwrap().as_second();
    let mut ids = Vec::new();
    for i in 0..singles {
        let start = t0 + rng.next(days as u64) * 86_400 + (13 + rng.next(9)) * 3_600 + 1_800 * rng.next(2);
        let id = format!("single{i}x");
        g.put_event(calendar, timed(&id, start, 30 + 30 * rng.next(2)));
        ids.push(id);
    }
    for i in 0..series {
        let start = t0 + rng.next(14) * 86_400 + (13 + rng.next(9)) * 3_600;
        let mut e = timed(&format!("series{i}x"), start, 60);
        e["start"]["timeZone"] = json!(ZONE);
        e["end"]["timeZone"] = json!(ZONE);
        let rule = if i % 4 == 0 { "RRULE:FREQ=DAILY;COUNT=60" } else { "RRULE:FREQ=WEEKLY" };
        e["recurrence"] = json!([rule]);
        g.put_event(calendar, e);
        if i % 2 == 0 {
            let second = start + if i % 4 == 0 { 86_400 } else { 7 * 86_400 };
            let original = jiff::Timestamp::from_second(second).unwrap();
            let stamp = original.strftime("%Y%m%dT%H%M%SZ");
            let mut moved = timed(&format!("series{i}x_{stamp}"), second + 2 * 3_600, 60);
            moved["recurringEventId"] = json!(format!("series{i}x"));
            moved["originalStartTime"] = json!({"dateTime": original.to_string()});
            g.put_event(calendar, moved);
        }
    }
    ids
}

fn benches(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(env) = rt.block_on(Env::start(backend)) else { continue };
        let name = format!("{backend:?}").to_lowercase();
        sync_benches(c, &rt, &env, &name);
        slots_benches(c, &rt, &env, &name);
    }
}

fn sync_benches(c: &mut Criterion, rt: &Runtime, env: &Env, backend: &str) {
    let (hosts, _) = rt.block_on(env.team(1, "sync"));
    let calendar = "ann@bench.test";
    env.g.set_account(calendar);
    let mut rng = Rng(0x5eed_cafe);
    // 4,700 single events, 200 series and 100 exceptions: 5,000 events.
    let singles = fill(&env.g, calendar, &mut rng, 4_700, 200, 365);
    let conn = rt.block_on(env.connect(&hosts[0], calendar));
    let busy = rt
        .block_on(env.state.store.host_external_busy(
            env.tenant,
            hosts[0].parse().unwrap(),
            sked_core::Interval::new(0, i64::MAX / 2),
        ))
        .unwrap()
        .len();
    eprintln!("[{backend}] 5,000 events became {busy} busy intervals");
    let mut group = c.benchmark_group(format!("google_{backend}/sync"));
    group.sample_size(10);
    group.bench_function("initial_5000_events_200_series", |b| {
        b.iter(|| rt.block_on(async { black_box(sync(&env.state, conn, calendar, true).await.unwrap()) }))
    });
    let mut round = 0;
    group.bench_function("incremental_50_changes", |b| {
        b.iter_batched(
            || {
                round += 1;
                for id in singles.iter().skip(round * 50 % 4_000).take(50) {
                    let shift = if round % 2 == 0 { "2026-06-01T14:00:00Z" } else { "2026-06-02T15:00:00Z" };
                    let end = shift.parse::<Timestamp>().unwrap().as_second() + 1_800;
                    env.g.patch_event(calendar, id, json!({"start": {"dateTime": shift}, "end": {"dateTime": jiff::Timestamp::from_second(end).unwrap().to_string()}}));
                }
            },
            |()| {
                let r = rt.block_on(sync(&env.state, conn, calendar, false)).unwrap();
                assert_eq!((r.full, r.events), (false, 50));
                r
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn slots_benches(c: &mut Criterion, rt: &Runtime, env: &Env, backend: &str) {
    let (_, plain) = rt.block_on(env.team(10, "plain"));
    let (hosts, connected) = rt.block_on(env.team(10, "connected"));
    let mut rng = Rng(0xdec0_de42);
    for (i, h) in hosts.iter().enumerate() {
        let account = format!("host{i}@bench.test");
        env.g.set_account(&account);
        fill(&env.g, &account, &mut rng, 290, 10, 60);
        rt.block_on(env.connect(h, &account));
    }
    let url = |et: EventTypeId| {
        format!("{}/v1/event-types/{et}/slots?from=2026-03-03&to=2026-03-17&time_zone={ZONE}", env.base)
    };
    let mut group = c.benchmark_group(format!("google_{backend}/slots_14_days_10_hosts"));
    let both = [("unconnected", plain), ("10_calendars", connected)];
    // Each measurement runs for both teams back to back, so the machine's drift between them
    // is small.
    for (label, et) in both {
        let u = url(et);
        group.bench_function(format!("warm_http/{label}"), |b| {
            b.iter(|| {
                rt.block_on(async {
                    let r = env.http.get(&u).bearer_auth(&env.key).send().await.unwrap();
                    assert!(r.status().is_success());
                    black_box(r.bytes().await.unwrap())
                })
            })
        });
    }
    let now = NOW.parse::<Timestamp>().unwrap().as_second();
    for (label, et) in both {
        // A booking or block changes a host's version: the snapshot is rebuilt, and busy time
        // from calendars (whose version did not move) comes from the cache.
        let cache = AvailabilityCache::new(env.state.store.clone());
        let first: sked_core::ids::HostId = rt.block_on(cache.get(env.tenant, et, now)).unwrap().hosts[0].id;
        group.bench_function(format!("rebuild_after_host_change/{label}"), |b| {
            b.iter(|| {
                rt.block_on(async {
                    let h = env.state.store.host(env.tenant, first).await.unwrap();
                    env.state.store.update_host(&h).await.unwrap();
                    black_box(cache.get(env.tenant, et, now).await.unwrap())
                })
            })
        });
    }
    for (label, et) in both {
        group.bench_function(format!("cold_snapshot/{label}"), |b| {
            b.iter(|| {
                rt.block_on(async {
                    let cache = AvailabilityCache::new(env.state.store.clone());
                    black_box(cache.get(env.tenant, et, now).await.unwrap())
                })
            })
        });
    }
    group.finish();
}

criterion_group!(google, benches);
criterion_main!(google);
