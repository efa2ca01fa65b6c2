//! Connections: tokens and grants, push channels, authorizations, health, and forged requests.

use super::*;

#[tokio::test]
async fn tokens_refresh_ahead_and_a_revoked_grant_is_reported() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        let c = connect(&app, &w.hosts[0]).await;
        let id = c["id"].as_str().unwrap().to_owned();
        // The database holds only sealed tokens.
        let stored = app.store.find_connection(id.parse().unwrap()).await.unwrap();
        let sealer = app.state.sealer.clone().unwrap();
        let access = sealer.open(stored.access_token.as_deref().unwrap()).unwrap();
        let refresh = sealer.open(stored.refresh_token.as_deref().unwrap()).unwrap();
        assert!(access.len() > 10 && refresh.len() > 10);
        let dump = database_text(&app).await;
        assert!(!dump.contains(&access) && !dump.contains(&refresh), "a plaintext token is in the database");

        // An hour later the token is refreshed before it is used.
        advance(&app, 3_400);
        tick(&app).await;
        let audit = app.get(&format!("/v1/connections/{id}/token-audit")).await;
        let actions: Vec<&str> =
            audit.body.as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
        assert_eq!(actions.first(), Some(&"refreshed"), "{actions:?}");
        assert_eq!(actions.last(), Some(&"granted"));

        // The user revokes access in Google: the next refresh says invalid_grant.
        g.revoke_refresh_tokens();
        advance(&app, 3_600);
        tick(&app).await;
        let now = app.get(&format!("/v1/connections/{id}")).await;
        assert_eq!(now.body["status"], "revoked", "{}", now.body);
        assert!(now.body["last_error"].as_str().unwrap().contains("invalid_grant"));
        let alerts = app.get("/v1/jobs").await;
        let alert = alerts.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["kind"] == "connection.event")
            .cloned()
            .unwrap();
        assert_eq!(
            (alert["payload"]["event"].as_str(), alert["payload"]["status"].as_str()),
            (Some("connection.unhealthy"), Some("revoked"))
        );
        assert_eq!(alert["payload"]["host_id"], json!(w.hosts[0]));
        // Revoked connections are left alone; bookings still succeed.
        book(&app, &w, "2026-03-03T14:00:00Z").await;
        advance(&app, 3_600);
        tick(&app).await;
        assert_eq!(app.get("/v1/jobs?status=dead").await.body["data"].as_array().unwrap().len(), 0);
        app
    })
    .await;
}

#[tokio::test]
async fn push_channels_are_verified_renewed_and_polling_catches_up() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &w.hosts[0]).await;
        tick(&app).await;
        let ch = g.channels();
        assert_eq!(ch.len(), 1);
        assert_eq!(ch[0]["address"], format!("{}/webhooks/google", app.base));
        // A notification with a wrong token, or for an unknown channel, does nothing.
        let forged = app
            .client
            .post(format!("{}/webhooks/google", app.base))
            .header("x-goog-channel-id", ch[0]["id"].as_str().unwrap())
            .header("x-goog-channel-token", "guess")
            .header("x-goog-resource-id", ch[0]["resourceId"].as_str().unwrap())
            .header("x-goog-resource-state", "exists")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
        let unknown = app
            .client
            .post(format!("{}/webhooks/google", app.base))
            .header("x-goog-channel-id", "nope")
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        // A channel's first message may arrive before `watch` answered: taken, and nothing runs.
        let first = app
            .client
            .post(format!("{}/webhooks/google", app.base))
            .header("x-goog-channel-id", "not-saved-yet")
            .header("x-goog-resource-state", "sync")
            .header("x-goog-message-number", "1")
            .send()
            .await
            .unwrap();
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(app.run_pending_jobs().await.ran, 0);

        // Channels are renewed a day before they expire; the old one is stopped.
        advance(&app, 6 * 86_400 + 3_600);
        tick(&app).await;
        let renewed = g.channels();
        assert_eq!(renewed.len(), 1);
        assert_ne!(renewed[0]["id"], ch[0]["id"]);

        // Without notifications, the poll finds changes within its interval.
        g.put_event(ANN, timed("quiet", "2026-03-10T09:00:00-04:00", "2026-03-10T10:00:00-04:00"));
        assert!(ann_starts(&app, &w, "2026-03-10").await.contains(&"2026-03-10T13:00:00Z".to_owned()));
        advance(&app, 300);
        tick(&app).await;
        assert!(!ann_starts(&app, &w, "2026-03-10").await.contains(&"2026-03-10T13:00:00Z".to_owned()));
        app
    })
    .await;
}

