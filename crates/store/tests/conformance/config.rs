//! Tenants, keys, schedules, hosts, event types, blocks: CRUD, scoping and versions.

use sked_core::Interval;
use sked_core::booking::BookingStatus;
use sked_core::ids::*;
use sked_store::*;
use sked_test_utils::on_each_store;

use crate::fixtures::*;

#[tokio::test]
async fn tenants_keys_and_settings() {
    on_each_store(|db| async move {
        let s = db.store().await;
        s.ping().await.unwrap();
        let t = tenant("Acme");
        s.insert_tenant(&t).await.unwrap();
        assert_eq!(s.tenant(t.id).await.unwrap(), t);
        assert!(matches!(s.tenant(TenantId::new()).await, Err(StoreError::NotFound)));
        // Any key without a name of its own (here a primary key) is an id used twice.
        let same_id = Tenant { slug: "other".into(), ..t.clone() };
        assert!(matches!(s.insert_tenant(&same_id).await, Err(StoreError::Duplicate("id"))));
        // Slugs are unique across tenants, found, and changed.
        let same_slug = Tenant { id: TenantId::new(), ..t.clone() };
        assert!(matches!(s.insert_tenant(&same_slug).await, Err(StoreError::Duplicate("slug"))));
        assert_eq!(s.tenant_by_slug(&t.slug).await.unwrap(), t);
        let b = tenant("Bee");
        s.insert_tenant(&b).await.unwrap();
        assert!(matches!(s.set_tenant_slug(b.id, &t.slug).await, Err(StoreError::Duplicate("slug"))));
        s.set_tenant_slug(b.id, "bee").await.unwrap();
        assert_eq!(s.tenant_by_slug("bee").await.unwrap().id, b.id);
        assert!(matches!(s.tenant_by_slug("nobody").await, Err(StoreError::NotFound)));
        let key = ApiKey {
            id: ApiKeyId::new(),
            tenant_id: t.id,
            name: "ci".into(),
            prefix: "sk_ab".into(),
            created_at: T0,
            revoked_at: None,
        };
        s.insert_api_key(&key, &[7u8; 32]).await.unwrap();
        assert_eq!(s.api_key_by_hash(&[7u8; 32]).await.unwrap(), Some(key.clone()));
        assert!(matches!(
            s.insert_api_key(&ApiKey { id: ApiKeyId::new(), ..key.clone() }, &[7u8; 32]).await,
            Err(StoreError::Duplicate("api_key"))
        ));
        let revoked = s.revoke_api_key(key.id, T0 + 5).await.unwrap();
        assert_eq!(revoked.revoked_at, Some(T0 + 5));
        // Revoking twice keeps the first instant.
        assert_eq!(s.revoke_api_key(key.id, T0 + 9).await.unwrap().revoked_at, Some(T0 + 5));
        assert_eq!(s.api_key_by_hash(&[7u8; 32]).await.unwrap(), None);
        assert_eq!(s.list_api_keys(t.id).await.unwrap().len(), 1);
        assert!(s.init_setting("operator_key_hash", "abc").await.unwrap());
        assert!(!s.init_setting("operator_key_hash", "def").await.unwrap());
        assert_eq!(s.setting("operator_key_hash").await.unwrap().as_deref(), Some("abc"));
        let bee = Tenant { slug: "bee".into(), ..b };
        assert_eq!(s.list_tenants(page(10)).await.unwrap(), vec![t, bee]);
        db
    })
    .await;
}

