//! Booking writes: overlap, buffers, collective occupancy, daily limits, reschedules, cancels,
//! atomic history/jobs/idempotency, concurrency, and listing.

use std::sync::Arc;

use sked_core::Interval;
use sked_core::booking::BookingStatus;
use sked_core::ids::*;
use sked_store::*;
use sked_test_utils::on_each_store;

use crate::fixtures::*;

async fn jobs_of(s: &DynStore, t: TenantId) -> usize {
    s.list_jobs(t, None, page(500)).await.unwrap().len()
}

#[tokio::test]
async fn overlapping_bookings_are_refused_and_nothing_is_written() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let a = w.hosts[0].id;
        let first = booking(&w, &[a], T0, "EEEEEE");
        s.create_booking(&write(first.clone(), "created")).await.unwrap();
        // 10:00-10:30 with a 10-minute buffer after blocks until 10:40.
        let overlapping = booking(&w, &[a], T0 + 1_800, "EEEEE2");
        assert!(matches!(
            s.create_booking(&write(overlapping.clone(), "created")).await,
            Err(StoreError::SlotTaken)
        ));
        assert!(matches!(s.booking(w.tenant, overlapping.id).await, Err(StoreError::NotFound)));
        assert!(s.booking_history(w.tenant, overlapping.id).await.unwrap().is_empty());
        assert_eq!(jobs_of(&s, w.tenant).await, 1, "the refused booking enqueued nothing");
        // Starting where the blocked interval ends is fine (half-open intervals).
        s.create_booking(&write(booking(&w, &[a], T0 + 2_400, "EEEEE3"), "created")).await.unwrap();
        // The other host is free at the same time.
        s.create_booking(&write(booking(&w, &[w.hosts[1].id], T0, "EEEEE4"), "created")).await.unwrap();
        // A code is unique per tenant.
        let dup = booking(&w, &[a], T0 + 86_400, "EEEEEE");
        assert!(matches!(
            s.create_booking(&write(dup, "created")).await,
            Err(StoreError::Duplicate("confirmation_code"))
        ));
        // A booking's iCalendar UID is unique too.
        let same_uid = Booking { uid: first.uid.clone(), ..booking(&w, &[a], T0 + 86_400, "EEEEE5") };
        assert!(matches!(
            s.create_booking(&write(same_uid, "created")).await,
            Err(StoreError::Duplicate("uid"))
        ));
        let got = s.booking(w.tenant, first.id).await.unwrap();
        assert_eq!(got, first);
        assert_eq!(s.booking_by_code(w.tenant, "EEEEEE").await.unwrap().id, first.id);
        assert_eq!(s.booking_history(w.tenant, first.id).await.unwrap().len(), 1);
        db
    })
    .await;
}

#[tokio::test]
async fn a_collective_booking_occupies_every_host() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let (a, b) = (w.hosts[0].id, w.hosts[1].id);
        s.create_booking(&write(booking(&w, &[a, b], T0, "FFFFFF"), "created")).await.unwrap();
        for h in [a, b] {
            let r = s
                .create_booking(&write(
                    booking(&w, &[h], T0 + 600, &format!("FFFFF{}", h.0.as_u128() % 7)),
                    "created",
                ))
                .await;
            assert!(matches!(r, Err(StoreError::SlotTaken)));
        }
        let (occ, _) = s.host_busy(w.tenant, b, Interval::new(T0 - 3_600, T0 + 3_600)).await.unwrap();
        assert_eq!(occ.len(), 1);
        db
    })
    .await;
}

