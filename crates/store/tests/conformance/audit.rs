//! The audit log: setting changes and booking history read together, newest first, per tenant.

use sked_core::ids::*;
use sked_store::*;
use sked_test_utils::on_each_store;

use crate::fixtures::*;

fn entry(tenant: TenantId, actor: &str, target: &str) -> AuditEntry {
    AuditEntry {
        id: uuid::Uuid::now_v7(),
        tenant_id: tenant,
        at: T0,
        actor: actor.into(),
        action: "PATCH /v1/hosts/{host_id}".into(),
        target: target.into(),
    }
}

#[tokio::test]
async fn setting_and_booking_changes_read_together_newest_first() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let first = entry(w.tenant, "api_key:a", "/v1/hosts/1");
        s.record_audit(&first).await.unwrap();
        let b = booking(&w, &[w.hosts[0].id], T0 + 86_400, "AUDIT1");
        s.create_booking(&write(b.clone(), "created")).await.unwrap();
        let last = entry(w.tenant, "user:u", "/v1/hosts/2");
        s.record_audit(&last).await.unwrap();
        // another tenant's changes are never seen
        s.record_audit(&entry(w.other, "api_key:a", "/v1/hosts/3")).await.unwrap();

        let rows = s.audit_log(w.tenant, None, page(10)).await.unwrap();
        let seen: Vec<_> =
            rows.iter().map(|r| (r.actor.as_str(), r.target.as_deref(), r.booking_id)).collect();
        assert_eq!(
            seen,
            [
                ("user:u", Some("/v1/hosts/2"), None),
                ("test", None, Some(b.id)),
                ("api_key:a", Some("/v1/hosts/1"), None)
            ]
        );
        assert_eq!(rows[1].action, "created");

        // pages follow one another without gaps or repeats
        let one = s.audit_log(w.tenant, None, page(1)).await.unwrap();
        let two = s.audit_log(w.tenant, None, Page { limit: 2, after: Some(one[0].id) }).await.unwrap();
        let ids: Vec<_> = one.iter().chain(&two).map(|r| r.id).collect();
        assert_eq!(ids, rows.iter().map(|r| r.id).collect::<Vec<_>>());

        // by actor
        let by = s.audit_log(w.tenant, Some("api_key:a"), page(10)).await.unwrap();
        assert_eq!(by.len(), 1);
        assert_eq!(by[0].id, first.id);
        db
    })
    .await;
}