#[tokio::test]
async fn another_tenants_records_are_not_found() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let nf = |r: StoreResult<()>| assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
        assert!(matches!(s.schedule(w.other, w.schedule.id).await, Err(StoreError::NotFound)));
        assert!(matches!(s.host(w.other, w.hosts[0].id).await, Err(StoreError::NotFound)));
        assert!(matches!(s.event_type(w.other, w.event_type.id).await, Err(StoreError::NotFound)));
        assert!(matches!(s.availability_versions(w.other, w.event_type.id).await, Err(StoreError::NotFound)));
        assert!(s.list_hosts(w.other, page(50)).await.unwrap().is_empty());
        assert!(s.list_schedules(w.other, page(50)).await.unwrap().is_empty());
        assert!(s.list_event_types(w.other, page(50)).await.unwrap().is_empty());
        nf(s.update_host(&Host { tenant_id: w.other, ..w.hosts[0].clone() }).await);
        nf(s.update_schedule(&Schedule { tenant_id: w.other, ..w.schedule.clone() }).await);
        nf(s.update_event_type(&EventType { tenant_id: w.other, ..w.event_type.clone() }).await);
        nf(s.delete_host(w.other, w.hosts[0].id).await);
        nf(s.delete_schedule(w.other, w.schedule.id).await);
        nf(s.delete_event_type(w.other, w.event_type.id).await);
        // An event type may not name another tenant's host.
        let foreign = host(w.other, None, "Eve");
        s.insert_host(&foreign).await.unwrap();
        nf(s.insert_event_type(&event_type(w.tenant, &[foreign.id], "x")).await);
        // Blocks and bookings.
        let block = Block {
            id: BlockId::new(),
            tenant_id: w.tenant,
            host_id: w.hosts[0].id,
            title: "Lunch".into(),
            start_at: T0,
            end_at: T0 + 3_600,
            rrule: None,
            created_at: T0,
            updated_at: T0,
        };
        s.insert_block(&block).await.unwrap();
        assert!(matches!(s.block(w.other, w.hosts[0].id, block.id).await, Err(StoreError::NotFound)));
        nf(s.delete_block(w.other, w.hosts[0].id, block.id).await);
        nf(s.insert_block(&Block { id: BlockId::new(), tenant_id: w.other, ..block.clone() }).await);
        let b = booking(&w, &[w.hosts[0].id], T0, "AAAAAA");
        s.create_booking(&write(b.clone(), "created")).await.unwrap();
        assert!(matches!(s.booking(w.other, b.id).await, Err(StoreError::NotFound)));
        assert!(matches!(s.booking_by_code(w.other, "AAAAAA").await, Err(StoreError::NotFound)));
        assert!(s.booking_history(w.other, b.id).await.unwrap().is_empty());
        assert!(
            s.list_bookings(w.other, &BookingFilter { limit: 50, ..Default::default() })
                .await
                .unwrap()
                .is_empty()
        );
        assert!(s.list_jobs(w.other, None, page(50)).await.unwrap().is_empty());
        let (occ, blocks) =
            s.host_busy(w.other, w.hosts[0].id, Interval::new(T0 - 86_400, T0 + 86_400)).await.unwrap();
        assert!(occ.is_empty() && blocks.is_empty());
        db
    })
    .await;
}

#[tokio::test]
async fn crud_round_trips_and_pages() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let mut h = s.host(w.tenant, w.hosts[0].id).await.unwrap();
        assert_eq!(h, w.hosts[0]);
        h.name = "Ann B.".into();
        h.phone = Some("+15550001111".into());
        h.active = false;
        h.priority = 5;
        s.update_host(&h).await.unwrap();
        let got = s.host(w.tenant, h.id).await.unwrap();
        assert_eq!(
            (got.name.as_str(), got.phone.as_deref(), got.active, got.priority, got.version),
            ("Ann B.", Some("+15550001111"), false, 5, 2)
        );
        // Pages follow id order and continue after the cursor.
        let first = s.list_hosts(w.tenant, page(1)).await.unwrap();
        let second = s.list_hosts(w.tenant, Page { limit: 1, after: Some(first[0].id.0) }).await.unwrap();
        assert_eq!((first[0].id, second[0].id), (w.hosts[0].id, w.hosts[1].id));
        assert!(
            s.list_hosts(w.tenant, Page { limit: 1, after: Some(second[0].id.0) }).await.unwrap().is_empty()
        );
        // Event types keep their hosts in order and their slug unique.
        let e = s.event_type(w.tenant, w.event_type.id).await.unwrap();
        assert_eq!(e.host_ids, vec![w.hosts[0].id, w.hosts[1].id]);
        let dup = event_type(w.tenant, &[], "consult");
        assert!(matches!(s.insert_event_type(&dup).await, Err(StoreError::Duplicate("slug"))));
        let mut e2 = e.clone();
        e2.host_ids = vec![w.hosts[1].id];
        e2.daily_limit = Some(4);
        s.update_event_type(&e2).await.unwrap();
        let got = s.event_type(w.tenant, e.id).await.unwrap();
        assert_eq!((got.host_ids.clone(), got.daily_limit, got.version), (vec![w.hosts[1].id], Some(4), 2));
        let listed = s.list_event_types(w.tenant, page(10)).await.unwrap();
        assert_eq!(listed, vec![got]);
        db
    })
    .await;
}

