//! Outlook, CalDAV and ICS feeds, each against its peer on loopback (the Microsoft Graph
//! stand-in, a real Radicale, a feed server answering with ETags):
//!
//! - `<provider>_<store>/sync/initial_5000_events_200_series`: a full sync of a calendar of
//!   5,000 events (4,700 single events over a year, 200 series, 100 moved occurrences), from the
//!   listing through recurrence expansion to the stored busy time.
//! - `.../incremental_50_changes`: a sync after the host moved 50 events (for a feed, the whole
//!   feed is read again with 50 events moved; `unchanged_304` is a poll the server answers
//!   `304 Not Modified`).
//! - `mixed_<store>/slots_14_days_10_hosts`: slots of a 10-host team whose calendars come from
//!   three Google, three Outlook, two CalDAV and two ICS connections (300 events each), against
//!   the same team with no calendars: `warm_http` through HTTP as clients see it, and
//!   `cold_snapshot`, the availability snapshot built from nothing.
//!
//! SQLite always; PostgreSQL too when `SKED_TEST_POSTGRES_URL` names a server. The CalDAV parts
//! are skipped, with the reason printed, where Radicale is not installed.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::hint::black_box;

use common::feed::FeedServer;
use common::*;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde_json::json;
use sked_caldav::{Account, CalDav, CalDavConfig};
use sked_core::ids::ConnectionId;
use sked_server::calendars::sync::{SyncReport, sync};
use sked_store::Backend;
use sked_test_utils::radicale::Radicale;
use tokio::runtime::Runtime;

const PASSWORD: &str = "app-pass-Xq7v9Lw2";

fn benches(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(env) = rt.block_on(Env::start(backend)) else { continue };
        let name = format!("{backend:?}").to_lowercase();
        let radicale = Radicale::start();
        let feeds = rt.block_on(FeedServer::start());
        if selected("microsoft") {
            microsoft_sync(c, &rt, &env, &name);
        }
        if let Some(dav) = radicale.as_ref().filter(|_| selected("caldav")) {
            caldav_sync(c, &rt, &env, dav, &name);
        }
        if selected("ics") {
            feed_sync(c, &rt, &env, &feeds, &name);
        }
        if selected("mixed") {
            mixed_slots(c, &rt, &env, radicale.as_ref(), &feeds, &name);
        }
    }
}

/// Whether a filter given on the command line (`cargo bench --bench providers -- mixed`) can
/// match the groups named `<prefix>_...`: their calendars are set up only then, which takes
/// minutes for the big ones.
fn selected(prefix: &str) -> bool {
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    filters.is_empty() || filters.iter().any(|f| f.starts_with(prefix) || prefix.starts_with(f.as_str()))
}

/// The year-long calendar the sync benchmarks read.
fn big_calendar() -> Vec<Ev> {
    let events = calendar(&mut Rng(0x5eed_cafe), 4_700, 200, 365);
    assert_eq!(event_count(&events), 5_000);
    events
}

async fn report(env: &Env, host: &str, what: &str, backend: &str) {
    eprintln!("[{backend}] {what}: {} busy intervals stored", env.busy_count(host).await);
}

