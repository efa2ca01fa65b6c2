//! An unhealthy Outlook connection: the host's email and the dashboard lead back to Microsoft's
//! consent, for the same account.

use super::*;
use crate::admin::{csrf, page, post, signed_in, user};

/// Follows Microsoft's consent from `url` back to Sked; answers Sked's answer.
async fn through_consent(url: &str) -> reqwest::Response {
    let consent = browser().get(url).send().await.unwrap();
    assert_eq!(consent.status(), StatusCode::FOUND, "{url}");
    let back = consent.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.contains("/oauth/microsoft/callback?"), "{back}");
    browser().get(&back).send().await.unwrap()
}

#[tokio::test]
async fn a_revoked_grant_emails_a_link_that_reconnects_through_microsoft() {
    let Some(sink) = sked_test_utils::smtp::SmtpSink::start() else { return };
    on_each_store_ms_with(
        |s| crate::notify::with_email(s, &sink),
        |app, g| {
            let sink = &sink;
            async move {
                let w = world(&app).await;
                let c = connect(&app, &g, &w.hosts[0]).await;
                let id = c["id"].as_str().unwrap().to_owned();
                let before = sink.messages().len();
                g.revoke_refresh_tokens();
                advance(&app, 3_600);
                tick(&app).await;
                assert_eq!(app.get(&format!("/v1/connections/{id}")).await.body["status"], "revoked");
                let mails: Vec<_> =
                    sink.messages()[before..].iter().map(|m| crate::notify::parse(m)).collect();
                assert_eq!(mails.len(), 1, "{mails:#?}");
                assert_eq!(mails[0].to, ANN);
                let link = mails[0]
                    .text
                    .split_whitespace()
                    .find(|w| w.contains("/connect/"))
                    .unwrap_or_else(|| panic!("a reconnect link in {}", mails[0].text))
                    .to_owned();
                // The link starts a new authorization at Microsoft, for that account.
                let r = browser().get(&link).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.text().await);
                let to = r.headers()["location"].to_str().unwrap().to_owned();
                assert!(to.starts_with(&format!("{}?", g.auth_url())), "to Microsoft, not Google: {to}");
                assert!(to.contains(&format!("login_hint={}", ANN.replace('@', "%40"))), "{to}");
                let done = through_consent(&to).await;
                assert_eq!(done.status(), StatusCode::OK);
                app.run_pending_jobs().await;
                let list = app.get("/v1/connections").await;
                let all = list.body["data"].as_array().unwrap();
                assert_eq!(all.len(), 1, "the same account replaces its connection: {}", list.body);
                assert_eq!(
                    (all[0]["provider"].as_str(), all[0]["status"].as_str()),
                    (Some("microsoft"), Some("healthy"))
                );
                app
            }
        },
    )
    .await;
}

#[tokio::test]
async fn the_connections_page_reconnects_an_outlook_connection() {
    on_each_store_ms(|app, g| async move {
        let w = world(&app).await;
        let c = connect(&app, &g, &w.hosts[0]).await;
        let id = c["id"].as_str().unwrap().to_owned();
        g.revoke_refresh_tokens();
        advance(&app, 7_200);
        tick(&app).await;
        let (email, password) = user(&app, "admin@acme.test", "admin", None).await;
        let b = signed_in(&app, &email, &password).await;
        let (status, html) = page(&app, &b, "/admin/connections").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(ANN) && html.contains("revoked") && html.contains("invalid_grant"), "{html}");
        assert!(html.contains(&format!("/admin/connections/{id}/reconnect")), "a reconnect button: {html}");
        let token = csrf(&app, &b).await;
        let r = post(&app, &b, &format!("/admin/connections/{id}/reconnect"), &[("csrf", &token)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let url = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(url.starts_with(&format!("{}?", g.auth_url())), "{url}");
        let done = through_consent(&url).await;
        assert_eq!(done.status(), StatusCode::SEE_OTHER, "back to the page");
        app.run_pending_jobs().await;
        let (_, html) = page(&app, &b, "/admin/connections").await;
        assert!(html.contains("health-healthy"), "{html}");
        app
    })
    .await;
}