#[tokio::test]
async fn versions_move_with_every_change_to_availability() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let v =
            |s: DynStore| async move { s.availability_versions(w.tenant, w.event_type.id).await.unwrap() };
        // Each change also moves the store's count of writes, which caches check first.
        let mut writes = s.writes();
        let mut counted = |s: &DynStore| {
            let (before, now) = (writes, s.writes());
            writes = now;
            now > before
        };
        let v0 = v(s.clone()).await;
        assert_eq!(v0.len(), 5, "the event type's, each host's, and each host's external version");
        assert!(!counted(&s), "a read is not a write");
        s.update_schedule(&Schedule { name: "New".into(), ..w.schedule.clone() }).await.unwrap();
        let v1 = v(s.clone()).await;
        assert!(v1[1] > v0[1] && v1[2] > v0[2], "a schedule change moves its hosts");
        assert!(counted(&s));
        let block = Block {
            id: BlockId::new(),
            tenant_id: w.tenant,
            host_id: w.hosts[1].id,
            title: "x".into(),
            start_at: T0,
            end_at: T0 + 60,
            rrule: Some("FREQ=DAILY".into()),
            created_at: T0,
            updated_at: T0,
        };
        s.insert_block(&block).await.unwrap();
        let v2 = v(s.clone()).await;
        assert!(v2[2] > v1[2] && v2[1] == v1[1]);
        assert!(counted(&s));
        let booked = booking(&w, &[w.hosts[0].id], T0, "BBBBBB");
        let host_version = s.host(w.tenant, w.hosts[0].id).await.unwrap().version;
        s.create_booking(&write(booked.clone(), "created")).await.unwrap();
        let v3 = v(s.clone()).await;
        assert!(v3[1] > v2[1] && v3[2] == v2[2]);
        assert!(counted(&s));
        // A booking moves its host's version without writing the host's row (see
        // `bookings_do_not_wait_for_their_hosts_row`); so does its cancellation.
        assert_eq!(s.host(w.tenant, w.hosts[0].id).await.unwrap().version, host_version);
        let cancelled = Booking { status: BookingStatus::Cancelled, sequence: 1, ..booked };
        s.cancel_booking(&write(cancelled, "cancelled")).await.unwrap();
        let v3b = v(s.clone()).await;
        assert!(v3b[1] > v3[1] && v3b[2] == v3[2]);
        assert!(counted(&s));
        s.create_booking(&write(booking(&w, &[w.hosts[0].id], T0, "BBBBB2"), "created")).await.unwrap();
        let v3 = v(s.clone()).await;
        // A refused write is counted too (it is over, whatever its outcome).
        let taken = s.create_booking(&write(booking(&w, &[w.hosts[0].id], T0, "CCCCCC"), "created")).await;
        assert!(matches!(taken, Err(StoreError::SlotTaken)), "{taken:?}");
        assert!(counted(&s));
        s.update_event_type(&EventType { title: "Renamed".into(), ..w.event_type.clone() }).await.unwrap();
        let v4 = v(s.clone()).await;
        assert!(v4[0] > v3[0]);
        assert!(counted(&s));
        // Another store on the same database (another process) counts only its own writes:
        // this one learns of them from the versions alone.
        let other = db.store().await;
        other
            .update_host(&Host { name: "Elsewhere".into(), ..s.host(w.tenant, w.hosts[0].id).await.unwrap() })
            .await
            .unwrap();
        assert!(!counted(&s));
        assert!(v(s.clone()).await[1] > v4[1]);
        db
    })
    .await;
}

#[tokio::test]
async fn a_feed_version_grows_alone_and_only_in_its_tenant() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let (ann, bob) = (&w.hosts[0], &w.hosts[1]);
        assert_eq!(s.host(w.tenant, ann.id).await.unwrap().feed_version, 1);
        assert_eq!(s.rotate_feed(w.tenant, ann.id).await.unwrap(), 2);
        let after = s.host(w.tenant, ann.id).await.unwrap();
        assert_eq!((after.feed_version, after.version), (2, ann.version), "availability is untouched");
        assert_eq!(s.host(w.tenant, bob.id).await.unwrap().feed_version, 1);
        assert!(matches!(s.rotate_feed(w.other, ann.id).await, Err(StoreError::NotFound)));
        s.update_host(&Host { name: "Ann B".into(), ..after }).await.unwrap();
        assert_eq!(s.host(w.tenant, ann.id).await.unwrap().feed_version, 2, "a change keeps it");
        db
    })
    .await;
}