#[tokio::test]
async fn a_change_made_before_the_push_channel_opens_is_synced_when_it_opens() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        connect(&app, &w.hosts[0]).await;
        assert!(g.channels().is_empty(), "no channel until the tick opens one");
        // Right after connecting: no channel yet to tell us, and the next poll is minutes away.
        g.put_event(ANN, timed("early", "2026-03-10T09:00:00-04:00", "2026-03-10T10:00:00-04:00"));
        assert!(ann_starts(&app, &w, "2026-03-10").await.contains(&"2026-03-10T13:00:00Z".to_owned()));
        // Opening the channel syncs once, so the change shows without waiting for the poll.
        tick(&app).await;
        assert_eq!(g.channels().len(), 1);
        assert!(!ann_starts(&app, &w, "2026-03-10").await.contains(&"2026-03-10T13:00:00Z".to_owned()));
        app
    })
    .await;
}

#[tokio::test]
async fn authorizations_are_signed_single_use_and_expire() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        let back = consent(&app, &w.hosts[0]).await;
        let (base, query) = back.split_once('?').unwrap();
        assert_eq!(base, format!("{}/oauth/google/callback", app.base));
        assert!(query.contains("code=") && query.contains("state="));

        let first = open(&back).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.body);
        let again = open(&back).await;
        assert_eq!((again.status, again.code()), (StatusCode::BAD_REQUEST, "invalid_state"));

        // A forged signature connects nothing, and does not spend the genuine authorization.
        let other = consent(&app, &w.hosts[1]).await;
        let state = other.split_once("state=").unwrap().1.split('&').next().unwrap().to_owned();
        let (signed, _) = state.rsplit_once('.').unwrap();
        let forged = other.replace(&state, &format!("{signed}.AAAA"));
        assert_eq!(open(&forged).await.code(), "invalid_state");
        let genuine = open(&other).await;
        assert_eq!(genuine.status, StatusCode::OK, "{}", genuine.body);
        assert_eq!(app.get("/v1/connections").await.body["data"].as_array().unwrap().len(), 2);

        // Ten minutes is all an authorization gets.
        let late = consent(&app, &w.hosts[1]).await;
        advance(&app, 601);
        assert_eq!(open(&late).await.code(), "invalid_state");

        // The user says no.
        g.deny_next_consent();
        let denied = consent(&app, &w.hosts[1]).await;
        assert!(denied.contains("error=access_denied"));
        let r = open(&denied).await;
        assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "oauth_denied"));

        // With redirect_to, the browser goes back to the admin's page either way.
        let r = app
            .post(
                &format!("/v1/hosts/{}/connections/google", w.hosts[1]),
                json!({"redirect_to": "https://admin.example/calendars"}),
            )
            .await;
        let consent = browser().get(r.body["authorization_url"].as_str().unwrap()).send().await.unwrap();
        let back = consent.headers()["location"].to_str().unwrap().to_owned();
        let done = browser().get(&back).send().await.unwrap();
        assert_eq!(done.status(), StatusCode::SEE_OTHER);
        assert!(
            done.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("https://admin.example/calendars?connection_id=")
        );
        let list = app.get(&format!("/v1/connections?host_id={}", w.hosts[1])).await;
        assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
        assert_eq!(app.get("/v1/connections").await.body["data"].as_array().unwrap().len(), 2);
        let missing =
            app.post("/v1/hosts/01890000-0000-7000-8000-000000000000/connections/google", json!({})).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        // A login hint with a line break in it is refused, naming the field.
        let bad = app
            .post(
                &format!("/v1/hosts/{}/connections/google", w.hosts[1]),
                json!({"login_hint": "a@b.test\n"}),
            )
            .await;
        assert_eq!((bad.status, bad.code()), (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
        assert_eq!(bad.body["errors"][0]["field"], "login_hint", "{}", bad.body);
        // Events unticked on Google's consent screen: refused, the grant given back, nothing
        // connected.
        g.set_account("bo@acme.test");
        g.withhold_next_consent(&["calendar.events"]);
        let partial = crate::google::consent(&app, &w.hosts[1]).await;
        let revokes = |g: &GoogleStandIn| {
            g.requests().iter().filter(|(m, p)| m == "POST" && p.starts_with("/revoke")).count()
        };
        let before = revokes(&g);
        let r = open(&partial).await;
        assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "oauth_scope_missing"), "{}", r.body);
        assert!(r.body["detail"].as_str().unwrap().contains("edit calendar events"), "{}", r.body);
        assert_eq!(revokes(&g), before + 1, "the partial grant is given back");
        let listed = app.get(&format!("/v1/connections?host_id={}", w.hosts[1])).await;
        assert!(
            listed.body["data"].as_array().unwrap().iter().all(|c| c["account"] != "bo@acme.test"),
            "{}",
            listed.body
        );
        app
    })
    .await;
}

