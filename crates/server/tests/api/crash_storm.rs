//! The crash suite: concurrent clients send a storm of creates, reschedules and cancels (each
//! with an `Idempotency-Key`) to a real `sked serve`, which is killed with SIGKILL at random
//! moments and started again on the same database. A request cut off by a kill has an unknown
//! outcome; its client sends it again, same key, once the server is back, so every change ends
//! acknowledged, and a replay proves it was applied once. At the end, with the job queue empty:
//! every acknowledged change is there and nothing else, no host is double booked, and every
//! side effect happened once: one message per (booking change, channel, recipient), each SMS
//! taken by Twilio once, each email one `Message-ID` at a real SMTP server, each webhook
//! delivery one `webhook-id` at the endpoint. Copies of an email or a webhook delivery in flight
//! at a kill are allowed (same id: SMTP and webhooks are at-least-once, deduped by id).
//!
//! Calendar writes are not set up here (no OAuth): their own tests hold that a lost answer makes
//! no second event (`google::writeback`, `microsoft::writeback`, `caldav::bookings`).
//!
//! The same storm runs against three processes on one PostgreSQL database, requests spread over
//! them, one of them killed at random each time.
//!
//! `SKED_CRASH_KILLS` kills per store (3, as `scripts/test` runs it; 20 for the long run);
//! `SKED_CRASH_SEED` the seed (printed).

pub mod checks;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sked_store::Backend;
use sked_test_utils::TestDb;
use sked_test_utils::smtp::SmtpSink;
use sked_test_utils::twilio::TwilioStandIn;

use crate::crash::call;
use crate::process::Server;
use crate::storm::Lcg;

/// Client tasks sending at once.
const CLIENTS: u64 = 8;
/// Candidate starts: 30-minute bookings with 10 minutes after, half an hour apart, so each
/// overlaps its neighbours and creates conflict.
const STARTS: i64 = 12;

/// The storms run one at a time. Two at once on a two-core machine starve each other: in one
/// long run the SQLite storm made 265 operations in a minute beside the three-process one (1,252
/// alone), its jobs' attempts outlasted the gaps between kills, and nine jobs were caught leased
/// by five kills in a row and died.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// What the clients share: where the servers are now, and whether to stop.
struct Shared {
    bases: RwLock<Vec<String>>,
    key: String,
    event_type: String,
    starts: Vec<String>,
    stop: AtomicBool,
}

/// A booking as its client knows it from acknowledged answers.
#[derive(Debug, Clone)]
pub struct Known {
    pub id: String,
    pub start: String,
    pub status: String,
    pub email: String,
    pub phone: String,
    /// Acknowledged changes by history action: `created`, `rescheduled`, `cancelled`.
    pub changes: HashMap<&'static str, usize>,
}

/// What the clients saw.
#[derive(Debug, Default)]
pub struct Stats {
    pub ops: usize,
    pub acknowledged: usize,
    pub conflicts: usize,
    /// Requests whose first attempt got no answer (the server was killed).
    pub unknown: usize,
    /// Of those, the ones the retry found already applied (a replayed answer).
    pub replayed: usize,
    pub other: Vec<(String, u16, Value)>,
}