#[tokio::test]
async fn records_in_use_are_not_deleted() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        assert!(matches!(s.delete_schedule(w.tenant, w.schedule.id).await, Err(StoreError::InUse(_))));
        assert!(matches!(s.delete_host(w.tenant, w.hosts[0].id).await, Err(StoreError::InUse(_))));
        s.create_booking(&write(booking(&w, &[w.hosts[0].id], T0, "CCCCCC"), "created")).await.unwrap();
        assert!(matches!(s.delete_event_type(w.tenant, w.event_type.id).await, Err(StoreError::InUse(_))));
        let lone = host(w.tenant, None, "Cy");
        s.insert_host(&lone).await.unwrap();
        s.delete_host(w.tenant, lone.id).await.unwrap();
        assert!(matches!(s.host(w.tenant, lone.id).await, Err(StoreError::NotFound)));
        let unused = event_type(w.tenant, &[w.hosts[1].id], "unused");
        s.insert_event_type(&unused).await.unwrap();
        s.delete_event_type(w.tenant, unused.id).await.unwrap();
        db
    })
    .await;
}

#[tokio::test]
async fn availability_reads_only_what_the_range_needs() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let (a, b) = (w.hosts[0].id, w.hosts[1].id);
        for (i, start) in [T0, T0 + 86_400, T0 + 40 * 86_400].into_iter().enumerate() {
            s.create_booking(&write(booking(&w, &[a], start, &format!("DDDDD{i}")), "created"))
                .await
                .unwrap();
        }
        let recurring = Block {
            id: BlockId::new(),
            tenant_id: w.tenant,
            host_id: b,
            title: "Standup".into(),
            start_at: T0 - 90 * 86_400,
            end_at: T0 - 90 * 86_400 + 900,
            rrule: Some("FREQ=DAILY".into()),
            created_at: T0,
            updated_at: T0,
        };
        let old = Block { id: BlockId::new(), rrule: None, ..recurring.clone() };
        s.insert_block(&recurring).await.unwrap();
        s.insert_block(&old).await.unwrap();
        let data = s
            .availability(w.tenant, w.event_type.id, Interval::new(T0 - 3_600, T0 + 2 * 86_400), false, None)
            .await
            .unwrap();
        let context = data.context.expect("none held");
        assert_eq!(context.event_type.id, w.event_type.id);
        assert_eq!(context.hosts.iter().map(|h| h.id).collect::<Vec<_>>(), vec![a, b]);
        assert_eq!(context.schedules.len(), 1);
        assert_eq!(data.occupancy.len(), 2, "the booking 40 days out is outside the range");
        assert_eq!(data.occupancy[0].blocked_end, T0 + 1_800 + 600);
        assert_eq!(data.blocks.iter().map(|b| b.id).collect::<Vec<_>>(), vec![recurring.id]);
        // Every field read as it is read alone (PostgreSQL hands the records over as JSON).
        assert_eq!(context.event_type, s.event_type(w.tenant, w.event_type.id).await.unwrap());
        assert_eq!(
            context.hosts,
            vec![s.host(w.tenant, a).await.unwrap(), s.host(w.tenant, b).await.unwrap()]
        );
        assert_eq!(data.blocks, vec![recurring.clone()]);
        assert_eq!(data.occupancy[1].start_at, T0 + 86_400);
        // Inactive hosts are left out.
        s.update_host(&Host { active: false, ..w.hosts[1].clone() }).await.unwrap();
        assert_eq!(data.assigned, None, "not asked for");
        let data =
            s.availability(w.tenant, w.event_type.id, Interval::new(T0, T0 + 60), true, None).await.unwrap();
        assert_eq!(data.context.expect("none held").hosts.len(), 1);
        let counts = data
            .assigned
            .expect("asked for")
            .into_iter()
            .map(|c| (c.host_id, c.assigned))
            .collect::<Vec<_>>();
        assert_eq!(counts, vec![(a, 3)], "the one host with bookings, all three");
        db
    })
    .await;
}

