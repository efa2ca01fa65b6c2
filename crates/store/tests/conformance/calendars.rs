//! Connected calendars: authorizations, connections, syncs and their busy time, claims of due
//! work, booking events and re-sealing.

use sked_core::Interval;
use sked_core::ids::*;
use sked_store::*;
use sked_test_utils::on_each_store;

use crate::fixtures::*;

fn connection(w: &World, host: HostId) -> Connection {
    Connection {
        id: ConnectionId::new(),
        tenant_id: w.tenant,
        host_id: host,
        provider: "google".into(),
        account: "ann@example.test".into(),
        status: HEALTHY.into(),
        access_token: Some("sealed-access".into()),
        refresh_token: Some("sealed-refresh".into()),
        token_expires_at: Some(T0 + 3_599),
        refresh_expires_at: None,
        scopes: "calendar.events".into(),
        booking_calendar_id: Some("ann@example.test".into()),
        last_checked_at: Some(T0),
        last_error: None,
        next_check_at: T0 + 900,
        created_at: T0,
        updated_at: T0,
        server_url: None,
        username: None,
        password: None,
    }
}

fn calendar(c: &Connection, id: &str, busy: bool) -> ConnectionCalendar {
    ConnectionCalendar {
        connection_id: c.id,
        calendar_id: id.into(),
        tenant_id: c.tenant_id,
        host_id: c.host_id,
        summary: id.into(),
        time_zone: Some("America/New_York".into()),
        is_primary: busy,
        writable: true,
        busy,
        sync_token: None,
        synced_at: None,
        next_poll_at: T0 + 300,
        expanded_until: None,
        channel_id: None,
        channel_resource_id: None,
        channel_token_hash: None,
        channel_expires_at: None,
        next_watch_at: None,
        last_error: None,
    }
}

fn audit(c: &Connection, action: &str, at: i64) -> TokenAudit {
    TokenAudit {
        id: uuid::Uuid::now_v7(),
        connection_id: c.id,
        tenant_id: c.tenant_id,
        at,
        action: action.into(),
        detail: None,
    }
}

fn event(c: &Connection, cal: &str, id: &str, series: &str) -> ExternalEventRow {
    ExternalEventRow {
        connection_id: c.id,
        calendar_id: cal.into(),
        event_id: id.into(),
        series_id: series.into(),
        booking_id: None,
        data: format!(r#"{{"id":"{id}"}}"#),
    }
}

async fn connected(s: &DynStore, w: &World) -> Connection {
    let c = connection(w, w.hosts[0].id);
    let cals = [calendar(&c, "ann@example.test", true), calendar(&c, "family", false)];
    s.insert_connection(&c, &cals, &audit(&c, "granted", T0), &[]).await.unwrap();
    c
}

fn sync(c: &Connection, cal: &str, expected: Option<&str>, new: &str) -> SyncWrite {
    SyncWrite {
        connection_id: c.id,
        calendar_id: cal.into(),
        expected_token: expected.map(Into::into),
        new_token: Some(new.into()),
        synced_at: T0 + 10,
        ..Default::default()
    }
}

#[tokio::test]
async fn authorizations_are_single_use_and_expire() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let state = |id: &str, expires_at| OAuthState {
            id: id.into(),
            tenant_id: w.tenant,
            host_id: w.hosts[0].id,
            provider: "google".into(),
            verifier: "sealed-verifier".into(),
            redirect_to: None,
            expires_at,
            created_at: T0,
        };
        s.insert_oauth_state(&state("a", T0 + 600)).await.unwrap();
        s.insert_oauth_state(&state("b", T0 + 600)).await.unwrap();
        assert_eq!(s.take_oauth_state("a", T0 + 10).await.unwrap(), state("a", T0 + 600));
        assert!(matches!(s.take_oauth_state("a", T0 + 11).await, Err(StoreError::NotFound)), "used once");
        assert!(matches!(s.take_oauth_state("b", T0 + 601).await, Err(StoreError::NotFound)), "expired");
        assert!(matches!(s.take_oauth_state("nope", T0).await, Err(StoreError::NotFound)));
        db
    })
    .await;
}

