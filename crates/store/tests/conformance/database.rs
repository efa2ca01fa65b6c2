//! What the database itself holds to, past the store's own checks (overlapping occupancy, the
//! names it knows), and the rows bookings share: a host's row and its spread counts (round-robin
//! loads, including counts kept before they were spread).

use std::sync::Arc;

use sked_core::Interval;
use sked_core::booking::BookingStatus;
use sked_store::*;
use sked_test_utils::on_each_store;

use crate::fixtures::*;

/// A new booking updates no row that every booking of its host updates: on PostgreSQL such a
/// row made a host's bookings commit one after another. Here a transaction holds the host's row
/// (as a booking writing it would until its commit reached the disk) while the host is booked
/// and its booking cancelled; both go through, and the host's slot version still moves. (Only a
/// booking longer than any the host had before writes the row, to grow its reach.)
#[tokio::test]
async fn bookings_do_not_wait_for_their_hosts_row() {
    sked_test_utils::on_store(Backend::Postgres, |db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let h = w.hosts[0].id;
        // The host's first booking grows its longest blocked interval (a write of its row, once).
        s.create_booking(&write(booking(&w, &[h], T0 - 86_400, "HOLD00"), "created")).await.unwrap();
        let before = s.availability_versions(w.tenant, w.event_type.id).await.unwrap();
        let raw = sqlx::PgPool::connect(&db.url).await.unwrap();
        let mut holder = raw.begin().await.unwrap();
        sqlx::query("SELECT 1 FROM hosts WHERE id = $1 FOR NO KEY UPDATE")
            .bind(h.0)
            .execute(&mut *holder)
            .await
            .unwrap();
        let b = booking(&w, &[h], T0, "HOLD01");
        let wait = std::time::Duration::from_secs(30);
        let booked = tokio::time::timeout(wait, s.create_booking(&write(b.clone(), "created"))).await;
        let cancelled = Booking { status: BookingStatus::Cancelled, sequence: 1, ..b };
        let undone = tokio::time::timeout(wait, s.cancel_booking(&write(cancelled, "cancelled"))).await;
        holder.rollback().await.unwrap();
        assert!(matches!(booked, Ok(Ok(()))), "the booking waited for its host's row: {booked:?}");
        assert!(matches!(undone, Ok(Ok(()))), "the cancellation waited for its host's row: {undone:?}");
        let after = s.availability_versions(w.tenant, w.event_type.id).await.unwrap();
        assert!(after[1] >= before[1] + 2 && after[2] == before[2], "{before:?} {after:?}");
        raw.close().await;
        drop(s);
        db
    })
    .await;
}

/// The store on `db` with PostgreSQL's deadlock detector put off for an hour: a lock wait over
/// `lock_timeout` fails instead, so a deadlock shows as an error rather than a retry.
async fn without_deadlock_detector(db: &sked_test_utils::TestDb, lock_timeout: &str) -> DynStore {
    let sep = if db.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}options[deadlock_timeout]=1h&options[lock_timeout]={lock_timeout}", db.url);
    sked_store::connect(&url).await.unwrap()
}