#[tokio::test]
async fn without_google_settings_connecting_says_so() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let r = app.post(&format!("/v1/hosts/{}/connections/google", w.hosts[0]), json!({})).await;
        assert_eq!((r.status, r.code()), (StatusCode::SERVICE_UNAVAILABLE, "not_configured"));
        app
    })
    .await;
}

#[tokio::test]
async fn a_time_limited_grant_turns_expiring_then_revoked() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        g.set_grant_lifetime(Some(7 * 86_400));
        let c = connect(&app, &w.hosts[0]).await;
        let path = format!("/v1/connections/{}", c["id"].as_str().unwrap());
        advance(&app, 1_000);
        tick(&app).await;
        assert_eq!(app.get(&path).await.body["status"], "healthy");
        advance(&app, 4 * 86_400 + 12 * 3_600);
        tick(&app).await;
        let now = app.get(&path).await;
        assert_eq!(now.body["status"], "expiring", "{}", now.body);
        let alerts = app.get("/v1/jobs").await;
        assert!(
            alerts.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|j| j["kind"] == "connection.event" && j["payload"]["status"] == "expiring")
        );
        advance(&app, 3 * 86_400);
        tick(&app).await;
        assert_eq!(app.get(&path).await.body["status"], "revoked");
        app
    })
    .await;
}

/// A health check Google throttles (429 with `Retry-After`) is no fault of the connection: its
/// status stays, with the answer as its last error, and no alert goes out; the next check clears
/// the error.
#[tokio::test]
async fn a_throttled_health_check_keeps_the_status_and_raises_no_alert() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        let c = connect(&app, &w.hosts[0]).await;
        let path = format!("/v1/connections/{}", c["id"].as_str().unwrap());
        advance(&app, 1_000);
        tick(&app).await;
        assert_eq!(app.get(&path).await.body["status"], "healthy");
        g.rate_limit_next(usize::MAX, 120);
        advance(&app, 16 * 60);
        tick(&app).await;
        let now = app.get(&path).await.body;
        assert_eq!(now["status"], "healthy", "{now}");
        assert!(now["last_error"].as_str().is_some_and(|e| !e.is_empty()), "{now}");
        let jobs = app.get("/v1/jobs").await.body;
        let events: Vec<_> =
            jobs["data"].as_array().unwrap().iter().filter(|j| j["kind"] == "connection.event").collect();
        assert!(events.is_empty(), "{events:?}");
        g.rate_limit_next(0, 0);
        advance(&app, 16 * 60);
        tick(&app).await;
        let now = app.get(&path).await.body;
        assert_eq!((now["status"].as_str(), now["last_error"].as_str()), (Some("healthy"), None), "{now}");
        app
    })
    .await;
}