#[tokio::test]
async fn connections_are_scoped_listed_and_audited() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let c = connection(&w, w.hosts[0].id);
        let cals = [calendar(&c, "ann@example.test", true), calendar(&c, "family", false)];
        let first_sync = NewJob {
            id: JobId::new(),
            tenant_id: Some(w.tenant),
            kind: "calendar.sync".into(),
            payload: "{}".into(),
            dedupe_key: None,
            run_at: T0,
            max_attempts: 5,
            created_at: T0,
        };
        s.insert_connection(&c, &cals, &audit(&c, "granted", T0), std::slice::from_ref(&first_sync))
            .await
            .unwrap();
        assert_eq!(s.job(first_sync.id).await.unwrap().kind, "calendar.sync", "jobs commit with it");
        assert_eq!(s.connection(w.tenant, c.id).await.unwrap(), c);
        assert_eq!(s.find_connection(c.id).await.unwrap(), c);
        assert!(matches!(s.connection(w.other, c.id).await, Err(StoreError::NotFound)));
        let c2 = connection(&w, w.hosts[1].id);
        s.insert_connection(&c2, &[], &audit(&c2, "granted", T0), &[]).await.unwrap();
        let all = s.list_connections(w.tenant, None, page(10)).await.unwrap();
        assert_eq!(all.len(), 2);
        let ann = s.list_connections(w.tenant, Some(w.hosts[0].id), page(10)).await.unwrap();
        assert_eq!(ann, vec![c.clone()]);
        assert!(s.list_connections(w.other, None, page(10)).await.unwrap().is_empty());
        let first = s.list_connections(w.tenant, None, page(1)).await.unwrap();
        let rest =
            s.list_connections(w.tenant, None, Page { limit: 10, after: Some(first[0].id.0) }).await.unwrap();
        assert_eq!(first.len() + rest.len(), 2);
        assert_eq!(s.connection_calendars(c.id).await.unwrap(), cals.to_vec());

        let t = TokenUpdate {
            access_token: "sealed-access-2".into(),
            refresh_token: None,
            token_expires_at: T0 + 7_000,
            refresh_expires_at: Some(T0 + 86_400),
        };
        s.save_tokens(c.id, &t, &audit(&c, "refreshed", T0 + 3_400)).await.unwrap();
        let after = s.find_connection(c.id).await.unwrap();
        assert_eq!(after.access_token.as_deref(), Some("sealed-access-2"));
        assert_eq!(after.refresh_token.as_deref(), Some("sealed-refresh"), "kept when none is sent");
        assert_eq!(after.refresh_expires_at, Some(T0 + 86_400));
        let before =
            s.set_connection_health(c.id, REVOKED, Some("invalid_grant"), T0 + 3_500, None).await.unwrap();
        assert_eq!(before, HEALTHY);
        let after = s.find_connection(c.id).await.unwrap();
        assert_eq!((after.status.as_str(), after.last_error.as_deref()), (REVOKED, Some("invalid_grant")));
        let log = s.token_audit(w.tenant, c.id, 10).await.unwrap();
        assert_eq!(log.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(), ["refreshed", "granted"]);
        assert!(s.token_audit(w.other, c.id, 10).await.unwrap().is_empty());
        db
    })
    .await;
}