/// A rush on one time, on PostgreSQL with its deadlock detector put off for an hour (a lock wait
/// over 20 seconds fails instead): overlapping creates, on one host and on two in either order,
/// then moves onto the winner's time while it is cancelled, all finish with a clear answer. The
/// overlap constraint checks a row after inserting it, so two overlapping inserts at once each
/// waited for the other until the detector broke the tie (a second later by default, per pair);
/// writes of overlapping times now take turns first.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rush_on_one_time_takes_turns_instead_of_deadlocking() {
    sked_test_utils::on_store(Backend::Postgres, |db| async move {
        let s = without_deadlock_detector(&db, "20s").await;
        let w = Arc::new(world(&s).await);
        let (a, b) = (w.hosts[0].id, w.hosts[1].id);
        // The hosts' first bookings grow their reach (a write of their rows): the rush's do not.
        for (h, code) in [(a, "GROW01"), (b, "GROW02")] {
            s.create_booking(&write(booking(&w, &[h], T0 - 7 * 86_400, code), "created")).await.unwrap();
        }
        let answers = |tasks: Vec<tokio::task::JoinHandle<StoreResult<()>>>| async move {
            let mut won = 0;
            for t in tasks {
                match t.await.unwrap() {
                    Ok(()) => won += 1,
                    Err(StoreError::SlotTaken) => {}
                    Err(e) => panic!("unexpected {e:?}"),
                }
            }
            won
        };
        // Rushes on six times a day apart, 48 creates each within 20 minutes (30 minutes long: all
        // of a rush overlapping on a), all at once.
        let creates = (0..288i64)
            .map(|i| {
                let hosts = match i % 4 {
                    0 => vec![a, b],
                    1 => vec![b, a],
                    _ => vec![a],
                };
                let start = T0 + (i % 6) * 86_400 + (i % 20) * 60;
                let new = booking(&w, &hosts, start, &format!("R{i:05}"));
                let s = s.clone();
                tokio::spawn(async move { s.create_booking(&write(new, "created")).await })
            })
            .collect();
        assert_eq!(answers(creates).await, 6, "one of each rush");
        let rush = Interval::new(T0 - 3_600, T0 + 3_600);
        let (won, _) = s.host_busy(w.tenant, a, rush).await.unwrap();
        let winner = s.booking(w.tenant, won[0].booking_id).await.unwrap();
        // Bookings on b far off, moved onto a over the winner's time while it is cancelled.
        let mut away = vec![];
        for k in 0..16 {
            let far = booking(&w, &[b], T0 + 9 * 86_400 + k * 7_200, &format!("M{k:05}"));
            s.create_booking(&write(far.clone(), "created")).await.unwrap();
            away.push(far);
        }
        let cancelled = Booking { status: BookingStatus::Cancelled, sequence: 1, ..winner };
        let mut tasks = vec![{
            let s = s.clone();
            tokio::spawn(async move { s.cancel_booking(&write(cancelled, "cancelled")).await })
        }];
        for (k, far) in away.into_iter().enumerate() {
            let start = T0 + (k as i64 % 8) * 60;
            let moved = Booking {
                start_at: start,
                end_at: start + 1_800,
                host_id: a,
                host_ids: Ids(vec![a]),
                sequence: 1,
                ..far
            };
            let s = s.clone();
            tasks.push(tokio::spawn(async move { s.reschedule_booking(&write(moved, "rescheduled")).await }));
        }
        let done = answers(tasks).await;
        assert!((1..=2).contains(&done), "the cancellation and at most one move: {done}");
        let (occ, _) = s.host_busy(w.tenant, a, rush).await.unwrap();
        assert_eq!(occ.len(), done - 1);
        drop(s);
        db
    })
    .await;
}

