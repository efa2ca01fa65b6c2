//! Voice agents and calls.

use sked_core::ids::*;
use sked_store::*;
use sked_test_utils::on_each_store;

use crate::fixtures::*;

fn agent(w: &World) -> VoiceAgent {
    VoiceAgent {
        id: VoiceAgentId::new(),
        tenant_id: w.tenant,
        platform: sked_voice::Platform::Retell,
        platform_agent_id: Some("agent_123".into()),
        event_type_ids: Ids(vec![w.event_type.id]),
        default_event_type_id: w.event_type.id,
        time_zone: "America/New_York".parse().unwrap(),
        secret: "sealed".into(),
        auth_header: None,
        max_options_spoken: 3,
        clock: sked_core::local::HourClock::H12,
        language: sked_when::Language::En,
        created_at: T0,
        updated_at: T0,
    }
}

#[tokio::test]
async fn voice_agents_are_scoped_and_found_by_id() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let a = agent(&w);
        s.insert_voice_agent(&a).await.unwrap();
        assert_eq!(s.voice_agent(w.tenant, a.id).await.unwrap(), a);
        assert_eq!(s.find_voice_agent(a.id).await.unwrap(), a);
        assert!(matches!(s.voice_agent(w.other, a.id).await, Err(StoreError::NotFound)));
        assert!(matches!(s.delete_voice_agent(w.other, a.id).await, Err(StoreError::NotFound)));
        assert!(matches!(
            s.update_voice_agent(&VoiceAgent { tenant_id: w.other, ..a.clone() }).await,
            Err(StoreError::NotFound)
        ));
        let changed =
            VoiceAgent { max_options_spoken: 2, clock: sked_core::local::HourClock::H24, ..a.clone() };
        s.update_voice_agent(&changed).await.unwrap();
        assert_eq!(s.list_voice_agents(w.tenant, page(10)).await.unwrap(), vec![changed]);
        assert!(s.list_voice_agents(w.other, page(10)).await.unwrap().is_empty());
        s.delete_voice_agent(w.tenant, a.id).await.unwrap();
        assert!(matches!(s.find_voice_agent(a.id).await, Err(StoreError::NotFound)));
        db
    })
    .await;
}

#[tokio::test]
async fn call_notes_merge_and_bookings_are_found_by_call() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let w = world(&s).await;
        let a = agent(&w);
        s.insert_voice_agent(&a).await.unwrap();
        let mut b1 = booking(&w, &[w.hosts[0].id], T0, "VVVVV1");
        b1.external_ref = Some("call_1".into());
        s.create_booking(&write(b1.clone(), "created")).await.unwrap();
        s.create_booking(&write(booking(&w, &[w.hosts[0].id], T0 + 7_200, "VVVVV2"), "created"))
            .await
            .unwrap();
        let note = |event: Option<&str>, from: Option<&str>| VoiceCall {
            voice_agent_id: a.id,
            call_id: "call_1".into(),
            tenant_id: w.tenant,
            from_number: from.map(str::to_owned),
            last_event: event.map(str::to_owned),
            report: event.map(|e| format!(r#"{{"event":"{e}"}}"#)),
            created_at: T0,
            updated_at: T0,
        };
        s.note_voice_call(&note(Some("call_ended"), Some("+15551234567"))).await.unwrap();
        let merged = s.note_voice_call(&note(Some("call_analyzed"), Some("+15550000000"))).await.unwrap();
        assert_eq!(merged.from_number.as_deref(), Some("+15551234567"), "the first number stays");
        assert_eq!(merged.last_event.as_deref(), Some("call_analyzed"));
        assert_eq!(s.voice_call(w.tenant, a.id, "call_1").await.unwrap(), merged);
        assert!(matches!(s.voice_call(w.other, a.id, "call_1").await, Err(StoreError::NotFound)));
        let by_call = BookingFilter { external_ref: Some("call_1".into()), limit: 10, ..Default::default() };
        let found: Vec<BookingId> =
            s.list_bookings(w.tenant, &by_call).await.unwrap().into_iter().map(|b| b.id).collect();
        assert_eq!(found, vec![b1.id]);
        assert!(s.list_bookings(w.other, &by_call).await.unwrap().is_empty());
        // Reports land in the booking's history.
        let entry = HistoryEntry { action: "call_analyzed".parse().unwrap(), ..history(&b1, "created") };
        s.add_history(&entry).await.unwrap();
        let actions: Vec<String> = s
            .booking_history(w.tenant, b1.id)
            .await
            .unwrap()
            .into_iter()
            .map(|h| h.action.to_string())
            .collect();
        assert_eq!(actions, vec!["created", "call_analyzed"]);
        db
    })
    .await;
}

#[tokio::test]
async fn a_signed_request_is_seen_once_until_its_window_closes() {
    on_each_store(|db| async move {
        let s = db.store().await;
        assert!(s.first_seen("retell:abc", T0 + 300, T0).await.unwrap());
        assert!(!s.first_seen("retell:abc", T0 + 300, T0 + 10).await.unwrap(), "a replay");
        assert!(s.first_seen("retell:def", T0 + 300, T0 + 10).await.unwrap(), "another request");
        // Another process on the same database sees it too; at the same instant only one wins.
        let other = db.store().await;
        assert!(!other.first_seen("retell:abc", T0 + 300, T0 + 20).await.unwrap());
        let (a, b) = tokio::join!(s.first_seen("race", T0 + 300, T0), other.first_seen("race", T0 + 300, T0));
        assert!(a.unwrap() ^ b.unwrap(), "exactly one of two racing processes sees it first");
        // Once its window closed, the key is forgotten.
        assert!(s.first_seen("retell:abc", T0 + 700, T0 + 301).await.unwrap());
        db
    })
    .await;
}