#[tokio::test]
async fn syncs_store_busy_time_that_availability_reads() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let c = connected(&s, &w).await;
        let cal = "ann@example.test";
        let v0 = s.availability_versions(w.tenant, w.event_type.id).await.unwrap();
        let mut full = sync(&c, cal, None, "tok-1");
        full.full = true;
        full.upsert = vec![event(&c, cal, "single", "single"), event(&c, cal, "weekly", "weekly")];
        full.busy = vec![
            ("single".into(), vec![Interval::new(T0 + 3_600, T0 + 7_200)]),
            (
                "weekly".into(),
                vec![
                    Interval::new(T0 + 86_400, T0 + 90_000),
                    Interval::new(T0 + 8 * 86_400, T0 + 8 * 86_400 + 3_600),
                ],
            ),
        ];
        full.expanded_until = Some(T0 + 730 * 86_400);
        let writes = s.writes();
        s.apply_sync(&full).await.unwrap();
        let v1 = s.availability_versions(w.tenant, w.event_type.id).await.unwrap();
        assert_ne!(v0, v1, "the host's availability changed");
        assert!(s.writes() > writes, "and the store counted the write");
        let ann = s.host(w.tenant, w.hosts[0].id).await.unwrap();
        assert_eq!(
            (ann.external_version, ann.external_span, ann.version),
            (1, 3_600, w.hosts[0].version),
            "only the external version moves"
        );
        let got = s.external_spans(&ann, Interval::new(T0, T0 + 2 * 86_400)).await.unwrap();
        assert_eq!(got, vec![Interval::new(T0 + 3_600, T0 + 7_200), Interval::new(T0 + 86_400, T0 + 90_000)]);
        let starting_inside = s.external_spans(&ann, Interval::new(T0 + 5_000, T0 + 5_001)).await.unwrap();
        assert_eq!(
            starting_inside,
            vec![Interval::new(T0 + 3_600, T0 + 7_200)],
            "found though it began before the range"
        );
        let data =
            s.host_external_busy(w.tenant, w.hosts[0].id, Interval::new(T0, T0 + 2 * 86_400)).await.unwrap();
        assert!(data.len() == 2 && data.iter().all(|x| x.connection_id == c.id));
        let busy = s
            .host_external_busy(w.tenant, w.hosts[0].id, Interval::new(T0 + 5_000, T0 + 5_001))
            .await
            .unwrap();
        assert_eq!(busy.len(), 1, "an interval that began before the range is found");
        assert!(
            s.host_external_busy(w.other, w.hosts[0].id, Interval::new(T0, T0 + 86_400))
                .await
                .unwrap()
                .is_empty()
        );

        // Another sync that started from the same token loses.
        assert!(matches!(s.apply_sync(&sync(&c, cal, None, "tok-x")).await, Err(StoreError::Stale)));
        // Incremental: the single event is deleted, the weekly series loses an occurrence.
        let mut inc = sync(&c, cal, Some("tok-1"), "tok-2");
        inc.delete = vec!["single".into()];
        inc.busy =
            vec![("single".into(), vec![]), ("weekly".into(), vec![Interval::new(T0 + 86_400, T0 + 90_000)])];
        s.apply_sync(&inc).await.unwrap();
        let kept = s.external_events(c.id, cal).await.unwrap();
        assert_eq!(kept.iter().map(|e| e.event_id.as_str()).collect::<Vec<_>>(), ["weekly"]);
        assert_eq!(s.external_series(c.id, cal, &["weekly".into()]).await.unwrap().len(), 1);
        let all =
            s.host_external_busy(w.tenant, w.hosts[0].id, Interval::new(T0, T0 + 30 * 86_400)).await.unwrap();
        assert_eq!(all.iter().map(|x| x.start_at).collect::<Vec<_>>(), [T0 + 86_400]);
        let k =
            s.connection_calendars(c.id).await.unwrap().into_iter().find(|k| k.calendar_id == cal).unwrap();
        assert_eq!(
            (k.sync_token.as_deref(), k.synced_at, k.expanded_until),
            (Some("tok-2"), Some(T0 + 10), Some(T0 + 730 * 86_400))
        );
        // A calendar that is not busy is not synced.
        assert!(matches!(s.apply_sync(&sync(&c, "family", None, "t")).await, Err(StoreError::Stale)));
        db
    })
    .await;
}