/// Two bookings of the same two hosts listed in opposite orders, at times a day apart (no turn
/// in common) and counted in the same row of each host's spread counts: on PostgreSQL, with the
/// deadlock detector put off, a trigger holds each after its first count. Counting its hosts in
/// the booking's own order, each held one host's row and waited for the other's (a deadlock,
/// broken a second later by the detector and retried, by default); in the order of the hosts'
/// ids, the second waits before it holds any.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookings_of_the_same_hosts_in_either_order_count_their_changes_in_one_order() {
    sked_test_utils::on_store(Backend::Postgres, |db| async move {
        let s = without_deadlock_detector(&db, "10s").await;
        let w = world(&s).await;
        let (a, b) = (w.hosts[0].id, w.hosts[1].id);
        // Ids in one shard (their low bits), so both count in the same rows; those rows made.
        let same_shard = |k: u128| loop {
            let id = sked_core::ids::BookingId::new();
            if id.0.as_u128() % 16 == k {
                break id;
            }
        };
        let k = sked_core::ids::BookingId::new().0.as_u128() % 16;
        let first = Booking { id: same_shard(k), ..booking(&w, &[a, b], T0 - 7 * 86_400, "ORDER0") };
        s.create_booking(&write(first, "created")).await.unwrap();
        let raw = sqlx::PgPool::connect(&db.url).await.unwrap();
        for sql in [
            "CREATE FUNCTION gate() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN PERFORM pg_advisory_xact_lock_shared(4343); RETURN NEW; END $$",
            // Before the update: the row is locked by then, and held while the gate is shut.
            "CREATE TRIGGER gate BEFORE UPDATE ON occupancy_changes FOR EACH ROW EXECUTE FUNCTION gate()",
        ] {
            sqlx::query(sql).execute(&raw).await.unwrap();
        }
        let mut gate = raw.acquire().await.unwrap();
        sqlx::query("SELECT pg_advisory_lock(4343)").execute(&mut *gate).await.unwrap();
        let held = || async {
            let q = "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
                 WHERE NOT l.granted AND a.datname = current_database()";
            let (n,): (i64,) = sqlx::query_as(q).fetch_one(&raw).await.unwrap();
            n
        };
        let mut tasks = Vec::new();
        for (i, hosts) in [[a, b], [b, a]].into_iter().enumerate() {
            let start = T0 + i as i64 * 86_400;
            let new = Booking { id: same_shard(k), ..booking(&w, &hosts, start, &format!("ORDER{}", i + 1)) };
            // A store each, as two processes: one store writes its new bookings a group at a time.
            let s = without_deadlock_detector(&db, "10s").await;
            tasks.push(tokio::spawn(async move { s.create_booking(&write(new, "created")).await }));
            // Each write is waiting (at the gate, or for the other's row) before the next starts.
            let mut waited = 0;
            while held().await < i as i64 + 1 {
                waited += 1;
                assert!(waited < 3_000, "the write never waited");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
        sqlx::query("SELECT pg_advisory_unlock(4343)").execute(&mut *gate).await.unwrap();
        for t in tasks {
            let done = t.await.unwrap();
            assert!(matches!(done, Ok(())), "{done:?}");
        }
        drop(gate);
        raw.close().await;
        drop(s);
        db
    })
    .await;
}

/// Writes held at a gate, and the locks others wait for: (type, second half of an advisory key).
type Waits = (i64, Vec<(String, Option<i64>)>);

/// Two writes of overlapping times on PostgreSQL: the second waits for its turn before it
/// inserts anything, not on the first one's inserted row (where a third could make both wait for
/// each other). A trigger in this test's database holds the first write after its inserts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlapping_write_waits_for_its_turn_not_on_a_row() {
    sked_test_utils::on_store(Backend::Postgres, |db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let a = w.hosts[0].id;
        s.create_booking(&write(booking(&w, &[a], T0 - 7 * 86_400, "GROW01"), "created")).await.unwrap();
        let raw = sqlx::PgPool::connect(&db.url).await.unwrap();
        for sql in [
            "CREATE FUNCTION gate() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN NULL; END $$",
            "CREATE TRIGGER gate AFTER INSERT ON booking_hosts FOR EACH ROW EXECUTE FUNCTION gate()",
        ] {
            sqlx::query(sql).execute(&raw).await.unwrap();
        }
        let mut gate = raw.acquire().await.unwrap();
        sqlx::query("SELECT pg_advisory_lock(4242)").execute(&mut *gate).await.unwrap();
        let waits = || async {
            let q = "SELECT l.locktype, l.objsubid::int8 FROM pg_locks l JOIN pg_stat_activity a USING (pid) \
             WHERE NOT l.granted AND a.datname = current_database() AND l.objid IS DISTINCT FROM 4242";
            let gated =
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'advisory' AND objid = 4242";
            let (g,): (i64,) = sqlx::query_as(gated).fetch_one(&raw).await.unwrap();
            (g, sqlx::query_as::<_, (String, Option<i64>)>(q).fetch_all(&raw).await.unwrap())
        };
        let until = |want: fn(&Waits) -> bool| async move {
            for _ in 0..3_000 {
                let got = waits().await;
                if want(&got) {
                    return got;
                }
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            panic!("the writes never reached the expected waits: {:?}", waits().await);
        };
        let first = tokio::spawn({
            let (s, b) = (s.clone(), booking(&w, &[a], T0, "GATE01"));
            async move { s.create_booking(&write(b, "created")).await }
        });
        until(|(g, _)| *g == 1).await;
        // Another store, as another process: one store writes its new bookings a group at a time.
        let other = db.store().await;
        let second = tokio::spawn({
            let (s, b) = (other, booking(&w, &[a], T0 + 600, "GATE02"));
            async move { s.create_booking(&write(b, "created")).await }
        });
        let (_, waiting) = until(|(_, w)| !w.is_empty()).await;
        // Two-int advisory keys have 2 there; a wait on a row's transaction is `transactionid`.
        assert_eq!(waiting, [("advisory".to_owned(), Some(2))]);
        sqlx::query("SELECT pg_advisory_unlock(4242)").execute(&mut *gate).await.unwrap();
        assert!(matches!(first.await.unwrap(), Ok(())));
        assert!(matches!(second.await.unwrap(), Err(StoreError::SlotTaken)));
        drop(gate);
        raw.close().await;
        drop(s);
        db
    })
    .await;
}

