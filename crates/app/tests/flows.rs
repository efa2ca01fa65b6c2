//! The booking flows without any door: the application layer called directly on both stores,
//! its refusals read as domain errors.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use jiff::Timestamp;
use serde_json::json;
use sked_app::availability::RECHECK_SECONDS;
use sked_app::{
    Actor, App, AppError, Attendee, AvailabilityCache, Idempotency, NewBooking, Refusal, bookings,
};
use sked_core::booking::{BookingSource, BookingStatus};
use sked_core::clock::ManualClock;
use sked_core::contact::Email;
use sked_core::ids::{BlockId, EventTypeId, HostId, ScheduleId, TenantId};
use sked_store::{Block, DynStore, EventType, Host, Schedule, Tenant};
use sked_test_utils::on_each_store;
use tokio::sync::Notify;

/// Monday 2026-03-02, 12:00 UTC.
const NOW: i64 = 1_772_452_800;
/// Tuesday 2026-03-03, 09:00 in New York (14:00 UTC).
const TUE_9: i64 = 1_772_546_400;

async fn seed(store: &DynStore) -> (TenantId, EventTypeId, HostId) {
    let tenant = Tenant { id: TenantId::new(), name: "Acme".into(), slug: "acme".into(), created_at: NOW };
    store.insert_tenant(&tenant).await.unwrap();
    let schedule = Schedule {
        id: ScheduleId::new(),
        tenant_id: tenant.id,
        name: "Office".into(),
        time_zone: "America/New_York".parse().unwrap(),
        weekly: r#"{"tue":[{"start":"09:00","end":"12:00"}]}"#.into(),
        overrides: "[]".into(),
        created_at: NOW,
        updated_at: NOW,
    };
    store.insert_schedule(&schedule).await.unwrap();
    let host = Host {
        id: HostId::new(),
        tenant_id: tenant.id,
        name: "Ann".into(),
        email: None,
        phone: None,
        time_zone: "America/New_York".parse().unwrap(),
        schedule_id: Some(schedule.id),
        priority: 0,
        weight: 100,
        active: true,
        version: 1,
        max_span: 0,
        external_span: 0,
        external_version: 0,
        feed_version: 1,
        created_at: NOW,
        updated_at: NOW,
    };
    store.insert_host(&host).await.unwrap();
    let et = EventType {
        id: EventTypeId::new(),
        tenant_id: tenant.id,
        slug: "consult".into(),
        title: "Consultation".into(),
        description: None,
        duration_minutes: 30,
        slot_interval_minutes: None,
        buffer_before_minutes: 0,
        buffer_after_minutes: 0,
        min_notice_minutes: 0,
        max_days_ahead: 60,
        daily_limit: None,
        assignment: sked_core::assign::Assignment::RoundRobin,
        location: None,
        send_updates: sked_core::notify::SendUpdates::All,
        reminders: "[]".into(),
        questions: "[]".into(),
        version: 1,
        created_at: NOW,
        updated_at: NOW,
        host_ids: vec![host.id],
    };
    store.insert_event_type(&et).await.unwrap();
    (tenant.id, et.id, host.id)
}

fn request(et: EventTypeId, start: i64) -> NewBooking {
    NewBooking {
        event_type_id: et,
        start,
        attendee: Attendee {
            name: " Pat Lee ".into(),
            email: Some(Email::parse("pat@example.test").unwrap()),
            phone: None,
            time_zone: None,
        },
        host_id: None,
        notes: None,
        metadata: json!({}),
        source: BookingSource::Api,
        external_ref: None,
        answers: serde_json::Value::Null,
    }
}