/// Bookings read their event type near their starts all at once (PostgreSQL gathers such reads
/// into one): each still sees its own time's bookings, and a read that fails fails alone.
#[tokio::test]
async fn reads_made_at_once_each_see_their_own_times() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let a = w.hosts[0].id;
        let mut ids = Vec::new();
        for i in 0..8 {
            let b = booking(&w, &[a], T0 + i * 3_600, &format!("GATHR{i}"));
            ids.push(b.id);
            s.create_booking(&write(b, "created")).await.unwrap();
        }
        let read = |at: i64, event_type: EventTypeId| {
            let s = s.clone();
            async move { s.availability(w.tenant, event_type, Interval::new(at, at + 1), true, None).await }
        };
        let mut reads: Vec<_> = (0..8).map(|i| read(T0 + i * 3_600, w.event_type.id)).collect();
        reads.insert(3, read(T0, EventTypeId::new()));
        let mut answers = futures::future::join_all(reads).await;
        let gone = answers.remove(3);
        assert!(matches!(gone, Err(StoreError::NotFound)), "{gone:?}");
        for (i, answer) in answers.into_iter().enumerate() {
            let data = answer.unwrap();
            let seen: Vec<BookingId> = data.occupancy.iter().map(|o| o.booking_id).collect();
            assert!(seen.contains(&ids[i]), "read {i} sees its own time's booking");
            assert!(data.context.is_some() && data.assigned.is_some());
        }
        db
    })
    .await;
}

#[tokio::test]
async fn the_context_is_sent_again_only_when_it_changed() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let (a, b) = (w.hosts[0].id, w.hosts[1].id);
        let near = Interval::new(T0, T0 + 1);
        let read = |s: DynStore, known: Option<String>| async move {
            s.availability(w.tenant, w.event_type.id, near, true, known.as_deref()).await.unwrap()
        };
        let first = read(s.clone(), None).await;
        assert!(first.context.is_some(), "none held");
        let again = read(s.clone(), Some(first.stamp.clone())).await;
        assert_eq!(again.stamp, first.stamp);
        assert!(again.context.is_none(), "held, and unchanged");
        assert!(read(s.clone(), Some("another".into())).await.context.is_some());
        // The first booking of a host grows its longest booking (which occupancy reads need):
        // the context moves; a second as long does not move it.
        s.create_booking(&write(booking(&w, &[a], T0, "SSSSS1"), "created")).await.unwrap();
        let booked = read(s.clone(), Some(first.stamp.clone())).await;
        assert!(booked.context.is_some());
        s.create_booking(&write(booking(&w, &[a], T0 + 86_400, "SSSSS2"), "created")).await.unwrap();
        let quiet = read(s.clone(), Some(booked.stamp.clone())).await;
        assert!(quiet.context.is_none(), "a booking is not a change of context");
        assert_eq!(quiet.occupancy.len(), 1, "what changes with bookings is always read");
        assert!(quiet.assigned.is_some());
        // Every change of the context sends it again, whichever store (process) made it.
        let mut stamp = quiet.stamp;
        let changed = |data: AvailabilityData, stamp: &mut String| {
            assert_ne!(&data.stamp, stamp);
            *stamp = data.stamp;
            data.context.expect("changed")
        };
        s.update_schedule(&Schedule { name: "New".into(), ..w.schedule.clone() }).await.unwrap();
        assert_eq!(changed(read(s.clone(), Some(stamp.clone())).await, &mut stamp).schedules[0].name, "New");
        s.update_event_type(&EventType { title: "Renamed".into(), ..w.event_type.clone() }).await.unwrap();
        assert_eq!(
            changed(read(s.clone(), Some(stamp.clone())).await, &mut stamp).event_type.title,
            "Renamed"
        );
        let other = db.store().await;
        let moved = Host { name: "Elsewhere".into(), ..s.host(w.tenant, a).await.unwrap() };
        other.update_host(&moved).await.unwrap();
        assert_eq!(
            changed(read(s.clone(), Some(stamp.clone())).await, &mut stamp).hosts[0].name,
            "Elsewhere"
        );
        other.update_host(&Host { active: false, ..s.host(w.tenant, b).await.unwrap() }).await.unwrap();
        assert_eq!(changed(read(s.clone(), Some(stamp.clone())).await, &mut stamp).hosts.len(), 1);
        // Another tenant's event type, or none, is not found, whatever stamp is held.
        let gone = s.availability(TenantId::new(), w.event_type.id, near, true, Some(stamp.as_str())).await;
        assert!(matches!(gone, Err(StoreError::NotFound)), "{gone:?}");
        let gone = s.availability(w.tenant, EventTypeId::new(), near, false, Some(stamp.as_str())).await;
        assert!(matches!(gone, Err(StoreError::NotFound)), "{gone:?}");
        db
    })
    .await;
}