#[tokio::test]
async fn a_booking_calendar_that_turns_read_only_makes_the_connection_unhealthy() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        g.add_calendar(ANN, "team-ann", "Team bookings", ZONE);
        let c = connect(&app, &w.hosts[0]).await;
        let id = c["id"].as_str().unwrap().to_owned();
        let r = app.patch(&format!("/v1/connections/{id}"), json!({"booking_calendar_id": "team-ann"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        app.run_pending_jobs().await;
        // The team calendar's owner makes it read-only for Ann: the next booking cannot be
        // written, and the connection says so at once.
        g.set_read_only("team-ann", true);
        let b = book(&app, &w, "2026-03-03T16:00:00Z").await;
        app.run_pending_jobs().await;
        let got = app.get(&format!("/v1/connections/{id}")).await;
        assert_eq!(got.body["status"], "error", "{}", got.body);
        assert!(
            got.body["last_error"]
                .as_str()
                .unwrap()
                .contains("can no longer edit the booking calendar \"Team bookings\""),
            "{}",
            got.body
        );
        let jobs = app.get("/v1/jobs?status=dead").await;
        assert!(
            jobs.body["data"].as_array().unwrap().iter().any(|j| j["kind"] == "calendar.push"),
            "{}",
            jobs.body
        );
        assert!(
            app.get(&format!("/v1/bookings/{}", b["id"].as_str().unwrap())).await.body["status"]
                == "confirmed"
        );
        // Access back: the periodic check finds it healthy, and a resync writes the booking.
        g.set_read_only("team-ann", false);
        advance(&app, 16 * 60);
        tick(&app).await;
        assert_eq!(app.get(&format!("/v1/connections/{id}")).await.body["status"], "healthy");
        app.post(&format!("/v1/connections/{id}/sync"), json!({})).await;
        app.run_pending_jobs().await;
        let written: Vec<Value> = g
            .events("team-ann")
            .into_iter()
            .filter(|e| e["extendedProperties"]["private"]["sked_booking_id"] == b["id"])
            .collect();
        assert_eq!(written.len(), 1);
        app
    })
    .await;
}