#[tokio::test]
async fn book_refuse_with_alternatives_replay_and_cancel_without_a_door() {
    on_each_store(|db| async move {
        let store = db.store().await;
        let (tenant, et, host) = seed(&store).await;
        let clock = Arc::new(ManualClock::new(Timestamp::from_second(NOW).unwrap()));
        let app = App::new(store.clone(), clock, Arc::new(Notify::new()));
        let actor = Actor { tenant, name: "test".into() };

        let idem = Idempotency::new("k1", &[b"book", b"9:00"]).unwrap();
        let first = bookings::create(&app, &actor, &request(et, TUE_9), Some(&idem)).await.unwrap();
        assert_eq!((first.view.host_id, first.view.attendee.name.as_str()), (host, "Pat Lee"));

        // The same key and request: the first answer, nothing new written.
        let again = bookings::replay(&app, tenant, Some(&idem)).await.unwrap().unwrap();
        assert_eq!(again.body, first.body);
        let other = Idempotency::new("k1", &[b"book", b"9:30"]).unwrap();
        let mismatch = bookings::replay(&app, tenant, Some(&other)).await;
        assert!(matches!(mismatch, Err(AppError::IdempotencyMismatch)), "{mismatch:?}");

        // The time is taken: refused as taken, with the nearest free starts.
        match bookings::create(&app, &actor, &request(et, TUE_9), None).await {
            Err(AppError::Unavailable { refusal: Refusal::Taken, alternatives }) => {
                let starts: Vec<i64> = alternatives.iter().map(|a| a.start).collect();
                assert_eq!(starts, vec![TUE_9 + 1_800, TUE_9 + 3_600, TUE_9 + 5_400]);
            }
            other => panic!("{other:?}"),
        }
        // Off the grid and outside the hours say so.
        let off = bookings::create(&app, &actor, &request(et, TUE_9 + 600), None).await;
        assert!(
            matches!(off, Err(AppError::Unavailable { refusal: Refusal::OffGrid { .. }, .. })),
            "{off:?}"
        );
        let late = bookings::create(&app, &actor, &request(et, TUE_9 + 4 * 3_600), None).await;
        assert!(
            matches!(late, Err(AppError::Unavailable { refusal: Refusal::OutsideHours, .. })),
            "{late:?}"
        );
        // A field that fails its rule is named.
        let mut bad = request(et, TUE_9 + 1_800);
        bad.attendee.time_zone = Some("Mars/Olympus".into());
        match bookings::create(&app, &actor, &bad, None).await {
            Err(AppError::Invalid(errors)) => assert_eq!(errors[0].field, "attendee.time_zone"),
            other => panic!("{other:?}"),
        }

        // Cancelling frees the time; cancelling again answers the booking as it is.
        let cancelled = bookings::cancel(&app, &actor, first.view.id, None, None).await.unwrap();
        assert_eq!(cancelled.view.status, BookingStatus::Cancelled.as_str());
        bookings::cancel(&app, &actor, first.view.id, None, None).await.unwrap();
        bookings::create(&app, &actor, &request(et, TUE_9), None).await.unwrap();
        // A cancelled booking cannot move.
        let moved = bookings::reschedule(&app, &actor, first.view.id, TUE_9 + 1_800, None, None, None).await;
        assert!(matches!(moved, Err(AppError::Rejected(_))), "{moved:?}");
        db
    })
    .await;
}

/// A request cut off by a crash whose write still committed, sent again with its key before
/// that commit showed: the second try finds its own booking in the way, and answers it.
#[tokio::test]
async fn a_retry_that_finds_its_own_earlier_try_committed_answers_it() {
    on_each_store(|db| async move {
        let store = db.store().await;
        let (tenant, et, _) = seed(&store).await;
        let clock = Arc::new(ManualClock::new(Timestamp::from_second(NOW).unwrap()));
        let app = App::new(store.clone(), clock, Arc::new(Notify::new()));
        let actor = Actor { tenant, name: "test".into() };
        let idem = Idempotency::new("cut-off", &[b"book", b"9:00"]).unwrap();
        let first = bookings::create(&app, &actor, &request(et, TUE_9), Some(&idem)).await.unwrap();
        // The door's replay check ran before the first try committed: the flow itself sees the
        // time taken, under its own key.
        let again = bookings::create(&app, &actor, &request(et, TUE_9), Some(&idem)).await.unwrap();
        assert_eq!(again.body, first.body);
        // Rescheduling and cancelling under a key already stored answer the stored change.
        let move_key = Idempotency::new("move", &[b"move"]).unwrap();
        let moved =
            bookings::reschedule(&app, &actor, first.view.id, TUE_9 + 1_800, None, None, Some(&move_key))
                .await
                .unwrap();
        let store_again =
            bookings::reschedule(&app, &actor, first.view.id, TUE_9 + 1_800, None, None, Some(&move_key))
                .await
                .unwrap();
        assert_eq!(store_again.body, moved.body);
        db
    })
    .await;
}