#[tokio::test]
async fn cancelling_frees_the_time_and_rescheduling_moves_it() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let a = w.hosts[0].id;
        let b = booking(&w, &[a], T0, "GGGGGG");
        s.create_booking(&write(b.clone(), "created")).await.unwrap();
        // Moving by 15 minutes overlaps only itself: allowed.
        let mut moved = b.clone();
        moved.start_at += 900;
        moved.end_at += 900;
        moved.sequence = 1;
        s.reschedule_booking(&write(moved.clone(), "rescheduled")).await.unwrap();
        let got = s.booking(w.tenant, b.id).await.unwrap();
        assert_eq!((got.start_at, got.sequence, got.confirmation_code.as_str()), (T0 + 900, 1, "GGGGGG"));
        // A stale sequence is refused.
        assert!(matches!(
            s.reschedule_booking(&write(moved.clone(), "rescheduled")).await,
            Err(StoreError::Stale)
        ));
        // The old time is free now, the new one taken.
        s.create_booking(&write(booking(&w, &[a], T0 - 1_800, "GGGGG2"), "created")).await.unwrap();
        assert!(matches!(
            s.create_booking(&write(booking(&w, &[a], T0 + 1_800, "GGGGG3"), "created")).await,
            Err(StoreError::SlotTaken)
        ));
        // Moving onto another booking is refused; moving to the other host works.
        let mut onto = moved.clone();
        onto.start_at = T0 - 1_800;
        onto.end_at = T0;
        onto.sequence = 2;
        assert!(matches!(
            s.reschedule_booking(&write(onto.clone(), "rescheduled")).await,
            Err(StoreError::SlotTaken)
        ));
        onto.host_id = w.hosts[1].id;
        onto.host_ids = Ids(vec![w.hosts[1].id]);
        s.reschedule_booking(&write(onto, "rescheduled")).await.unwrap();
        // Cancel frees the time at once; a second cancel is stale.
        let mut cancelled = s.booking(w.tenant, b.id).await.unwrap();
        cancelled.status = BookingStatus::Cancelled;
        cancelled.cancel_reason = Some("changed plans".into());
        s.cancel_booking(&write(cancelled.clone(), "cancelled")).await.unwrap();
        assert!(matches!(s.cancel_booking(&write(cancelled, "cancelled")).await, Err(StoreError::Stale)));
        let got = s.booking(w.tenant, b.id).await.unwrap();
        assert_eq!((got.status.as_str(), got.cancel_reason.as_deref()), ("cancelled", Some("changed plans")));
        assert_eq!(got.host_ids.0, vec![w.hosts[1].id], "a cancelled booking keeps its hosts");
        s.create_booking(&write(booking(&w, &[w.hosts[1].id], T0 - 1_800, "GGGGG4"), "created"))
            .await
            .unwrap();
        let actions: Vec<String> = s
            .booking_history(w.tenant, b.id)
            .await
            .unwrap()
            .into_iter()
            .map(|h| h.action.to_string())
            .collect();
        assert_eq!(actions, vec!["created", "rescheduled", "rescheduled", "cancelled"]);
        db
    })
    .await;
}

#[tokio::test]
async fn daily_limits_are_rechecked_in_the_transaction() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let a = w.hosts[0].id;
        let day = Interval::new(T0 - 3_600, T0 + 20 * 3_600);
        let limited = |b: Booking| {
            let mut wr = write(b, "created");
            wr.daily_limit = Some(DailyLimit { limit: 2, days: vec![(a, day)] });
            wr
        };
        s.create_booking(&limited(booking(&w, &[a], T0, "HHHHH1"))).await.unwrap();
        s.create_booking(&limited(booking(&w, &[a], T0 + 3_600, "HHHHH2"))).await.unwrap();
        assert!(matches!(
            s.create_booking(&limited(booking(&w, &[a], T0 + 7_200, "HHHHH3"))).await,
            Err(StoreError::SlotTaken)
        ));
        db
    })
    .await;
}

#[tokio::test]
async fn idempotency_records_commit_with_the_booking() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let idem = |key: &str| IdempotentResponse {
            tenant_id: w.tenant,
            key: key.into(),
            request_hash: vec![1, 2, 3],
            status: 201,
            response: "{}".into(),
            created_at: T0,
        };
        let mut first = write(booking(&w, &[w.hosts[0].id], T0, "IIIII1"), "created");
        first.idempotency = Some(idem("k1"));
        s.create_booking(&first).await.unwrap();
        assert_eq!(s.idempotent_response(w.tenant, "k1").await.unwrap(), Some(idem("k1")));
        assert_eq!(s.idempotent_response(w.other, "k1").await.unwrap(), None);
        // The same key again: the whole booking is rolled back.
        let mut again = write(booking(&w, &[w.hosts[1].id], T0, "IIIII2"), "created");
        again.idempotency = Some(idem("k1"));
        assert!(matches!(s.create_booking(&again).await, Err(StoreError::Duplicate("idempotency_key"))));
        assert!(matches!(s.booking(w.tenant, again.booking.id).await, Err(StoreError::NotFound)));
        // A refused booking leaves no key behind.
        let mut refused = write(booking(&w, &[w.hosts[0].id], T0, "IIIII3"), "created");
        refused.idempotency = Some(idem("k2"));
        assert!(s.create_booking(&refused).await.is_err());
        assert_eq!(s.idempotent_response(w.tenant, "k2").await.unwrap(), None);
        assert_eq!(s.purge_idempotency(T0 + 1).await.unwrap(), 1);
        assert_eq!(s.idempotent_response(w.tenant, "k1").await.unwrap(), None);
        db
    })
    .await;
}