#[tokio::test]
async fn calendars_can_stop_and_start_counting_as_busy() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let c = connected(&s, &w).await;
        let cal = "ann@example.test";
        let mut full = sync(&c, cal, None, "tok-1");
        full.full = true;
        full.upsert = vec![event(&c, cal, "e", "e")];
        full.busy = vec![("e".into(), vec![Interval::new(T0, T0 + 3_600)])];
        s.apply_sync(&full).await.unwrap();
        s.save_channel(c.id, cal, Some(("ch-1", "res-1", "hash", T0 + 7 * 86_400))).await.unwrap();
        assert_eq!(s.calendar_by_channel("ch-1").await.unwrap().calendar_id, cal);
        let v = s.availability_versions(w.tenant, w.event_type.id).await.unwrap();
        let choices = [(cal.to_owned(), false), ("family".to_owned(), true)];
        s.configure_connection(w.tenant, c.id, Some("family"), &choices, T0 + 50).await.unwrap();
        assert_ne!(s.availability_versions(w.tenant, w.event_type.id).await.unwrap(), v);
        assert!(
            s.host_external_busy(w.tenant, w.hosts[0].id, Interval::new(T0, T0 + 3_600))
                .await
                .unwrap()
                .is_empty()
        );
        assert!(s.external_events(c.id, cal).await.unwrap().is_empty());
        let cals = s.connection_calendars(c.id).await.unwrap();
        let primary = cals.iter().find(|k| k.calendar_id == cal).unwrap();
        assert!(!primary.busy && primary.sync_token.is_none() && primary.channel_id.is_none());
        let family = cals.iter().find(|k| k.calendar_id == "family").unwrap();
        assert!(family.busy && family.next_poll_at == T0 + 50);
        assert_eq!(s.find_connection(c.id).await.unwrap().booking_calendar_id.as_deref(), Some("family"));
        assert!(matches!(s.calendar_by_channel("ch-1").await, Err(StoreError::NotFound)));
        assert!(matches!(
            s.configure_connection(w.other, c.id, None, &[], T0).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.configure_connection(w.tenant, c.id, None, &[("nope".into(), true)], T0).await,
            Err(StoreError::NotFound)
        ));
        db
    })
    .await;
}

#[tokio::test]
async fn a_bookings_calendar_is_synced_without_blocking_time() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let c = connected(&s, &w).await;
        // Bookings go to "family", which still does not count as busy.
        s.configure_connection(w.tenant, c.id, Some("family"), &[], T0 + 50).await.unwrap();
        let c = s.find_connection(c.id).await.unwrap();
        let cals = s.connection_calendars(c.id).await.unwrap();
        let family = cals.iter().find(|k| k.calendar_id == "family").unwrap();
        assert!(
            !family.busy && family.synced(c.booking_calendar_id.as_deref()) && family.next_poll_at == T0 + 50
        );
        let mut due = s.claim_polls(T0 + 300, T0 + 600, 10).await.unwrap();
        due.sort();
        let mut want = vec![(c.id, "ann@example.test".to_owned()), (c.id, "family".to_owned())];
        want.sort();
        assert_eq!(due, want, "both are polled");
        assert_eq!(
            s.claim_watches(T0, T0 + 86_400, T0 + 3_600, 10).await.unwrap().len(),
            2,
            "both are watched"
        );
        // Its events are kept, its busy time is not.
        let mut full = sync(&c, "family", None, "tok-1");
        full.full = true;
        full.upsert = vec![event(&c, "family", "ours", "ours")];
        full.busy = vec![("ours".into(), vec![Interval::new(T0, T0 + 3_600)])];
        s.apply_sync(&full).await.unwrap();
        assert_eq!(s.external_events(c.id, "family").await.unwrap().len(), 1);
        assert!(
            s.host_external_busy(w.tenant, w.hosts[0].id, Interval::new(T0, T0 + 3_600))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            s.host(w.tenant, w.hosts[0].id).await.unwrap().external_version,
            0,
            "availability unchanged"
        );
        // Bookings back to the primary calendar: "family" is forgotten.
        s.configure_connection(w.tenant, c.id, Some("ann@example.test"), &[], T0 + 60).await.unwrap();
        assert!(s.external_events(c.id, "family").await.unwrap().is_empty());
        assert!(matches!(
            s.apply_sync(&sync(&c, "family", Some("tok-1"), "tok-2")).await,
            Err(StoreError::Stale)
        ));
        db
    })
    .await;
}