/// A one-hour block of `host` from `start`.
fn block(tenant: TenantId, host: HostId, start: i64) -> Block {
    Block {
        id: BlockId::new(),
        tenant_id: tenant,
        host_id: host,
        title: "Busy".into(),
        start_at: start,
        end_at: start + 3_600,
        rrule: None,
        created_at: NOW,
        updated_at: NOW,
    }
}

#[tokio::test]
async fn snapshots_show_this_process_changes_at_once_and_other_processes_within_the_bound() {
    on_each_store(|db| async move {
        let store = db.store().await;
        let (tenant, et, host) = seed(&store).await;
        let cache = AvailabilityCache::new(store.clone());
        let first = cache.get(tenant, et, NOW).await.unwrap();
        assert!(Arc::ptr_eq(&first, &cache.get(tenant, et, NOW).await.unwrap()), "nothing changed");

        // A change written through this store shows in the very next snapshot, in the same second.
        store.insert_block(&block(tenant, host, TUE_9)).await.unwrap();
        let mine = cache.get(tenant, et, NOW).await.unwrap();
        assert_ne!(mine.versions, first.versions);

        // Another process's change (another store on the same database) is not read while the
        // last check is recent: the snapshot is reused without asking the database...
        let other = db.store().await;
        other.insert_block(&block(tenant, host, TUE_9 + 3_600)).await.unwrap();
        let soon = cache.get(tenant, et, NOW + RECHECK_SECONDS - 1).await.unwrap();
        assert!(Arc::ptr_eq(&soon, &mine), "within the bound the last check stands");
        // ...and shows once that check is RECHECK_SECONDS old.
        let later = cache.get(tenant, et, NOW + RECHECK_SECONDS).await.unwrap();
        assert_ne!(later.versions, mine.versions);
        let inputs = later.inputs();
        let free = sked_core::earliest(&later.rules, &inputs, NOW, 1, None).starts().first().copied();
        assert_eq!(free, Some(TUE_9 + 2 * 3_600), "both blocks are busy time");

        // A clock that went back checks again too.
        other.insert_block(&block(tenant, host, TUE_9 + 2 * 3_600)).await.unwrap();
        let back = cache.get(tenant, et, NOW - 60).await.unwrap();
        assert_ne!(back.versions, later.versions);
        db
    })
    .await;
}

/// A booking is checked against the hours as they are, even when another process changed them
/// a moment ago: the event type's context this process keeps (its hosts, their hours) is used
/// only while the store's stamp says it is still the store's.
#[tokio::test]
async fn a_booking_checks_the_hours_another_process_changed_a_moment_ago() {
    on_each_store(|db| async move {
        let store = db.store().await;
        let (tenant, et, host) = seed(&store).await;
        let clock = Arc::new(ManualClock::new(Timestamp::from_second(NOW).unwrap()));
        let app = App::new(store.clone(), clock, Arc::new(Notify::new()));
        let actor = Actor { tenant, name: "test".into() };
        bookings::create(&app, &actor, &request(et, TUE_9), None).await.unwrap();
        // Another process moves Tuesday's hours to the afternoon, in the same second.
        let other = db.store().await;
        let id = other.host(tenant, host).await.unwrap().schedule_id.unwrap();
        let schedule = other.schedule(tenant, id).await.unwrap();
        let afternoon = r#"{"tue":[{"start":"13:00","end":"17:00"}]}"#.into();
        other.update_schedule(&Schedule { weekly: afternoon, ..schedule }).await.unwrap();
        let morning = bookings::create(&app, &actor, &request(et, TUE_9 + 1_800), None).await;
        assert!(
            matches!(morning, Err(AppError::Unavailable { refusal: Refusal::OutsideHours, .. })),
            "{morning:?}"
        );
        bookings::create(&app, &actor, &request(et, TUE_9 + 4 * 3_600), None).await.unwrap();
        db
    })
    .await;
}
