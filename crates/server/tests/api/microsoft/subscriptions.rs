//! Change-notification subscriptions: made with Graph's validation handshake, notifications
//! checked by `clientState`, renewed, replaced after lifecycle notifications, and deleted on
//! disconnect.

use sked_test_utils::microsoft::Lifecycle;

use super::*;

/// POSTs a notification body to the webhook as Graph would.
async fn post_notification(app: &TestApp, body: Value) -> StatusCode {
    let r = app.client.post(format!("{}/webhooks/microsoft", app.base)).json(&body).send().await.unwrap();
    r.status()
}

fn change(sub: &str, client_state: &str) -> Value {
    json!({"value": [{"subscriptionId": sub, "clientState": client_state, "changeType": "updated",
        "resource": "Users/x/Events/y", "tenantId": "t", "subscriptionExpirationDateTime": "2026-03-09T11:00:00Z",
        "resourceData": {"@odata.type": "#Microsoft.Graph.Event", "@odata.id": "Users/x/Events/y", "id": "y"}}]})
}

#[tokio::test]
async fn a_subscription_is_validated_and_its_notifications_sync() {
    on_each_store_ms(|app, g| async move {
        let w = world(&app).await;
        let main = g.default_calendar();
        connect(&app, &g, &w.hosts[0]).await;
        assert!(g.subscriptions().is_empty(), "none until the tick makes one");
        // Graph's handshake: the token echoed as plain text.
        let r = app
            .client
            .post(format!("{}/webhooks/microsoft?validationToken=Validation%3A%20Testing%20a%26b", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
        assert_eq!(r.text().await.unwrap(), "Validation: Testing a&b");

        // The stand-in made the subscription only after the same handshake with Sked.
        tick(&app).await;
        let subs = g.subscriptions();
        assert_eq!(subs.len(), 1, "{subs:?}");
        let sub = subs[0].clone();
        let url = format!("{}/webhooks/microsoft", app.base);
        assert_eq!(
            (sub["notificationUrl"].as_str(), sub["lifecycleNotificationUrl"].as_str()),
            (Some(url.as_str()), Some(url.as_str()))
        );
        assert!(sub["resource"].as_str().unwrap().contains(&main), "{sub}");
        assert_eq!(sub["changeType"], "created,updated,deleted");
        let secret = sub["clientState"].as_str().unwrap().to_owned();
        assert!(secret.len() >= 32, "{secret}");
        assert!(
            !crate::helpers::database_text(&app).await.contains(&secret),
            "clientState kept in plain text"
        );
        let expires = sub["expirationDateTime"].as_str().unwrap().parse::<Timestamp>().unwrap();
        assert!(expires.as_second() - app.clock.now().as_second() > 6 * 86_400, "{sub}");

        // A change in Outlook is announced and synced at once.
        assert!(free_at(&app, &w, "2026-03-10", "2026-03-10T13:00:00Z").await);
        g.put_event(&main, timed("Busy", "2026-03-10T09:00:00", "2026-03-10T10:00:00"));
        notify(&app, &g).await;
        assert!(!free_at(&app, &w, "2026-03-10", "2026-03-10T13:00:00Z").await);
        // Several changes before the worker runs make one sync.
        for h in 11..14 {
            g.put_event(
                &main,
                timed("More", &format!("2026-03-10T{h}:00:00"), &format!("2026-03-10T{h}:30:00")),
            );
        }
        let rounds = calls(&g, "GET", "calendarView/delta");
        let statuses = g.deliver_notifications().await;
        assert!(statuses.iter().all(|s| *s == 202), "{statuses:?}");
        app.run_pending_jobs().await;
        assert_eq!(calls(&g, "GET", "calendarView/delta"), rounds + 1);
        assert!(!free_at(&app, &w, "2026-03-10", "2026-03-10T15:00:00Z").await);

        // A notification with the wrong clientState, for an unknown subscription, or not a
        // notification at all, does nothing.
        let id = sub["id"].as_str().unwrap();
        assert_eq!(post_notification(&app, change(id, "guess")).await, StatusCode::UNAUTHORIZED);
        assert_eq!(
            post_notification(&app, json!({"value": [{"subscriptionId": id, "changeType": "updated"}]}))
                .await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(post_notification(&app, change("nope", &secret)).await, StatusCode::UNAUTHORIZED);
        assert_eq!(post_notification(&app, json!({"nothing": true})).await, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.run_pending_jobs().await.ran, 0);
        // The genuine one is taken.
        assert_eq!(post_notification(&app, change(id, &secret)).await, StatusCode::ACCEPTED);
        assert_eq!(app.run_pending_jobs().await.ran, 1);

        // A day before it expires the subscription is replaced, and the old one deleted.
        advance(&app, 6 * 86_400);
        tick(&app).await;
        let renewed = g.subscriptions();
        assert_eq!(renewed.len(), 1, "{renewed:?}");
        assert_ne!(renewed[0]["id"], sub["id"]);
        assert_eq!(calls(&g, "DELETE", &format!("/subscriptions/{id}")), 1);
        assert_eq!(post_notification(&app, change(id, &secret)).await, StatusCode::UNAUTHORIZED);
        g.put_event(&main, timed("Later", "2026-03-12T09:00:00", "2026-03-12T10:00:00"));
        notify(&app, &g).await;
        assert!(!free_at(&app, &w, "2026-03-12", "2026-03-12T13:00:00Z").await);
        app
    })
    .await;
}

#[tokio::test]
async fn lifecycle_notifications_bring_a_new_subscription_and_a_sync() {
    on_each_store_ms(|app, g| async move {
        let w = world(&app).await;
        let main = g.default_calendar();
        connect(&app, &g, &w.hosts[0]).await;
        tick(&app).await;
        let first = g.subscriptions()[0]["id"].as_str().unwrap().to_owned();

        // Reauthorization required: a new subscription replaces the old one.
        assert_eq!(g.send_lifecycle(&first, Lifecycle::ReauthorizationRequired).await, Some(202));
        app.run_pending_jobs().await;
        let subs = g.subscriptions();
        assert_eq!(subs.len(), 1, "{subs:?}");
        let second = subs[0]["id"].as_str().unwrap().to_owned();
        assert_ne!(second, first);
        assert_eq!(calls(&g, "DELETE", &format!("/subscriptions/{first}")), 1);

        // Graph drops the subscription; the change made meanwhile is never announced, yet the
        // new subscription's first sync finds it.
        g.put_event(&main, timed("Unannounced", "2026-03-10T09:00:00", "2026-03-10T10:00:00"));
        assert_eq!(g.send_lifecycle(&second, Lifecycle::SubscriptionRemoved).await, Some(202));
        assert!(g.deliver_notifications().await.is_empty(), "nothing left to deliver");
        app.run_pending_jobs().await;
        let subs = g.subscriptions();
        assert_eq!(subs.len(), 1, "{subs:?}");
        let third = subs[0]["id"].as_str().unwrap().to_owned();
        assert!(third != first && third != second);
        assert!(!free_at(&app, &w, "2026-03-10", "2026-03-10T13:00:00Z").await);
        // Notifications flow through the new one.
        g.put_event(&main, timed("Announced", "2026-03-11T09:00:00", "2026-03-11T10:00:00"));
        notify(&app, &g).await;
        assert!(!free_at(&app, &w, "2026-03-11", "2026-03-11T13:00:00Z").await);

        // A notification was missed (never delivered): Graph says so, and a sync catches up.
        g.put_event(&main, timed("Missed", "2026-03-13T09:00:00", "2026-03-13T10:00:00"));
        assert_eq!(g.send_lifecycle(&third, Lifecycle::Missed).await, Some(202));
        app.run_pending_jobs().await;
        assert!(!free_at(&app, &w, "2026-03-13", "2026-03-13T13:00:00Z").await);
        assert_eq!(g.subscriptions()[0]["id"], json!(third), "missed needs no new subscription");

        // A lifecycle notification with the wrong clientState is refused.
        let forged = json!({"value": [{"subscriptionId": third, "clientState": "guess", "lifecycleEvent": "subscriptionRemoved",
            "tenantId": "t", "subscriptionExpirationDateTime": "2026-03-09T11:00:00Z"}]});
        assert_eq!(post_notification(&app, forged).await, StatusCode::UNAUTHORIZED);
        assert_eq!(app.run_pending_jobs().await.ran, 0);
        assert_eq!(g.subscriptions()[0]["id"], json!(third));
        app
    })
    .await;
}

#[tokio::test]
async fn disconnecting_drops_busy_time_and_deletes_the_subscription() {
    on_each_store_ms(|app, g| async move {
        let w = world(&app).await;
        let main = g.default_calendar();
        g.put_event(&main, timed("Busy", "2026-03-03T09:00:00", "2026-03-03T10:00:00"));
        let c = connect(&app, &g, &w.hosts[0]).await;
        let id = c["id"].as_str().unwrap().to_owned();
        tick(&app).await;
        let sub = g.subscriptions()[0].clone();
        let b = book(&app, &w, "2026-03-03T16:00:00Z").await;
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 1);
        assert!(!free_at(&app, &w, "2026-03-03", "2026-03-03T14:00:00Z").await);

        let other = app
            .call_with("DELETE", &format!("/v1/connections/{id}"), None, &app.new_tenant("Other").await, &[])
            .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);
        let gone = app.delete(&format!("/v1/connections/{id}")).await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT);
        // Busy time from Outlook is gone at once; the booking stays.
        assert!(free_at(&app, &w, "2026-03-03", "2026-03-03T14:00:00Z").await);
        assert_eq!(app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await.body["status"], "confirmed");
        assert_eq!(app.get(&format!("/v1/connections/{id}")).await.status, StatusCode::NOT_FOUND);
        // Its notifications are no longer taken, and the subscription is deleted at Graph.
        let secret = sub["clientState"].as_str().unwrap();
        let r = app
            .client
            .post(format!("{}/webhooks/microsoft", app.base))
            .json(&json!({"value": [{"subscriptionId": sub["id"], "clientState": secret, "changeType": "updated", "resource": "x"}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        app.run_pending_jobs().await;
        assert!(g.subscriptions().is_empty(), "{:?}", g.subscriptions());
        assert_eq!(calls(&g, "DELETE", &format!("/subscriptions/{}", sub["id"].as_str().unwrap())), 1);
        assert_eq!(app.get("/v1/jobs?status=dead").await.body["data"].as_array().unwrap().len(), 0);
        // Later bookings are not written to Outlook.
        book(&app, &w, "2026-03-04T16:00:00Z").await;
        app.run_pending_jobs().await;
        assert_eq!(our_events(&g).len(), 1);
        app
    })
    .await;
}
