//! The dashboard's connections page: health, the reason, and reconnecting.

use super::*;
use crate::admin::{csrf, page, post, signed_in, user};

#[tokio::test]
async fn the_connections_page_shows_a_revoked_grant_and_reconnects_it() {
    on_each_store_google(|app, g| async move {
        let w = world(&app).await;
        let c = connect(&app, &w.hosts[0]).await;
        let id = c["id"].as_str().unwrap().to_owned();
        g.revoke_refresh_tokens();
        advance(&app, 7_200);
        tick(&app).await;
        let (email, password) = user(&app, "admin@acme.test", "admin", None).await;
        let b = signed_in(&app, &email, &password).await;
        let (status, html) = page(&app, &b, "/admin/connections").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(ANN) && html.contains("revoked") && html.contains("invalid_grant"), "{html}");
        // A host user sees only their own host's connections.
        let (bob, bob_pw) = user(&app, "bob@acme.test", "host", Some(&w.hosts[1])).await;
        let other = signed_in(&app, &bob, &bob_pw).await;
        let (_, html) = page(&app, &other, "/admin/connections").await;
        assert!(!html.contains(ANN) && html.contains("No calendar is connected."), "{html}");
        let token = csrf(&app, &other).await;
        let r = post(&app, &other, &format!("/admin/connections/{id}/reconnect"), &[("csrf", &token)]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        // Reconnecting sends the browser to Google's consent, then back to the page.
        let token = csrf(&app, &b).await;
        let r = post(&app, &b, &format!("/admin/connections/{id}/reconnect"), &[("csrf", &token)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let url = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(url.starts_with(&format!("{}?", app.state.settings.google_auth_url)), "{url}");
        let consent = browser().get(&url).send().await.unwrap();
        let back = consent.headers()["location"].to_str().unwrap().to_owned();
        let done = browser().get(&back).send().await.unwrap();
        assert!(done.status().is_success() || done.status().is_redirection(), "{}", done.status());
        app.run_pending_jobs().await;
        let (_, html) = page(&app, &b, "/admin/connections").await;
        assert!(html.contains("health-healthy"), "{html}");
        app
    })
    .await;
}