#[tokio::test]
async fn host_loads_count_assignments_and_the_week() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let (a, b) = (w.hosts[0].id, w.hosts[1].id);
        let mut late = booking(&w, &[a], T0 + 86_400, "LLLLL1");
        late.created_at = T0 + 50;
        s.create_booking(&write(booking(&w, &[a], T0, "LLLLL0"), "created")).await.unwrap();
        s.create_booking(&write(late, "created")).await.unwrap();
        s.create_booking(&write(booking(&w, &[b], T0 + 30 * 86_400, "LLLLL2"), "created")).await.unwrap();
        let week = Interval::new(T0 - 86_400, T0 + 6 * 86_400);
        let loads = s.host_loads(w.tenant, w.event_type.id, &[a, b], Some(week)).await.unwrap();
        assert_eq!(loads[0], HostLoad { assigned: 2, last_assigned_at: Some(T0 + 50), week_load: 2 });
        assert_eq!(loads[1], HostLoad { assigned: 1, last_assigned_at: Some(T0), week_load: 0 });
        assert_eq!(loads_read_with_availability(&s, &w).await, without_week(&loads));
        // Moving a booking to the other host moves the count; cancelling takes it away.
        let mut moved = s.booking_by_code(w.tenant, "LLLLL0").await.unwrap();
        moved.host_id = b;
        moved.host_ids = Ids(vec![b]);
        moved.sequence = 1;
        moved.updated_at = T0 + 99;
        s.reschedule_booking(&write(moved.clone(), "rescheduled")).await.unwrap();
        let loads = s.host_loads(w.tenant, w.event_type.id, &[a, b], Some(week)).await.unwrap();
        assert_eq!((loads[0].assigned, loads[1].assigned, loads[1].last_assigned_at), (1, 2, Some(T0 + 99)));
        assert_eq!((loads[0].week_load, loads[1].week_load), (1, 1));
        moved.status = BookingStatus::Cancelled;
        s.cancel_booking(&write(moved, "cancelled")).await.unwrap();
        let loads = s.host_loads(w.tenant, w.event_type.id, &[a, b], Some(week)).await.unwrap();
        assert_eq!((loads[0].assigned, loads[1].assigned, loads[1].week_load), (1, 1, 0));
        // Counts kept before they were spread over rows (migration 0022) still count.
        let legacy = "INSERT INTO assignment_stats (event_type_id, host_id, tenant_id, assigned, last_assigned_at) \
             VALUES ($1, $2, $3, $4, $5)";
        raw(&db, legacy, &[w.event_type.id.0, a.0, w.tenant.0], &[5, T0 + 500]).await.unwrap();
        let loads = s.host_loads(w.tenant, w.event_type.id, &[a, b], Some(week)).await.unwrap();
        assert_eq!((loads[0].assigned, loads[0].last_assigned_at, loads[1].assigned), (6, Some(T0 + 500), 1));
        assert_eq!(loads_read_with_availability(&s, &w).await, without_week(&loads));
        db
    })
    .await;
}

/// The round-robin counts of the world's two hosts as a booking's near-start read answers them.
async fn loads_read_with_availability(s: &DynStore, w: &World) -> Vec<HostLoad> {
    let data =
        s.availability(w.tenant, w.event_type.id, Interval::new(T0, T0 + 1), true, None).await.unwrap();
    let hosts = [w.hosts[0].id, w.hosts[1].id];
    HostLoad::of(&hosts, &data.assigned.expect("asked for"), &[])
}

fn without_week(loads: &[HostLoad]) -> Vec<HostLoad> {
    loads.iter().map(|l| HostLoad { week_load: 0, ..*l }).collect()
}

