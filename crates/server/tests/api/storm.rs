//! No double booking under concurrency: many creates and reschedules on overlapping times, in
//! one process on each store, and across two server processes sharing one PostgreSQL database.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::helpers::*;
use crate::process::Server;

/// Deterministic pseudo-random numbers.
pub struct Lcg(pub u64);
impl Lcg {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// What the storm saw.
#[derive(Debug, Default)]
pub struct Tally {
    pub created: usize,
    pub moved: usize,
    pub conflicts: usize,
    pub other: Vec<(u16, Value)>,
}

/// Checks the answer of one storm request.
pub fn tally(t: &mut Tally, status: u16, body: Value) -> Option<String> {
    match status {
        201 => {
            t.created += 1;
            return body["id"].as_str().map(str::to_owned);
        }
        200 => t.moved += 1,
        409 if body["code"] == "slot_unavailable" => {
            assert!(body["alternatives"].is_array(), "a 409 carries alternatives: {body}");
            t.conflicts += 1;
        }
        _ => t.other.push((status, body)),
    }
    None
}

/// No host has two confirmed bookings whose blocked intervals (with the 10-minute buffer after)
/// overlap.
pub fn assert_no_overlap(bookings: &[Value]) {
    let mut by_host: HashMap<String, Vec<(jiff::Timestamp, jiff::Timestamp)>> = HashMap::new();
    for b in bookings.iter().filter(|b| b["status"] == "confirmed") {
        let start: jiff::Timestamp = b["start"].as_str().unwrap().parse().unwrap();
        let end: jiff::Timestamp = b["end"].as_str().unwrap().parse().unwrap();
        let blocked_end = end.checked_add(jiff::SignedDuration::from_mins(10)).unwrap();
        for h in b["host_ids"].as_array().unwrap() {
            by_host.entry(h.as_str().unwrap().to_owned()).or_default().push((start, blocked_end));
        }
    }
    for (host, mut spans) in by_host {
        spans.sort();
        for pair in spans.windows(2) {
            assert!(pair[0].1 <= pair[1].0, "host {host} is double booked: {pair:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_storm_of_creates_and_reschedules_never_double_books() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        // Tuesday 09:00-12:00 New York: six 30-minute starts, each overlapping the next (10-minute
        // buffer after), two hosts.
        let starts: Vec<String> =
            (0..6).map(|k| format!("2026-03-03T{:02}:{:02}:00Z", 14 + k / 2, (k % 2) * 30)).collect();
        let mut rng = Lcg(7);
        let mut tally_all = Tally::default();
        let creates: Vec<_> = (0..150)
            .map(|i| {
                let body = booking(&w.event_type, &starts[rng.below(6) as usize], &format!("guest {i}"));
                let req =
                    app.client.post(format!("{}/v1/bookings", app.base)).bearer_auth(&app.key).json(&body);
                tokio::spawn(async move {
                    let r = req.send().await.unwrap();
                    (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null))
                })
            })
            .collect();
        let mut ids = vec![];
        for c in creates {
            let (s, b) = c.await.unwrap();
            ids.extend(tally(&mut tally_all, s, b));
        }
        assert!(tally_all.created >= 4 && tally_all.created <= 6, "{tally_all:?}");
        // Now reschedules of every winner, mixed with more creates, all at once.
        let mut tasks = vec![];
        for i in 0..120 {
            let start = &starts[rng.below(6) as usize];
            let req = if i % 3 == 0 {
                app.client.post(format!("{}/v1/bookings", app.base)).json(&booking(
                    &w.event_type,
                    start,
                    "late",
                ))
            } else {
                let id = &ids[rng.below(ids.len() as u64) as usize];
                app.client
                    .post(format!("{}/v1/bookings/{id}/reschedule", app.base))
                    .json(&json!({"start": start}))
            };
            let req = req.bearer_auth(&app.key);
            tasks.push(tokio::spawn(async move {
                let r = req.send().await.unwrap();
                (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null))
            }));
        }
        for t in tasks {
            let (s, b) = t.await.unwrap();
            tally(&mut tally_all, s, b);
        }
        assert!(tally_all.other.is_empty(), "unexpected answers: {:?}", tally_all.other);
        let all = app.get("/v1/bookings?limit=500").await.body["data"].as_array().unwrap().clone();
        assert_no_overlap(&all);
        assert!(all.len() <= 6);
        // And in the database itself: each host's active occupancy rows are disjoint.
        let tenant = app.store.list_tenants(sked_store::Page { limit: 10, after: None }).await.unwrap()[0].id;
        for h in &w.hosts {
            let range = sked_core::Interval::new(0, i64::MAX / 2);
            let (occ, _) = app.store.host_busy(tenant, h.parse().unwrap(), range).await.unwrap();
            for pair in occ.windows(2) {
                assert!(pair[0].blocked_end <= pair[1].blocked_start, "{pair:?}");
            }
        }
        app
    })
    .await;
}