#[tokio::test]
async fn due_work_is_claimed_once() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let c = connected(&s, &w).await;
        // Poll due at T0 + 300 for the busy calendar only.
        assert!(s.claim_polls(T0 + 299, T0 + 600, 10).await.unwrap().is_empty());
        let due = s.claim_polls(T0 + 300, T0 + 600, 10).await.unwrap();
        assert_eq!(due, vec![(c.id, "ann@example.test".to_owned())]);
        assert!(s.claim_polls(T0 + 300, T0 + 600, 10).await.unwrap().is_empty(), "claimed");
        // No channel yet: a watch is due at once, then not before the retry time.
        let watches = s.claim_watches(T0, T0 + 86_400, T0 + 3_600, 10).await.unwrap();
        assert_eq!(watches, vec![(c.id, "ann@example.test".to_owned())]);
        assert!(s.claim_watches(T0 + 10, T0 + 86_400, T0 + 3_600, 10).await.unwrap().is_empty());
        // A channel that lasts past the renewal point is not due; one near its end is.
        s.save_channel(c.id, "ann@example.test", Some(("ch", "res", "h", T0 + 7 * 86_400))).await.unwrap();
        assert!(s.claim_watches(T0 + 3_600, T0 + 3_600 + 86_400, T0 + 7_200, 10).await.unwrap().is_empty());
        let late = T0 + 6 * 86_400 + 10;
        assert_eq!(s.claim_watches(late, late + 86_400, late + 3_600, 10).await.unwrap().len(), 1);
        // Health checks: due at next_check_at, claimed once, never for revoked connections.
        assert_eq!(s.claim_health_checks(T0 + 900, T0 + 1_800, 10).await.unwrap(), vec![c.id]);
        assert!(s.claim_health_checks(T0 + 900, T0 + 1_800, 10).await.unwrap().is_empty());
        s.set_connection_health(c.id, REVOKED, None, T0, None).await.unwrap();
        assert!(s.claim_health_checks(T0 + 99_999, T0 + 100_000, 10).await.unwrap().is_empty());
        assert!(s.claim_polls(T0 + 99_999, T0 + 100_000, 10).await.unwrap().is_empty());
        db
    })
    .await;
}