#[tokio::test]
async fn concurrent_overlapping_creates_have_exactly_one_winner() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = Arc::new(world(&s).await);
        let a = w.hosts[0].id;
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let (s, w) = (s.clone(), w.clone());
                // Every start within 20 minutes of T0: all pairwise overlapping.
                tokio::spawn(async move {
                    s.create_booking(&write(
                        booking(&w, &[a], T0 + (i % 20) * 60, &format!("J{i:05}")),
                        "created",
                    ))
                    .await
                })
            })
            .collect();
        let mut won = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) => won += 1,
                Err(StoreError::SlotTaken) => {}
                Err(e) => panic!("unexpected {e:?}"),
            }
        }
        assert_eq!(won, 1);
        let (occ, _) = s.host_busy(w.tenant, a, Interval::new(T0 - 86_400, T0 + 86_400)).await.unwrap();
        assert_eq!(occ.len(), 1);
        db
    })
    .await;
}

/// Many creates at once (on SQLite, committed together in groups): each refused one leaves no
/// trace and takes nothing from the others, each accepted one is whole.
#[tokio::test]
async fn refused_creates_among_concurrent_ones_leave_the_others_whole() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = Arc::new(world(&s).await);
        let (a, b) = (w.hosts[0].id, w.hosts[1].id);
        s.create_booking(&write(booking(&w, &[b], T0 + 30 * 86_400, "TAKEN0"), "created")).await.unwrap();
        // Pairs overlapping on host a (one of each wins), bookings on b reusing a taken code,
        // and free ones on b.
        let tasks: Vec<_> = (0..60i64)
            .map(|i| {
                let (s, w) = (s.clone(), w.clone());
                let new = match i % 3 {
                    0 => booking(&w, &[a], T0 + (i / 6) * 7_200 + (i / 3 % 2) * 60, &format!("P{i:05}")),
                    1 => booking(&w, &[b], T0 + i * 7_200, "TAKEN0"),
                    _ => booking(&w, &[b], T0 + i * 7_200, &format!("F{i:05}")),
                };
                tokio::spawn(async move {
                    let out = s.create_booking(&write(new.clone(), "created")).await;
                    (new, out)
                })
            })
            .collect();
        let (mut won, mut taken, mut dup) = (0, 0, 0);
        for t in tasks {
            let (new, out) = t.await.unwrap();
            let history = s.booking_history(w.tenant, new.id).await.unwrap();
            match out {
                Ok(()) => {
                    won += 1;
                    assert_eq!(s.booking(w.tenant, new.id).await.unwrap(), new);
                    assert_eq!(history.len(), 1);
                }
                Err(e) => {
                    match e {
                        StoreError::SlotTaken => taken += 1,
                        StoreError::Duplicate("confirmation_code") => dup += 1,
                        e => panic!("unexpected {e:?}"),
                    }
                    assert!(matches!(s.booking(w.tenant, new.id).await, Err(StoreError::NotFound)));
                    assert!(history.is_empty());
                }
            }
        }
        // Ten pairs on a, a minute apart: one of each pair; every reused code refused.
        assert_eq!((won, taken, dup), (30, 10, 20));
        assert_eq!(jobs_of(&s, w.tenant).await, 1 + won, "one job per accepted booking, none else");
        let (occ, _) = s.host_busy(w.tenant, a, Interval::new(T0 - 86_400, T0 + 60 * 86_400)).await.unwrap();
        assert_eq!(occ.len(), 10);
        db
    })
    .await;
}