/// Two `sked serve` processes on one PostgreSQL database, hammered at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_postgres_database_never_double_book() {
    let Some(db) = sked_test_utils::TestDb::new(sked_store::Backend::Postgres).await else { return };
    let a = Server::start(&db.url).await;
    let b = Server::start(&db.url).await;
    let client = sked_test_utils::http();
    let tenant: Value = client
        .post(format!("{}/v1/tenants", a.base))
        .bearer_auth(OPERATOR_KEY)
        .json(&json!({"name": "Storm"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = tenant["api_key"].as_str().unwrap().to_owned();
    let post = |base: &str, path: &str, body: Value| {
        let req = client.post(format!("{base}{path}")).bearer_auth(&key).json(&body);
        async move {
            let r = req.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // Open every day, all day, UTC: the servers run on the real clock.
    let all_day = json!([{"start": "00:00", "end": "24:00"}]);
    let weekly: serde_json::Map<String, Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| (d.to_string(), all_day.clone()))
        .collect();
    let (_, s) =
        post(&a.base, "/v1/schedules", json!({"name": "Always", "time_zone": "UTC", "weekly": weekly})).await;
    let mut hosts = vec![];
    for name in ["Ann", "Bob"] {
        let (_, h) =
            post(&b.base, "/v1/hosts", json!({"name": name, "time_zone": "UTC", "schedule_id": s["id"]}))
                .await;
        hosts.push(h["id"].clone());
    }
    let (_, e) = post(&a.base, "/v1/event-types", json!({"slug": "c", "title": "C", "duration_minutes": 30, "buffer_after_minutes": 10, "host_ids": hosts})).await;
    let et = e["id"].as_str().unwrap().to_owned();
    #[allow(clippy::disallowed_methods)] // The servers run on the real clock; so must their inputs.
    let day = jiff::Timestamp::now().as_second().div_euclid(86_400) * 86_400 + 3 * 86_400;
    let starts: Vec<String> = (0..8).map(|k| sked_server::time::rfc3339(day + k * 1_800)).collect();
    let bases = [a.base.clone(), b.base.clone()];
    let mut rng = Lcg(11);
    let mut t = Tally::default();
    let creates: Vec<_> = (0..200)
        .map(|i| post(&bases[i % 2], "/v1/bookings", booking(&et, &starts[rng.below(8) as usize], "guest")))
        .collect();
    let mut ids = vec![];
    for (s, body) in futures::future::join_all(creates).await {
        ids.extend(tally(&mut t, s, body));
    }
    let moves: Vec<_> = (0..200)
        .map(|i| {
            let start = &starts[rng.below(8) as usize];
            if i % 4 == 0 {
                post(&bases[i % 2], "/v1/bookings", booking(&et, start, "late"))
            } else {
                let id = &ids[rng.below(ids.len() as u64) as usize];
                post(&bases[(i + 1) % 2], &format!("/v1/bookings/{id}/reschedule"), json!({"start": start}))
            }
        })
        .collect();
    for (s, body) in futures::future::join_all(moves).await {
        tally(&mut t, s, body);
    }
    assert!(t.other.is_empty(), "unexpected answers: {:?}", t.other);
    assert!(t.conflicts > 100 && t.created >= 6, "{t:?}");
    let list: Value = client
        .get(format!("{}/v1/bookings?limit=500", b.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_no_overlap(list["data"].as_array().unwrap());
    a.stop().await;
    b.stop().await;
    db.drop_db().await;
}
