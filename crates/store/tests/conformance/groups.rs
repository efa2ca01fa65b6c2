//! New bookings written together (SQLite commits them in groups, PostgreSQL writes a group with
//! one statement): every count they share adds up, every part of each is written, and a group
//! that cannot be written as a whole still gives each booking its own outcome.

use std::sync::Arc;

use sked_core::Interval;
use sked_core::ids::*;
use sked_store::*;
use sked_test_utils::on_each_store;

use crate::fixtures::*;

/// Creates `writes` all at once; answers each outcome in order.
async fn at_once(s: &DynStore, writes: Vec<BookingWrite>) -> Vec<StoreResult<()>> {
    let tasks: Vec<_> = writes
        .into_iter()
        .map(|w| {
            let s = s.clone();
            tokio::spawn(async move { s.create_booking(&w).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// Where the long booking of the first test starts.
const LONG: i64 = T0 + 200 * 7_200;

#[tokio::test]
async fn bookings_written_at_once_count_every_change_of_the_hosts_they_share() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = Arc::new(world(&s).await);
        let (a, b) = (w.hosts[0].id, w.hosts[1].id);
        let before = s.availability_versions(w.tenant, w.event_type.id).await.unwrap();
        // 48 bookings two hours apart: a's, b's and both's in turn, each created a second later
        // than the one before, every fourth with an idempotency record; one of a's 20 hours long,
        // well after the others.
        let writes: Vec<BookingWrite> = (0..48i64)
            .map(|i| {
                let hosts = [vec![a], vec![b], vec![a, b]][(i % 3) as usize].clone();
                let mut new = booking(&w, &hosts, T0 + i * 7_200, &format!("G{i:05}"));
                new.created_at = T0 + i;
                if i == 45 {
                    (new.start_at, new.end_at) = (LONG, LONG + 20 * 3_600);
                }
                let mut write = write(new, "created");
                if i % 4 == 0 {
                    write.idempotency = Some(IdempotentResponse {
                        tenant_id: w.tenant,
                        key: format!("key-{i}"),
                        request_hash: vec![1, 2, 3],
                        status: 201,
                        response: format!("{{\"n\":{i}}}"),
                        created_at: T0,
                    });
                }
                write
            })
            .collect();
        let bookings: Vec<Booking> = writes.iter().map(|w| w.booking.clone()).collect();
        assert!(at_once(&s, writes).await.iter().all(Result::is_ok));
        for new in &bookings {
            assert_eq!(&s.booking(w.tenant, new.id).await.unwrap(), new);
            assert_eq!(s.booking_history(w.tenant, new.id).await.unwrap().len(), 1);
        }
        let jobs = s.list_jobs(w.tenant, None, page(500)).await.unwrap();
        assert_eq!(jobs.len(), 48, "one job per booking");
        for i in (0..48).step_by(4) {
            let kept = s.idempotent_response(w.tenant, &format!("key-{i}")).await.unwrap().unwrap();
            assert_eq!(kept.response, format!("{{\"n\":{i}}}"));
        }
        // Each host's version moved once per booking occupying it (32 each: its own 16 and the
        // 16 of both), so no snapshot of either misses one.
        let after = s.availability_versions(w.tenant, w.event_type.id).await.unwrap();
        assert_eq!(after[1] - before[1], 32);
        assert_eq!(after[2] - before[2], 32);
        // Round robin counts the bookings assigned to each (a: its own and both's), and the last.
        let loads = s.host_loads(w.tenant, w.event_type.id, &[a, b], None).await.unwrap();
        assert_eq!((loads[0].assigned, loads[0].last_assigned_at), (32, Some(T0 + 47)));
        assert_eq!((loads[1].assigned, loads[1].last_assigned_at), (16, Some(T0 + 46)));
        // The long booking grew a's reach: a booking deep inside it is refused.
        assert_eq!(s.host(w.tenant, a).await.unwrap().max_span, 20 * 3_600 + 600);
        let inside = booking(&w, &[a], LONG + 18 * 3_600, "GIN001");
        assert!(matches!(s.create_booking(&write(inside, "created")).await, Err(StoreError::SlotTaken)));
        db
    })
    .await;
}

#[tokio::test]
async fn a_booking_that_cannot_be_written_with_the_others_leaves_them_written() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = Arc::new(world(&s).await);
        let (a, b) = (w.hosts[0].id, w.hosts[1].id);
        s.create_booking(&write(booking(&w, &[b], T0, "TAKEN0"), "created")).await.unwrap();
        // Free bookings, each with one that cannot be written beside it: a time already taken,
        // a reused code, a host that does not exist.
        let gone = HostId::new();
        let writes: Vec<BookingWrite> = (0..40i64)
            .map(|i| {
                let new = match i % 4 {
                    0 => booking(&w, &[b], T0 + 600, &format!("X{i:05}")),
                    1 => booking(&w, &[a], T0 + i * 7_200, "TAKEN0"),
                    2 => booking(&w, &[gone], T0 + i * 7_200, &format!("Y{i:05}")),
                    _ => booking(&w, &[a], T0 + i * 7_200, &format!("F{i:05}")),
                };
                write(new, "created")
            })
            .collect();
        let ids: Vec<BookingId> = writes.iter().map(|w| w.booking.id).collect();
        let outcomes = at_once(&s, writes).await;
        for (i, (out, id)) in outcomes.iter().zip(&ids).enumerate() {
            match (i % 4, out) {
                (0, Err(StoreError::SlotTaken)) => {}
                (1, Err(StoreError::Duplicate("confirmation_code"))) => {}
                (2, Err(StoreError::NotFound)) => {}
                (3, Ok(())) => {
                    assert_eq!(s.booking_history(w.tenant, *id).await.unwrap().len(), 1);
                    continue;
                }
                (_, out) => panic!("booking {i}: unexpected {out:?}"),
            }
            assert!(matches!(s.booking(w.tenant, *id).await, Err(StoreError::NotFound)));
            assert!(s.booking_history(w.tenant, *id).await.unwrap().is_empty());
        }
        assert_eq!(s.list_jobs(w.tenant, None, page(500)).await.unwrap().len(), 1 + 10);
        let (occ, _) = s.host_busy(w.tenant, a, Interval::new(T0 - 86_400, T0 + 60 * 86_400)).await.unwrap();
        assert_eq!(occ.len(), 10);
        db
    })
    .await;
}