/// Sends one change until it gets an answer, with the same key, to server `pick` (the next one
/// after a failed attempt, as a client spreading requests does): (status, replayed, body,
/// whether an attempt went unanswered).
async fn send(s: &Shared, pick: usize, path: &str, body: &Value, idem: &str) -> (u16, bool, Value, bool) {
    let client = sked_test_utils::http();
    let until = Instant::now() + Duration::from_secs(90);
    let mut unanswered = false;
    let mut attempt = 0;
    loop {
        let base = {
            let bases = s.bases.read().unwrap();
            bases[(pick + attempt) % bases.len()].clone()
        };
        let req = client
            .post(format!("{base}{path}"))
            .bearer_auth(&s.key)
            .header("Idempotency-Key", idem)
            .timeout(Duration::from_secs(20))
            .json(body);
        if let Ok(r) = req.send().await {
            let status = r.status().as_u16();
            let replayed = r.headers().contains_key("idempotent-replayed");
            if let Ok(v) = r.json::<Value>().await {
                return (status, replayed, v, unanswered);
            }
        }
        unanswered = true;
        attempt += 1;
        assert!(Instant::now() < until, "{path} ({idem}) got no answer for 90 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One client: creates on the shared starts, and reschedules and cancels its own bookings (so
/// each booking's changes come one after another and its last acknowledged state is known).
async fn client(s: Arc<Shared>, n: u64, seed: u64) -> (Vec<Known>, Stats) {
    let mut rng = Lcg(seed.wrapping_mul(31).wrapping_add(n));
    let (mut mine, mut st) = (Vec::<Known>::new(), Stats::default());
    let mut i = 0;
    while !s.stop.load(Ordering::Relaxed) {
        i += 1;
        let idem = format!("storm-{seed}-{n}-{i}");
        let start = s.starts[rng.below(STARTS as u64) as usize].clone();
        let live: Vec<usize> = (0..mine.len()).filter(|&k| mine[k].status == "confirmed").collect();
        let roll = rng.below(10);
        let (path, body, target) = if live.is_empty() || roll < 4 {
            let who = n * 100_000 + i;
            let attendee = json!({"name": format!("Guest {who}"), "email": format!("g{who}@example.test"),
                "phone": format!("+1415555{:04}", who % 10_000)});
            (
                "/v1/bookings".to_owned(),
                json!({"event_type_id": s.event_type, "start": start, "attendee": attendee}),
                None,
            )
        } else {
            let k = live[rng.below(live.len() as u64) as usize];
            let id = &mine[k].id;
            if roll < 7 {
                (format!("/v1/bookings/{id}/reschedule"), json!({"start": start}), Some(k))
            } else {
                (format!("/v1/bookings/{id}/cancel"), json!({"reason": "storm"}), Some(k))
            }
        };
        let pick = rng.below(8) as usize;
        let (status, replayed, v, unanswered) = send(&s, pick, &path, &body, &idem).await;
        st.ops += 1;
        st.unknown += usize::from(unanswered);
        st.replayed += usize::from(unanswered && replayed);
        match (status, target) {
            (201, None) => {
                let a = &body["attendee"];
                mine.push(Known {
                    id: v["id"].as_str().unwrap().to_owned(),
                    start: v["start"].as_str().unwrap().to_owned(),
                    status: v["status"].as_str().unwrap().to_owned(),
                    email: a["email"].as_str().unwrap().to_owned(),
                    phone: a["phone"].as_str().unwrap().to_owned(),
                    changes: HashMap::from([("created", 1)]),
                });
            }
            (200, Some(k)) => {
                let action = if path.ends_with("/cancel") { "cancelled" } else { "rescheduled" };
                let b = &mut mine[k];
                b.start = v["start"].as_str().unwrap().to_owned();
                b.status = v["status"].as_str().unwrap().to_owned();
                *b.changes.entry(action).or_default() += 1;
            }
            (409, _) if v["code"] == "slot_unavailable" => st.conflicts += 1,
            _ => st.other.push((path, status, v)),
        }
        st.acknowledged += usize::from(matches!(status, 200 | 201));
        // A client's pause between requests (a paced storm keeps the senders busy, not swamped).
        tokio::time::sleep(Duration::from_millis(20 + rng.below(60))).await;
    }
    (mine, st)
}

/// The webhook endpoint: records each delivery's `webhook-id` and body, answers 204.
async fn endpoint() -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let rec = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |h: axum::http::HeaderMap, body: String| {
            let rec = rec.clone();
            async move {
                let id = h.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                rec.lock().unwrap().push((id, body));
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

/// A tenant, its host (with an email address), a 30-minute event type with 10 minutes after
/// and no reminders, and a webhook endpoint for the booking events: (key, event type).
async fn setup(base: &str, hook: &str) -> (String, String) {
    let t =
        call(base, crate::helpers::OPERATOR_KEY, "POST", "/v1/tenants", Some(json!({"name": "Acme"}))).await;
    let key = t["api_key"].as_str().unwrap().to_owned();
    let day = json!([{"start": "00:00", "end": "24:00"}]);
    let week = json!({"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day});
    let schedule = json!({"name": "All", "time_zone": "UTC", "weekly": week});
    let s = call(base, &key, "POST", "/v1/schedules", Some(schedule)).await;
    let host = json!({"name": "Ann", "email": "ann@acme.test", "time_zone": "UTC", "schedule_id": s["id"]});
    let h = call(base, &key, "POST", "/v1/hosts", Some(host)).await;
    let et = json!({"slug": "c", "title": "Consultation", "duration_minutes": 30,
        "buffer_after_minutes": 10, "host_ids": [h["id"]], "reminders": []});
    let e = call(base, &key, "POST", "/v1/event-types", Some(et)).await;
    let events = json!(["booking.created", "booking.rescheduled", "booking.cancelled"]);
    call(base, &key, "POST", "/v1/webhooks", Some(json!({"url": hook, "events": events}))).await;
    (key, e["id"].as_str().unwrap().to_owned())
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_storm_killed_at_random_keeps_every_acknowledged_change_and_every_side_effect_once() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        storm(backend, 1).await;
    }
}

/// Three `sked serve` processes on one PostgreSQL database, requests spread over them, every
/// process running the job worker; one of them killed at random and started again, each time.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_processes_on_one_postgres_database_killed_in_turn_keep_everything_once() {
    storm(Backend::Postgres, 3).await;
}

async fn storm(backend: Backend, processes: usize) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let kills = env_number("SKED_CRASH_KILLS", 3);
    let seed = env_number("SKED_CRASH_SEED", 2026);
    let Some(db) = TestDb::new(backend).await else { return };
    let Some(sink) = SmtpSink::start() else { return };
    let began = Instant::now();
    eprintln!("crash storm on {backend:?} with {processes} processes: seed {seed}, {kills} kills");
    let twilio = TwilioStandIn::start("AC0000000000000000000000000000crash", "crash-token").await;
    let (hook, deliveries) = endpoint().await;
    let env = vec![
        ("SKED_TWILIO_ACCOUNT_SID", twilio.account_sid().to_owned()),
        ("SKED_TWILIO_AUTH_TOKEN", "crash-token".to_owned()),
        ("SKED_TWILIO_FROM", "+15550001111".to_owned()),
        ("SKED_TWILIO_API_BASE", twilio.base_url()),
        ("SKED_SMTP_URL", sink.url()),
        ("SKED_EMAIL_FROM", "bookings@sked.test".to_owned()),
        ("SKED_WEBHOOK_ALLOW_PRIVATE", "true".to_owned()),
        ("SKED_SECRET_KEY", "5e".repeat(32)),
        ("SKED_JOB_LEASE_SECONDS", "3".to_owned()),
        // An attempt cut short under load (the lease's 2.4 s) is tried again within the
        // drain's two minutes: 2, 4, 8 and 16 s instead of 30 s to 4 minutes.
        ("SKED_JOB_RETRY_SECONDS", "2".to_owned()),
        // The stand-in lists a text the moment it takes it: no need to wait 2 minutes before
        // sending again one it never got.
        ("SKED_SMS_RECONCILE_SECONDS", "5".to_owned()),
    ];
    let mut servers = Vec::new();
    for _ in 0..processes {
        servers.push(Server::start_with(None, &db.url, &["serve"], &env).await);
    }
    let (key, event_type) = setup(&servers[0].base, &hook).await;
    // Two days ahead (the servers keep real time), from 08:00 UTC.
    #[allow(clippy::disallowed_methods)]
    let day = jiff::Timestamp::now().as_second().div_euclid(86_400) * 86_400 + 2 * 86_400 + 8 * 3_600;
    let starts = (0..STARTS).map(|k| sked_server::time::rfc3339(day + k * 1_800)).collect();
    let shared = Arc::new(Shared {
        bases: RwLock::new(servers.iter().map(|s| s.base.clone()).collect()),
        key: key.clone(),
        event_type,
        starts,
        stop: AtomicBool::new(false),
    });
    let clients: Vec<_> = (0..CLIENTS).map(|n| tokio::spawn(client(shared.clone(), n, seed))).collect();
    let mut rng = Lcg(seed ^ 0x5eed);
    for _ in 0..kills {
        tokio::time::sleep(Duration::from_millis(800 + rng.below(2_200))).await;
        let k = rng.below(processes as u64) as usize;
        servers[k].kill().await;
        servers[k] = Server::start_with(None, &db.url, &["serve"], &env).await;
        shared.bases.write().unwrap()[k] = servers[k].base.clone();
    }
    tokio::time::sleep(Duration::from_millis(500 + rng.below(1_000))).await;
    shared.stop.store(true, Ordering::Relaxed);
    let (mut known, mut stats) = (Vec::new(), Stats::default());
    for c in clients {
        let (k, s) = c.await.unwrap();
        known.extend(k);
        stats.ops += s.ops;
        stats.acknowledged += s.acknowledged;
        stats.conflicts += s.conflicts;
        stats.unknown += s.unknown;
        stats.replayed += s.replayed;
        stats.other.extend(s.other);
    }
    assert!(stats.other.is_empty(), "unexpected answers: {:?}", stats.other);
    let storm = began.elapsed();
    let base = servers[0].base.clone();
    let drained = Instant::now();
    checks::drained(&base, &key).await;
    let drained = drained.elapsed();
    let got = deliveries.lock().unwrap().clone();
    let sent = checks::all(&base, &key, &known, &[], &twilio, &sink, &got).await;
    eprintln!(
        "crash storm on {backend:?} with {processes} processes: {kills} kills, {} operations, {} acknowledged, \
         {} conflicts, {} unknown ({} found applied on retry), {} bookings, {sent}; storm {:.1} s, queue \
         emptied in {:.1} s, in all {:.1} s: ok",
        stats.ops,
        stats.acknowledged,
        stats.conflicts,
        stats.unknown,
        stats.replayed,
        known.len(),
        storm.as_secs_f64(),
        drained.as_secs_f64(),
        began.elapsed().as_secs_f64()
    );
    for s in servers {
        s.stop().await;
    }
    db.drop_db().await;
}