/// Runs `sql` (binding `ids` as UUIDs) straight on the database, past the store's own checks.
async fn raw(
    db: &sked_test_utils::TestDb,
    sql: &'static str,
    ids: &[uuid::Uuid],
    times: &[i64],
) -> Result<(), String> {
    macro_rules! run {
        ($pool:expr) => {{
            let mut q = sqlx::query(sql);
            for id in ids {
                q = q.bind(*id);
            }
            for t in times {
                q = q.bind(*t);
            }
            q.execute(&$pool).await.map(drop).map_err(|e| e.to_string())
        }};
    }
    match db.backend {
        Backend::Sqlite => run!(sqlx::SqlitePool::connect(&db.url).await.unwrap()),
        Backend::Postgres => run!(sqlx::PgPool::connect(&db.url).await.unwrap()),
    }
}

#[tokio::test]
async fn the_database_itself_refuses_overlapping_occupancy() {
    // Past the booking flow and the store's own check, the database refuses a second active row
    // of one host over the same time: PostgreSQL's exclusion constraint, SQLite's triggers.
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let a = w.hosts[0].id;
        let first = booking(&w, &[a], T0, "GGGGGG");
        let later = booking(&w, &[a], T0 + 7_200, "GGGGG2");
        s.create_booking(&write(first.clone(), "created")).await.unwrap();
        s.create_booking(&write(later.clone(), "created")).await.unwrap();
        // Moving the later booking's row onto the first one's time.
        let moved = raw(
            &db,
            "UPDATE booking_hosts SET blocked_start = $2, blocked_end = $3 WHERE booking_id = $1",
            &[later.id.0],
            &[T0 + 600, T0 + 1_200],
        )
        .await;
        assert!(moved.unwrap_err().contains("booking_hosts_no_overlap"));
        // Writing a new row there.
        raw(&db, "DELETE FROM booking_hosts WHERE booking_id = $1", &[later.id.0], &[]).await.unwrap();
        let insert = "INSERT INTO booking_hosts (booking_id, host_id, tenant_id, position, active, \
             blocked_start, blocked_end, event_type_id, start_at) VALUES ($1, $2, $3, 0, TRUE, $5, $6, $4, $5)";
        let ids = [later.id.0, a.0, w.tenant.0, w.event_type.id.0];
        let inserted = raw(&db, insert, &ids, &[T0 + 600, T0 + 1_200]).await;
        assert!(inserted.unwrap_err().contains("booking_hosts_no_overlap"));
        // Next to it (half-open intervals), and as an inactive row, it is fine.
        raw(&db, insert, &ids, &[T0 + 2_400, T0 + 3_000]).await.unwrap();
        raw(&db, "UPDATE booking_hosts SET active = FALSE WHERE booking_id = $1", &[first.id.0], &[]).await.unwrap();
        raw(&db, "UPDATE booking_hosts SET blocked_start = $2, blocked_end = $3 WHERE booking_id = $1", &[later.id.0], &[T0, T0 + 600])
            .await
            .unwrap();
        db
    })
    .await;
}

#[tokio::test]
async fn the_database_refuses_names_it_does_not_know() {
    // Statuses, sources and strategies are a few names each; the database itself refuses any
    // other, naming the rule (PostgreSQL's CHECK constraints, SQLite's triggers).
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let b = booking(&w, &[w.hosts[0].id], T0, "GGGGGG");
        s.create_booking(&write(b.clone(), "created")).await.unwrap();
        let cases: [(&'static str, &str); 3] = [
            ("UPDATE bookings SET status = 'maybe' WHERE id = $1", "bookings_status_check"),
            ("UPDATE bookings SET source = 'fax' WHERE id = $1", "bookings_source_check"),
            ("UPDATE event_types SET assignment = 'random' WHERE id = $1", "event_types_assignment_check"),
        ];
        for (sql, rule) in cases {
            let id = if sql.contains("event_types") { w.event_type.id.0 } else { b.id.0 };
            let refused = raw(&db, sql, &[id], &[]).await;
            assert!(refused.as_ref().is_err_and(|e| e.contains(rule)), "{sql}: {refused:?}");
        }
        raw(&db, "UPDATE bookings SET status = 'cancelled' WHERE id = $1", &[b.id.0], &[]).await.unwrap();
        db
    })
    .await;
}
