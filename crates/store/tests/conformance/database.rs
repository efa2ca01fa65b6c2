//! What the database itself holds to, past the store's own checks (overlapping occupancy, the
//! names it knows), and the rows bookings share: a host's row and its spread counts (round-robin
//! loads, including counts kept before they were spread).

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
    let Some(db) = sked_test_utils::TestDb::new(Backend::Postgres).await else { return };
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
    db.drop_db().await;
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
    let data = s.availability(w.tenant, w.event_type.id, Interval::new(T0, T0 + 1), true).await.unwrap();
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