#[tokio::test]
async fn listing_filters_searches_and_pages() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let (a, b) = (w.hosts[0].id, w.hosts[1].id);
        let mut names = vec![];
        for (i, (host, name, email)) in
            [(a, "Pat Lee", "pat@x.test"), (b, "Sam O'Neil", "sam_o@y.test"), (a, "Lee Park", "park@z.test")]
                .into_iter()
                .enumerate()
        {
            let mut bk = booking(&w, &[host], T0 + i as i64 * 7_200, &format!("KKKKK{i}"));
            bk.attendee_name = name.into();
            bk.attendee_email = Some(email.into());
            bk.attendee_phone = Some(format!("+1555000{i}"));
            s.create_booking(&write(bk.clone(), "created")).await.unwrap();
            names.push(bk);
        }
        let list = |f: BookingFilter| {
            let s = s.clone();
            async move {
                s.list_bookings(w.tenant, &BookingFilter { limit: 50, ..f })
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|b| b.attendee_name)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(list(BookingFilter::default()).await, vec!["Pat Lee", "Sam O'Neil", "Lee Park"]);
        assert_eq!(
            list(BookingFilter { host_id: Some(a), ..Default::default() }).await,
            vec!["Pat Lee", "Lee Park"]
        );
        assert_eq!(
            list(BookingFilter { q: Some("lee".into()), ..Default::default() }).await,
            vec!["Pat Lee", "Lee Park"]
        );
        assert_eq!(
            list(BookingFilter { q: Some("SAM_O".into()), ..Default::default() }).await,
            vec!["Sam O'Neil"]
        );
        assert_eq!(
            list(BookingFilter { q: Some("%".into()), ..Default::default() }).await,
            Vec::<String>::new()
        );
        assert_eq!(
            list(BookingFilter { q: Some("kkkk-k2".into()), ..Default::default() }).await,
            vec!["Lee Park"]
        );
        assert_eq!(
            list(BookingFilter { q: Some("+15550001".into()), ..Default::default() }).await,
            vec!["Sam O'Neil"]
        );
        assert_eq!(
            list(BookingFilter { from: Some(T0 + 1_800 + 1), to: Some(T0 + 7_201), ..Default::default() })
                .await,
            vec!["Sam O'Neil"]
        );
        assert_eq!(
            list(BookingFilter { status: Some("cancelled".into()), ..Default::default() }).await,
            Vec::<String>::new()
        );
        assert_eq!(
            list(BookingFilter {
                event_type_id: Some(w.event_type.id),
                after: Some((T0, names[0].id)),
                ..Default::default()
            })
            .await,
            vec!["Sam O'Neil", "Lee Park"]
        );
        let first =
            s.list_bookings(w.tenant, &BookingFilter { limit: 1, ..Default::default() }).await.unwrap();
        assert_eq!(first.len(), 1);
        db
    })
    .await;
}

#[tokio::test]
async fn long_bookings_are_seen_from_deep_inside_them() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let a = w.hosts[0].id;
        // A 20-hour booking; queries and checks 18 hours into it must still see it.
        let mut long = booking(&w, &[a], T0, "MMMMM1");
        long.end_at = T0 + 20 * 3_600;
        s.create_booking(&write(long.clone(), "created")).await.unwrap();
        assert_eq!(s.host(w.tenant, a).await.unwrap().max_span, 20 * 3_600 + 600);
        let inside = booking(&w, &[a], T0 + 18 * 3_600, "MMMMM2");
        assert!(matches!(s.create_booking(&write(inside, "created")).await, Err(StoreError::SlotTaken)));
        let probe = Interval::new(T0 + 18 * 3_600, T0 + 19 * 3_600);
        let data = s.availability(w.tenant, w.event_type.id, probe, false, None).await.unwrap();
        assert_eq!(data.occupancy.iter().map(|o| o.booking_id).collect::<Vec<_>>(), vec![long.id]);
        let (occ, _) = s.host_busy(w.tenant, a, probe).await.unwrap();
        assert_eq!(occ.len(), 1);
        db
    })
    .await;
}