#[tokio::test]
async fn forged_pushes_and_callbacks_are_limited_per_address() {
    on_each_store_google_with(
        |s| {
            s.failure_limit_burst = 3;
            s.trust_forwarded_for = true;
        },
        |app, g| async move {
            let w = world(&app).await;
            connect(&app, &w.hosts[0]).await;
            tick(&app).await;
            let ch = g.channels()[0].clone();
            let push = |from: &'static str, channel: String, token: &'static str| {
                let req = app
                    .client
                    .post(format!("{}/webhooks/google", app.base))
                    .header("x-forwarded-for", from)
                    .header("x-goog-channel-id", channel)
                    .header("x-goog-channel-token", token)
                    .header("x-goog-resource-id", ch["resourceId"].as_str().unwrap())
                    .header("x-goog-resource-state", "exists");
                async move { req.send().await.unwrap().status() }
            };
            let id = ch["id"].as_str().unwrap().to_owned();
            // Genuine notifications never count.
            for n in 0..5 {
                g.put_event(
                    ANN,
                    timed(&format!("e{n}"), "2026-03-10T09:00:00-04:00", "2026-03-10T10:00:00-04:00"),
                );
                notify(&app, &g).await;
            }
            for _ in 0..3 {
                assert_eq!(push("192.0.2.10", id.clone(), "guess").await, StatusCode::UNAUTHORIZED);
            }
            assert_eq!(push("192.0.2.10", id.clone(), "guess").await, StatusCode::TOO_MANY_REQUESTS);
            for _ in 0..3 {
                assert_eq!(push("192.0.2.11", "nope".into(), "guess").await, StatusCode::NOT_FOUND);
            }
            assert_eq!(push("192.0.2.11", "nope".into(), "guess").await, StatusCode::TOO_MANY_REQUESTS);
            g.put_event(ANN, timed("after", "2026-03-11T09:00:00-04:00", "2026-03-11T10:00:00-04:00"));
            notify(&app, &g).await;

            // Forged callbacks: limited, and the genuine authorization survives them.
            let back = consent(&app, &w.hosts[1]).await;
            let state = back.split_once("state=").unwrap().1.split('&').next().unwrap().to_owned();
            let (signed, _) = state.rsplit_once('.').unwrap();
            let callback = |from: &'static str, url: String| {
                let req = browser().get(url).header("x-forwarded-for", from);
                async move { req.send().await.unwrap().status() }
            };
            for n in 0..3 {
                let forged = back.replace(&state, &format!("{signed}.forged{n}"));
                assert_eq!(callback("192.0.2.12", forged).await, StatusCode::BAD_REQUEST);
            }
            let forged = back.replace(&state, &format!("{signed}.forged"));
            assert_eq!(callback("192.0.2.12", forged).await, StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(callback("192.0.2.12", back.clone()).await, StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(callback("192.0.2.13", back).await, StatusCode::OK);
            app
        },
    )
    .await;
}

#[tokio::test]
async fn an_unhealthy_connection_emails_its_host_once_a_day_with_a_link_that_reconnects() {
    let Some(sink) = sked_test_utils::smtp::SmtpSink::start() else { return };
    on_each_store_google_with(
        |s| crate::notify::with_email(s, &sink),
        |app, g| {
            let sink = &sink;
            async move {
                let w = world(&app).await;
                let rx = app
                    .post(
                        "/v1/webhooks",
                        json!({"url": "https://hooks.example.com/x", "events": ["connection.unhealthy"]}),
                    )
                    .await;
                assert_eq!(rx.status, 201, "{}", rx.body);
                let c = connect(&app, &w.hosts[0]).await;
                let id = c["id"].as_str().unwrap().to_owned();
                let before = sink.messages().len();
                g.revoke_refresh_tokens();
                advance(&app, 3_600);
                tick(&app).await;
                assert_eq!(app.get(&format!("/v1/connections/{id}")).await.body["status"], "revoked");
                let mails: Vec<_> =
                    sink.messages()[before..].iter().map(|m| crate::notify::parse(m)).collect();
                assert_eq!(mails.len(), 1, "{mails:#?}");
                assert_eq!(mails[0].to, "ann@acme.test");
                assert!(mails[0].subject.contains("calendar connection"), "{}", mails[0].subject);
                let link = mails[0]
                    .text
                    .split_whitespace()
                    .find(|w| w.contains("/connect/"))
                    .unwrap_or_else(|| panic!("a reconnect link in {}", mails[0].text))
                    .to_owned();
                // The webhook endpoint was told too (its delivery is in the log).
                let deliveries = app.get(&format!("/v1/webhooks/{}/deliveries", rx.id())).await;
                assert_eq!(deliveries.body["data"][0]["kind"], "connection.unhealthy");
                // The link starts a new authorization at the provider, for that account.
                let r = browser().get(&link).send().await.unwrap();
                assert_eq!(r.status(), 303);
                let to = r.headers()["location"].to_str().unwrap().to_owned();
                assert!(to.starts_with(&g.auth_url()) && to.contains("login_hint="), "{to}");
                let forged = format!("{link}x");
                assert_eq!(browser().get(&forged).send().await.unwrap().status(), 404);
                // Once a day: a second bad turn within 24 hours sends no second email.
                let conn: sked_core::ids::ConnectionId = id.parse().unwrap();
                let stored = app.store.find_connection(conn).await.unwrap();
                sked_server::calendars::health::record(&app.state, &stored, "healthy", None, None)
                    .await
                    .unwrap();
                advance(&app, 3_600);
                sked_server::calendars::health::record(&app.state, &stored, "error", Some("boom"), None)
                    .await
                    .unwrap();
                app.run_pending_jobs().await;
                assert_eq!(sink.messages().len(), before + 1);
                advance(&app, 86_400);
                sked_server::calendars::health::record(&app.state, &stored, "healthy", None, None)
                    .await
                    .unwrap();
                sked_server::calendars::health::record(&app.state, &stored, "error", Some("boom"), None)
                    .await
                    .unwrap();
                app.run_pending_jobs().await;
                assert_eq!(sink.messages().len(), before + 2, "a day later, a new alert");
                app
            }
        },
    )
    .await;
}