#[tokio::test]
async fn disconnecting_forgets_busy_time_and_keeps_bookings() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let c = connected(&s, &w).await;
        let cal = "ann@example.test";
        let mut full = sync(&c, cal, None, "tok-1");
        full.full = true;
        full.upsert = vec![event(&c, cal, "e", "e")];
        full.busy = vec![("e".into(), vec![Interval::new(T0, T0 + 3_600)])];
        s.apply_sync(&full).await.unwrap();
        let b = booking(&w, &[w.hosts[0].id], T0 + 86_400, "ABC234");
        s.create_booking(&write(b.clone(), "created")).await.unwrap();
        let mapped = BookingCalendarEvent {
            booking_id: b.id,
            connection_id: c.id,
            tenant_id: w.tenant,
            calendar_id: cal.into(),
            event_id: "skedabc".into(),
            start_at: b.start_at,
            end_at: b.end_at,
            status: "active".into(),
            updated_at: T0,
            etag: None,
        };
        s.save_booking_calendar_event(&mapped).await.unwrap();
        let moved = BookingCalendarEvent { start_at: b.start_at + 60, ..mapped.clone() };
        s.save_booking_calendar_event(&moved).await.unwrap();
        assert_eq!(s.booking_calendar_events(b.id).await.unwrap(), vec![moved]);
        let kept = uuid::Uuid::now_v7();
        assert!(matches!(
            s.delete_connection(w.other, c.id, Some(kept), &[]).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(s.pending_revocation(kept).await, Err(StoreError::NotFound)), "nothing kept");
        let (gone, cals) = s.delete_connection(w.tenant, c.id, Some(kept), &[]).await.unwrap();
        assert_eq!((gone.id, cals.len()), (c.id, 2));
        // Its sealed tokens wait for the release of its grant, then go.
        let r = s.pending_revocation(kept).await.unwrap();
        assert_eq!(
            (r.tenant_id, r.access_token, r.refresh_token),
            (w.tenant, gone.access_token, gone.refresh_token)
        );
        s.delete_pending_revocation(kept).await.unwrap();
        assert!(matches!(s.pending_revocation(kept).await, Err(StoreError::NotFound)));
        assert!(matches!(s.find_connection(c.id).await, Err(StoreError::NotFound)));
        assert!(
            s.host_external_busy(w.tenant, w.hosts[0].id, Interval::new(T0, T0 + 3_600))
                .await
                .unwrap()
                .is_empty()
        );
        assert!(s.external_events(c.id, cal).await.unwrap().is_empty());
        assert!(s.booking_calendar_events(b.id).await.unwrap().is_empty());
        assert_eq!(
            s.booking(w.tenant, b.id).await.unwrap().status,
            sked_core::booking::BookingStatus::Confirmed
        );
        db
    })
    .await;
}

#[tokio::test]
async fn resealing_rewrites_every_sealed_value_or_nothing() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let c = connected(&s, &w).await;
        s.insert_oauth_state(&OAuthState {
            id: "st".into(),
            tenant_id: w.tenant,
            host_id: w.hosts[0].id,
            provider: "google".into(),
            verifier: "sealed-verifier".into(),
            redirect_to: None,
            expires_at: T0 + 600,
            created_at: T0,
        })
        .await
        .unwrap();
        // A removed connection whose tokens wait for its release.
        let removed = connection(&w, w.hosts[1].id);
        s.insert_connection(&removed, &[], &audit(&removed, "granted", T0), &[]).await.unwrap();
        let kept = uuid::Uuid::now_v7();
        s.delete_connection(w.tenant, removed.id, Some(kept), &[]).await.unwrap();
        // Job payloads hold no secrets: resealing leaves them alone.
        let release = NewJob {
            payload: r#"{"connection_id":"c1","access_token":"sealed-a","revoke":true}"#.into(),
            ..job(Some(w.tenant), "calendar.release", T0)
        };
        s.enqueue(&release).await.unwrap();
        let refuse = |v: &str| {
            if v == "sealed-verifier" { Err("cannot open".to_owned()) } else { Ok(format!("new:{v}")) }
        };
        assert!(matches!(s.reseal_secrets(&refuse).await, Err(StoreError::Invalid(_))));
        assert_eq!(
            s.find_connection(c.id).await.unwrap().access_token.as_deref(),
            Some("sealed-access"),
            "rolled back"
        );
        assert_eq!(s.pending_revocation(kept).await.unwrap().access_token.as_deref(), Some("sealed-access"));
        let n = s.reseal_secrets(&|v: &str| Ok(format!("new:{v}"))).await.unwrap();
        assert_eq!(n, 5);
        assert_eq!(s.job(release.id).await.unwrap().payload, release.payload);
        let r = s.pending_revocation(kept).await.unwrap();
        assert_eq!(
            (r.access_token.as_deref(), r.refresh_token.as_deref()),
            (Some("new:sealed-access"), Some("new:sealed-refresh"))
        );
        let after = s.find_connection(c.id).await.unwrap();
        assert_eq!(after.access_token.as_deref(), Some("new:sealed-access"));
        assert_eq!(after.refresh_token.as_deref(), Some("new:sealed-refresh"));
        assert_eq!(s.take_oauth_state("st", T0).await.unwrap().verifier, "new:sealed-verifier");
        db
    })
    .await;
}