/// Benchmarks a full sync of `cal`, and an incremental one after `change` moved 50 events.
fn sync_group(
    c: &mut Criterion,
    rt: &Runtime,
    env: &Env,
    group: &str,
    (conn, cal): (ConnectionId, &str),
    mut change: impl FnMut(usize),
) {
    let mut group = c.benchmark_group(group);
    group.sample_size(10);
    group.bench_function("initial_5000_events_200_series", |b| {
        b.iter(|| rt.block_on(async { black_box(sync(&env.state, conn, cal, true).await.unwrap()) }))
    });
    let mut round = 0;
    group.bench_function("incremental_50_changes", |b| {
        b.iter_batched(
            || {
                round += 1;
                change(round);
            },
            |()| {
                let r: SyncReport = rt.block_on(sync(&env.state, conn, cal, false)).unwrap();
                assert!(r.events >= 50, "{r:?}");
                r
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn microsoft_sync(c: &mut Criterion, rt: &Runtime, env: &Env, backend: &str) {
    let (hosts, _) = rt.block_on(env.team(1, "outlook"));
    let account = "ann@outlook.bench.test";
    env.ms.set_account(account);
    let events = big_calendar();
    let ids = to_microsoft(&env.ms, &env.ms.default_calendar(), &events);
    let conn = rt.block_on(env.connect_microsoft(&hosts[0], account));
    let cal = rt.block_on(env.busy_calendar(conn));
    rt.block_on(report(env, &hosts[0], "Outlook, 5,000 events", backend));
    let ms = env.ms.clone();
    sync_group(c, rt, env, &format!("microsoft_{backend}/sync"), (conn, &cal), |round| {
        let at = shift(round);
        for (i, e) in fifty(&events, round) {
            ms.move_event(&ids[i], utc(at), utc(at + e.minutes * 60));
        }
    });
}

/// The UID of a calendar object.
fn uid_of(ics: &str) -> String {
    let line = ics.lines().find(|l| l.starts_with("UID:")).unwrap();
    line.trim_start_matches("UID:").trim().to_owned()
}

/// A CalDAV account `user` on `dav` with one empty calendar; answers the client, the account
/// and the calendar's URL.
async fn dav_account(dav: &Radicale, user: &str) -> (CalDav, Account, String) {
    let client = CalDav::new(CalDavConfig::default()).unwrap();
    let account = Account::new(&dav.url(), user, PASSWORD).unwrap();
    let url = format!("{}{user}/work/", dav.url());
    client.mkcalendar(&account, &url, "Work").await.unwrap();
    (client, account, url)
}

/// Replaces the calendar at `url` with one holding `events`, written in one `PUT` of the whole
/// collection (Radicale's bulk upload; one object per event is far slower to set up); answers
/// each event's href and ETag by UID.
async fn dav_fill(
    (client, account, url): &(CalDav, Account, String),
    events: &[Ev],
) -> HashMap<String, (String, String)> {
    let body = vcalendar(&events.iter().map(vevents).collect::<String>());
    let put = reqwest::Client::new()
        .put(url)
        .basic_auth(&account.username, Some(PASSWORD))
        .header("content-type", "text/calendar")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "PUT {url}: {}", put.status());
    // A fresh Radicale builds its sync history of every object at the first sync-collection
    // (about 45 s for 5,000 here, fsync by fsync); a server in use has long done so. Built here,
    // outside the measurements and past the client's timeout.
    let report = r#"<?xml version="1.0"?><D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"#;
    let primed = reqwest::Client::new()
        .request(reqwest::Method::from_bytes(b"REPORT").unwrap(), url)
        .basic_auth(&account.username, Some(PASSWORD))
        .header("content-type", "application/xml")
        .timeout(std::time::Duration::from_secs(600))
        .body(report)
        .send()
        .await
        .unwrap();
    assert!(primed.status().is_success(), "REPORT {url}: {}", primed.status());
    let mut hrefs = HashMap::new();
    for r in client.calendar_query(account, url, None, false).await.unwrap() {
        hrefs.insert(uid_of(&r.data), (r.href, r.etag.unwrap()));
    }
    assert_eq!(hrefs.len(), events.len());
    hrefs
}

/// Connects `host` to `user`'s account on `dav` while its calendar is still empty (discovery
/// over a calendar of thousands of fresh objects can outlast the client's timeout while
/// Radicale builds its cache), then fills the calendar with `events`.
async fn connect_dav(
    env: &Env,
    dav: &Radicale,
    host: &str,
    user: &str,
    events: &[Ev],
) -> (ConnectionId, (CalDav, Account, String), HashMap<String, (String, String)>) {
    let account = dav_account(dav, user).await;
    let body = json!({"url": dav.url(), "username": user, "password": PASSWORD});
    let conn = env.connect_direct(host, "caldav", body).await;
    let hrefs = dav_fill(&account, events).await;
    (conn, account, hrefs)
}

fn caldav_sync(c: &mut Criterion, rt: &Runtime, env: &Env, dav: &Radicale, backend: &str) {
    let (hosts, _) = rt.block_on(env.team(1, "caldav"));
    let events = big_calendar();
    let (conn, (client, account, _), mut hrefs) =
        rt.block_on(connect_dav(env, dav, &hosts[0], "ann", &events));
    let cal = rt.block_on(env.busy_calendar(conn));
    rt.block_on(sync(&env.state, conn, &cal, true)).unwrap();
    rt.block_on(report(env, &hosts[0], "CalDAV, 5,000 events", backend));
    sync_group(c, rt, env, &format!("caldav_{backend}/sync"), (conn, &cal), |round| {
        let at = shift(round);
        rt.block_on(async {
            for (_, e) in fifty(&events, round) {
                let (href, etag) = hrefs.get(&e.uid).unwrap().clone();
                let ics = vcalendar(&vevents(&moved_single(e, at)));
                let etag = client.put_update(&account, &href, &ics, &etag).await.unwrap().unwrap();
                hrefs.insert(e.uid.clone(), (href, etag));
            }
        })
    });
}

fn feed_sync(c: &mut Criterion, rt: &Runtime, env: &Env, feeds: &FeedServer, backend: &str) {
    let (hosts, _) = rt.block_on(env.team(1, "feed"));
    let mut events = big_calendar();
    let path = "/u/bench/basic.ics";
    let body = |events: &[Ev]| vcalendar(&events.iter().map(vevents).collect::<String>());
    let url = feeds.publish(path, "v0", body(&events));
    let conn = rt.block_on(env.connect_direct(&hosts[0], "ics", json!({"url": url})));
    let cal = rt.block_on(env.busy_calendar(conn));
    rt.block_on(report(env, &hosts[0], "ICS feed, 5,000 events", backend));
    let group = format!("ics_{backend}/sync");
    sync_group(c, rt, env, &group, (conn, &cal), |round| {
        let at = shift(round);
        let moved: Vec<usize> = fifty(&events, round).map(|(i, _)| i).collect();
        for i in moved {
            events[i] = moved_single(&events[i], at);
        }
        feeds.publish(path, &format!("v{round}"), body(&events));
    });
    let mut group = c.benchmark_group(group);
    group.bench_function("unchanged_304", |b| {
        b.iter(|| {
            let r = rt.block_on(sync(&env.state, conn, &cal, false)).unwrap();
            assert_eq!(r.events, 0, "{r:?}");
            r
        })
    });
    group.finish();
}

/// Connects hosts 0–2 to Google, 3–5 to Outlook, 6–7 to CalDAV (ICS feeds without Radicale)
/// and 8–9 to ICS feeds, each calendar holding 290 single events and 10 series over 60 days.
async fn connect_mixed(env: &Env, hosts: &[String], dav: Option<&Radicale>, feeds: &FeedServer) {
    let mut rng = Rng(0xdec0_de42);
    for (i, h) in hosts.iter().enumerate() {
        let events = calendar(&mut rng, 290, 10, 60);
        match (i, dav) {
            (0..=2, _) => {
                let account = format!("host{i}@google.bench.test");
                env.g.set_account(&account);
                to_google(&env.g, &account, &events);
                env.connect_google(h, &account).await;
            }
            (3..=5, _) => {
                let account = format!("host{i}@outlook.bench.test");
                env.ms.set_account(&account);
                to_microsoft(&env.ms, &env.ms.default_calendar(), &events);
                env.connect_microsoft(h, &account).await;
            }
            (6..=7, Some(dav)) => {
                let (conn, _, _) = connect_dav(env, dav, h, &format!("host{i}"), &events).await;
                let cal = env.busy_calendar(conn).await;
                sync(&env.state, conn, &cal, true).await.unwrap();
            }
            _ => {
                let body = vcalendar(&events.iter().map(vevents).collect::<String>());
                let url = feeds.publish(&format!("/u/host{i}/basic.ics"), "v1", body);
                env.connect_direct(h, "ics", json!({"url": url})).await;
            }
        }
    }
}

fn mixed_slots(
    c: &mut Criterion,
    rt: &Runtime,
    env: &Env,
    dav: Option<&Radicale>,
    feeds: &FeedServer,
    backend: &str,
) {
    if dav.is_none() {
        eprintln!("[{backend}] Radicale is not installed: hosts 6 and 7 read ICS feeds instead of CalDAV");
    }
    let (_, plain) = rt.block_on(env.team(10, "plain"));
    let (hosts, mixed) = rt.block_on(env.team(10, "mixed"));
    rt.block_on(connect_mixed(env, &hosts, dav, feeds));
    for h in &hosts {
        rt.block_on(report(env, h, "mixed team host", backend));
    }
    let mut group = c.benchmark_group(format!("mixed_{backend}/slots_14_days_10_hosts"));
    let both = [("unconnected", plain), ("10_calendars", mixed)];
    warm_http(&mut group, rt, env, both);
    cold_snapshot(&mut group, rt, env, both);
    group.finish();
}

criterion_group!(providers, benches);
criterion_main!(providers);
