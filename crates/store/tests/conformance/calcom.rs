//! The Cal.com integration, its mirror of bookings, and the importer's links.

use sked_core::booking::BookingSource;
use sked_store::*;
use sked_test_utils::on_each_store;

use crate::fixtures::*;

fn integration(tenant: sked_core::ids::TenantId, secret: Option<&str>) -> CalcomIntegration {
    CalcomIntegration {
        tenant_id: tenant,
        webhook_secret: secret.map(str::to_owned),
        event_types: r#"{"101":"x"}"#.into(),
        created_at: T0,
        updated_at: T0,
    }
}

#[tokio::test]
async fn an_integration_is_per_tenant_replaced_whole_and_removed() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        assert!(matches!(s.calcom_integration(w.tenant).await, Err(StoreError::NotFound)));
        s.put_calcom_integration(&integration(w.tenant, Some("sealed-1"))).await.unwrap();
        let changed = CalcomIntegration {
            webhook_secret: None,
            event_types: "{}".into(),
            created_at: T0 + 50,
            updated_at: T0 + 60,
            ..integration(w.tenant, None)
        };
        s.put_calcom_integration(&changed).await.unwrap();
        let got = s.calcom_integration(w.tenant).await.unwrap();
        assert_eq!(got, CalcomIntegration { created_at: T0, ..changed }, "created_at is kept");
        assert!(matches!(s.calcom_integration(w.other).await, Err(StoreError::NotFound)));
        assert!(matches!(s.delete_calcom_integration(w.other).await, Err(StoreError::NotFound)));
        s.delete_calcom_integration(w.tenant).await.unwrap();
        assert!(matches!(s.calcom_integration(w.tenant).await, Err(StoreError::NotFound)));
        db
    })
    .await;
}

#[tokio::test]
async fn mirrored_uids_name_one_booking_and_its_mark_only_grows() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let mut b = booking(&w, &[w.hosts[0].id], T0, "CCCCC1");
        b.source = BookingSource::Calcom;
        b.external_ref = Some("uid-old".into());
        s.create_booking(&write(b.clone(), "created")).await.unwrap();
        assert_eq!(s.booking(w.tenant, b.id).await.unwrap().source, BookingSource::Calcom);
        assert_eq!(s.calcom_mirror(w.tenant, &["uid-old"]).await.unwrap(), None);
        let note = |uids: &[&str], created_at: i64, delivery: Option<&str>| CalcomNote {
            tenant_id: w.tenant,
            booking_id: Some(b.id),
            uids: uids.iter().map(|u| (*u).to_owned()).collect(),
            created_at,
            delivery: delivery.map(str::to_owned),
            at: T0,
        };
        s.note_calcom(&note(&["uid-old"], 1_000, Some("BOOKING_CREATED uid-old 1 2"))).await.unwrap();
        assert!(s.calcom_delivery_applied(w.tenant, "BOOKING_CREATED uid-old 1 2").await.unwrap());
        assert!(!s.calcom_delivery_applied(w.other, "BOOKING_CREATED uid-old 1 2").await.unwrap());
        // A reschedule with a new uid: both uids name the booking, the mark moves on.
        s.note_calcom(&note(&["uid-new", "uid-old"], 3_000, None)).await.unwrap();
        let want = CalcomMirror {
            booking_id: Some(b.id),
            last_created_at: 3_000,
            uids: vec!["uid-new".into(), "uid-old".into()],
        };
        assert_eq!(s.calcom_mirror(w.tenant, &["uid-old"]).await.unwrap(), Some(want.clone()));
        assert_eq!(s.calcom_mirror(w.tenant, &["uid-new", "nope"]).await.unwrap(), Some(want.clone()));
        // An older note never lowers it, for any of the booking's uids.
        s.note_calcom(&note(&["uid-old"], 2_000, None)).await.unwrap();
        assert_eq!(s.calcom_mirror(w.tenant, &["uid-new"]).await.unwrap(), Some(want));
        assert_eq!(s.calcom_mirror(w.other, &["uid-new"]).await.unwrap(), None);
        // A uid cancelled before it was ever mirrored is remembered without a booking.
        let lone = CalcomNote { booking_id: None, ..note(&["uid-lone"], 5_000, None) };
        s.note_calcom(&lone).await.unwrap();
        let m = s.calcom_mirror(w.tenant, &["uid-lone"]).await.unwrap().unwrap();
        assert_eq!((m.booking_id, m.last_created_at), (None, 5_000));
        db
    })
    .await;
}

#[tokio::test]
async fn importer_links_are_per_tenant_and_kind() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let id = w.schedule.id.0;
        assert_eq!(s.calcom_link(w.tenant, CalcomKind::Schedule, "254").await.unwrap(), None);
        s.put_calcom_link(w.tenant, CalcomKind::Schedule, "254", id, T0).await.unwrap();
        assert_eq!(s.calcom_link(w.tenant, CalcomKind::Schedule, "254").await.unwrap(), Some(id));
        assert_eq!(s.calcom_link(w.tenant, CalcomKind::EventType, "254").await.unwrap(), None);
        assert_eq!(s.calcom_link(w.other, CalcomKind::Schedule, "254").await.unwrap(), None);
        let other = w.hosts[0].id.0;
        s.put_calcom_link(w.tenant, CalcomKind::Schedule, "254", other, T0).await.unwrap();
        assert_eq!(s.calcom_link(w.tenant, CalcomKind::Schedule, "254").await.unwrap(), Some(other));
        db
    })
    .await;
}

#[tokio::test]
async fn calcom_webhook_secrets_are_resealed_with_the_rest() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        s.put_calcom_integration(&integration(w.tenant, Some("sealed-1"))).await.unwrap();
        s.put_calcom_integration(&integration(w.other, None)).await.unwrap();
        let n = s.reseal_secrets(&|v: &str| Ok(format!("new:{v}"))).await.unwrap();
        assert_eq!(n, 1);
        let got = s.calcom_integration(w.tenant).await.unwrap();
        assert_eq!(got.webhook_secret.as_deref(), Some("new:sealed-1"));
        assert_eq!(s.calcom_integration(w.other).await.unwrap().webhook_secret, None);
        db
    })
    .await;
}
