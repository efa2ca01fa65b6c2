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

mod common;

use std::hint::black_box;

use common::*;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use serde_json::json;
use sked_app::AvailabilityCache;
use sked_server::calendars::sync::sync;
use sked_store::Backend;
use tokio::runtime::Runtime;

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
    let account = "ann@bench.test";
    env.g.set_account(account);
    // 4,700 single events, 200 series and 100 exceptions: 5,000 events.
    let events = calendar(&mut Rng(0x5eed_cafe), 4_700, 200, 365);
    to_google(&env.g, account, &events);
    let conn = rt.block_on(env.connect_google(&hosts[0], account));
    let busy = rt.block_on(env.busy_count(&hosts[0]));
    eprintln!("[{backend}] 5,000 events became {busy} busy intervals");
    let mut group = c.benchmark_group(format!("google_{backend}/sync"));
    group.sample_size(10);
    group.bench_function("initial_5000_events_200_series", |b| {
        b.iter(|| rt.block_on(async { black_box(sync(&env.state, conn, account, true).await.unwrap()) }))
    });
    let mut round = 0;
    group.bench_function("incremental_50_changes", |b| {
        b.iter_batched(
            || {
                round += 1;
                let at = shift(round);
                for (_, e) in fifty(&events, round) {
                    let end = utc(at + e.minutes * 60).to_string();
                    env.g.patch_event(
                        account,
                        &e.uid,
                        json!({"start": {"dateTime": utc(at).to_string()}, "end": {"dateTime": end}}),
                    );
                }
            },
            |()| {
                let r = rt.block_on(sync(&env.state, conn, account, false)).unwrap();
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
        to_google(&env.g, &account, &calendar(&mut rng, 290, 10, 60));
        rt.block_on(env.connect_google(h, &account));
    }
    let mut group = c.benchmark_group(format!("google_{backend}/slots_14_days_10_hosts"));
    let both = [("unconnected", plain), ("10_calendars", connected)];
    warm_http(&mut group, rt, env, both);
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
    cold_snapshot(&mut group, rt, env, both);
    group.finish();
}

criterion_group!(google, benches);
criterion_main!(google);
