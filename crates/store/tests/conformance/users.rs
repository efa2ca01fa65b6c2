//! Dashboard users, sessions, no-show marks, and the bookings list's source filter.

use sked_core::ids::*;
use sked_store::*;
use sked_test_utils::on_each_store;

use crate::fixtures::*;

fn user(tenant: TenantId, email: &str, role: &str, host: Option<HostId>) -> User {
    User {
        id: UserId::new(),
        tenant_id: tenant,
        email: email.into(),
        role: role.into(),
        host_id: host,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at: T0,
        updated_at: T0,
    }
}

fn session(u: &User, byte: u8, expires_at: i64) -> Session {
    Session {
        id_hash: vec![byte; 32],
        user_id: u.id,
        tenant_id: u.tenant_id,
        csrf: format!("csrf-{byte}"),
        created_at: T0,
        last_seen_at: T0,
        expires_at,
    }
}

#[tokio::test]
async fn users_are_unique_per_tenant_whatever_the_case() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let owner = user(w.tenant, "Owner@Example.test", "owner", None);
        s.insert_user(&owner).await.unwrap();
        let stored = s.user(w.tenant, owner.id).await.unwrap();
        assert_eq!(stored.email, "owner@example.test", "kept lower-case");
        let again = user(w.tenant, "OWNER@example.TEST", "admin", None);
        assert!(matches!(s.insert_user(&again).await, Err(StoreError::Duplicate("email"))));
        // Another tenant may have the same address.
        let elsewhere = user(w.other, "owner@example.test", "owner", None);
        s.insert_user(&elsewhere).await.unwrap();
        let both = s.users_by_email(" OWNER@example.test ").await.unwrap();
        assert_eq!(both.len(), 2);
        // Roles are checked by the database.
        let bad = user(w.tenant, "x@example.test", "root", None);
        assert!(s.insert_user(&bad).await.is_err());
        // Scoped by tenant.
        assert!(matches!(s.user(w.other, owner.id).await, Err(StoreError::NotFound)));
        let host = user(w.tenant, "ann@example.test", "host", Some(w.hosts[0].id));
        s.insert_user(&host).await.unwrap();
        assert_eq!(s.list_users(w.tenant).await.unwrap().len(), 2);
        let moved = User { role: "admin".into(), host_id: None, updated_at: T0 + 1, ..host.clone() };
        s.update_user(&moved).await.unwrap();
        assert_eq!(s.user(w.tenant, host.id).await.unwrap().role, "admin");
        assert!(matches!(
            s.update_user(&User { tenant_id: w.other, ..moved.clone() }).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(s.delete_user(w.other, host.id).await, Err(StoreError::NotFound)));
        s.delete_user(w.tenant, host.id).await.unwrap();
        assert_eq!(s.list_users(w.tenant).await.unwrap(), vec![stored]);
        db
    })
    .await;
}

#[tokio::test]
async fn sessions_expire_and_end_with_a_new_password() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let u = user(w.tenant, "a@example.test", "owner", None);
        s.insert_user(&u).await.unwrap();
        let one = session(&u, 1, T0 + 100);
        s.insert_session(&one).await.unwrap();
        s.insert_session(&session(&u, 2, T0 + 100)).await.unwrap();
        s.insert_session(&session(&u, 3, T0 + 10)).await.unwrap();
        assert_eq!(s.session(&[1; 32], T0).await.unwrap(), Some(one.clone()));
        assert_eq!(s.session(&[1; 32], T0 + 100).await.unwrap(), None, "expired");
        s.touch_session(&[1; 32], T0 + 50, T0 + 200).await.unwrap();
        let touched = s.session(&[1; 32], T0 + 150).await.unwrap().unwrap();
        assert_eq!((touched.last_seen_at, touched.expires_at), (T0 + 50, T0 + 200));
        assert_eq!(s.purge_sessions(T0 + 20).await.unwrap(), 1);
        s.delete_session(&[2; 32]).await.unwrap();
        s.delete_session(&[2; 32]).await.unwrap();
        assert_eq!(s.session(&[2; 32], T0).await.unwrap(), None);
        s.set_password(w.tenant, u.id, "$argon2id$new", T0 + 60).await.unwrap();
        assert_eq!(s.user(w.tenant, u.id).await.unwrap().password_hash, "$argon2id$new");
        assert_eq!(s.session(&[1; 32], T0).await.unwrap(), None, "a new password ends every session");
        assert!(matches!(s.set_password(w.other, u.id, "x", T0).await, Err(StoreError::NotFound)));
        s.insert_session(&session(&u, 4, T0 + 100)).await.unwrap();
        s.delete_user(w.tenant, u.id).await.unwrap();
        assert_eq!(s.session(&[4; 32], T0).await.unwrap(), None);
        db
    })
    .await;
}

#[tokio::test]
async fn no_show_marks_and_the_source_filter() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let b = booking(&w, &[w.hosts[0].id], T0, "NOSHOW1");
        s.create_booking(&write(b.clone(), "created")).await.unwrap();
        s.set_no_show(w.tenant, b.id, Some(T0 + 3_600), &history(&b, "no_show")).await.unwrap();
        assert_eq!(s.booking(w.tenant, b.id).await.unwrap().no_show_at, Some(T0 + 3_600));
        let actions: Vec<_> = s
            .booking_history(w.tenant, b.id)
            .await
            .unwrap()
            .into_iter()
            .map(|h| h.action.to_string())
            .collect();
        assert_eq!(actions, ["created", "no_show"]);
        assert!(matches!(
            s.set_no_show(w.other, b.id, Some(T0), &history(&b, "no_show")).await,
            Err(StoreError::Stale)
        ));
        s.set_no_show(w.tenant, b.id, None, &history(&b, "no_show_cleared")).await.unwrap();
        assert_eq!(s.booking(w.tenant, b.id).await.unwrap().no_show_at, None);
        let by =
            |source: &str| BookingFilter { source: Some(source.into()), limit: 10, ..Default::default() };
        assert_eq!(s.list_bookings(w.tenant, &by("api")).await.unwrap().len(), 1);
        assert!(s.list_bookings(w.tenant, &by("voice")).await.unwrap().is_empty());
        db
    })
    .await;
}
