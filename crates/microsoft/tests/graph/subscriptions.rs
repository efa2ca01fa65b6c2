//! Subscriptions: the validation handshake, renewals, change and lifecycle notifications.

use std::time::Duration;

use sked_microsoft::notifications::{
    self, ChangeType, LifecycleEvent, NotificationKind, client_state_matches,
};
use sked_microsoft::{MAX_EVENT_SUBSCRIPTION_MINUTES, NewSubscription, ProviderError, events_resource};
use sked_test_utils::microsoft::Lifecycle;

use super::support::{Answer, Hook, NOW, env, event, ts};

const STATE: &str = "0123456789abcdef-client-state";

fn expiring(minutes: i64) -> jiff::Timestamp {
    ts(NOW).checked_add(jiff::SignedDuration::from_mins(minutes)).unwrap()
}

#[tokio::test]
async fn creating_validates_both_urls_and_notifications_follow_changes() {
    let e = env().await;
    let access = e.connect().await.access_token;
    let cal = e.ms.default_calendar();
    let hook = Hook::start(Answer::Echo).await;
    let resource = events_resource(Some(&cal));
    let sub = e
        .client
        .create_subscription(
            &access,
            &NewSubscription {
                notification_url: &hook.url,
                lifecycle_url: Some(&hook.url),
                resource: &resource,
                expiration: expiring(60 * 24),
                client_state: STATE,
            },
        )
        .await
        .unwrap();
    assert_eq!(sub.expiration, expiring(60 * 24));
    assert_eq!(sub.resource.as_deref(), Some(resource.as_str()));
    let validations = hook.validations.lock().unwrap().clone();
    assert_eq!(validations.len(), 2);
    assert!(validations[0].starts_with("Validation: Testing client application reachability"));

    let id = e.ms.put_event(&cal, event("new", "2026-03-10T09:00:00", "2026-03-10T10:00:00"));
    e.ms.delete_event(&id);
    assert_eq!(e.ms.deliver_notifications().await, vec![202]);
    let body = serde_json::to_vec(&hook.received()[0]).unwrap();
    let items = notifications::parse(&body).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].subscription_id, sub.id);
    assert!(client_state_matches(STATE, items[0].client_state.as_deref()));
    let changes: Vec<(ChangeType, Option<String>)> = items
        .iter()
        .map(|n| match &n.kind {
            NotificationKind::Change { change_type, resource_id, .. } => {
                (change_type.clone(), resource_id.clone())
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(changes, vec![(ChangeType::Created, Some(id.clone())), (ChangeType::Deleted, Some(id))]);
}

#[tokio::test]
async fn an_endpoint_that_does_not_echo_in_time_gets_no_subscription() {
    let e = env().await;
    let access = e.connect().await.access_token;
    e.ms.set_validation_timeout(Duration::from_millis(300));
    for answer in [Answer::Wrong, Answer::Slow(Duration::from_secs(2))] {
        let hook = Hook::start(answer).await;
        let err = e
            .client
            .create_subscription(
                &access,
                &NewSubscription {
                    notification_url: &hook.url,
                    lifecycle_url: None,
                    resource: &events_resource(None),
                    expiration: expiring(60),
                    client_state: STATE,
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, ProviderError::Refused { status: 400, .. }), "{answer:?}: {err:?}");
    }
    assert!(e.ms.subscriptions().is_empty());
}

#[tokio::test]
async fn renewals_keep_what_graph_grants() {
    let e = env().await;
    let access = e.connect().await.access_token;
    let hook = Hook::start(Answer::Echo).await;
    let ask = |minutes| NewSubscription {
        notification_url: &hook.url,
        lifecycle_url: None,
        resource: "/me/events",
        expiration: expiring(minutes),
        client_state: STATE,
    };
    let too_long =
        e.client.create_subscription(&access, &ask(MAX_EVENT_SUBSCRIPTION_MINUTES + 1)).await.unwrap_err();
    assert!(matches!(too_long, ProviderError::Refused { status: 400, .. }), "{too_long:?}");
    e.ms.cap_subscriptions(Some(4230));
    let sub = e.client.create_subscription(&access, &ask(MAX_EVENT_SUBSCRIPTION_MINUTES)).await.unwrap();
    assert_eq!(sub.expiration, expiring(4230), "Graph may grant less than asked");
    e.ms.cap_subscriptions(None);
    let renewed = e
        .client
        .renew_subscription(&access, &sub.id, expiring(MAX_EVENT_SUBSCRIPTION_MINUTES))
        .await
        .unwrap();
    assert_eq!(renewed.id, sub.id);
    assert_eq!(renewed.expiration, expiring(MAX_EVENT_SUBSCRIPTION_MINUTES));
    e.client.delete_subscription(&access, &sub.id).await.unwrap();
    e.client.delete_subscription(&access, &sub.id).await.unwrap();
    let err = e.client.renew_subscription(&access, &sub.id, expiring(60)).await.unwrap_err();
    assert_eq!(err, ProviderError::NotFound);
}

#[tokio::test]
async fn lifecycle_notifications_reach_the_lifecycle_url() {
    let e = env().await;
    let access = e.connect().await.access_token;
    let hook = Hook::start(Answer::Echo).await;
    let sub = e
        .client
        .create_subscription(
            &access,
            &NewSubscription {
                notification_url: &hook.url,
                lifecycle_url: Some(&hook.url),
                resource: "/me/events",
                expiration: expiring(120),
                client_state: STATE,
            },
        )
        .await
        .unwrap();
    assert_eq!(e.ms.send_lifecycle(&sub.id, Lifecycle::ReauthorizationRequired).await, Some(202));
    assert_eq!(e.ms.send_lifecycle(&sub.id, Lifecycle::SubscriptionRemoved).await, Some(202));
    let kinds: Vec<NotificationKind> = hook
        .received()
        .iter()
        .flat_map(|b| notifications::parse(&serde_json::to_vec(b).unwrap()).unwrap())
        .map(|n| n.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            NotificationKind::Lifecycle(LifecycleEvent::ReauthorizationRequired),
            NotificationKind::Lifecycle(LifecycleEvent::SubscriptionRemoved)
        ]
    );
    assert!(e.ms.subscriptions().is_empty());
    let err = e.client.renew_subscription(&access, &sub.id, expiring(60)).await.unwrap_err();
    assert_eq!(err, ProviderError::NotFound);
    e.advance(3600);
    assert!(e.ms.send_lifecycle("unknown", Lifecycle::Missed).await.is_none());
}
