//! Connecting Outlook: the authorization (PKCE, a signed single-use state), the connection as
//! listed, sealed tokens that refresh and rotate, and a revoked grant.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;

fn query(url: &str) -> Vec<(String, String)> {
    let q = url.split_once('?').unwrap().1;
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

fn param<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn connecting_uses_pkce_and_lists_the_outlook_connection() {
    on_each_store_ms(|app, g| async move {
        let w = world(&app).await;
        let personal = g.add_calendar("Personal");
        let r = app.post(&format!("/v1/hosts/{}/connections/microsoft", w.hosts[0]), json!({})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let url = r.body["authorization_url"].as_str().unwrap();
        assert!(url.starts_with(&format!("{}?", g.auth_url())), "{url}");
        let q = query(url);
        assert_eq!(param(&q, "client_id"), Some(g.client_id()));
        assert_eq!(param(&q, "response_type"), Some("code"));
        let callback = format!("{}/oauth/microsoft/callback", app.base);
        assert_eq!(param(&q, "redirect_uri"), Some(callback.as_str()));
        let scopes: Vec<&str> = param(&q, "scope").unwrap().split(' ').collect();
        for s in ["offline_access", "Calendars.ReadWrite", "User.Read"] {
            assert!(scopes.contains(&s), "{scopes:?}");
        }
        assert_eq!(param(&q, "code_challenge_method"), Some("S256"));
        let challenge = param(&q, "code_challenge").unwrap();
        assert_eq!(URL_SAFE_NO_PAD.decode(challenge).unwrap().len(), 32, "a SHA-256: {challenge}");
        let state = param(&q, "state").unwrap();
        assert!(state.contains('.'), "signed: {state}");
        // The verifier never travels in the URL, and is stored sealed.
        let dump = crate::helpers::database_text(&app).await;
        assert!(!dump.contains(challenge));

        // Microsoft sends the browser back with a code; the stand-in checks the verifier.
        let consent = browser().get(url).send().await.unwrap();
        assert_eq!(consent.status(), StatusCode::FOUND);
        let back = consent.headers()["location"].to_str().unwrap().to_owned();
        assert!(back.starts_with(&format!("{callback}?")) && back.contains("code="), "{back}");
        let c = open(&back).await;
        assert_eq!(c.status, StatusCode::OK, "{}", c.body);
        assert_eq!(calls(&g, "POST", "/oauth2/v2.0/token"), 1);
        let c = c.body;
        assert_eq!(
            (c["provider"].as_str(), c["account"].as_str(), c["status"].as_str()),
            (Some("microsoft"), Some(ANN), Some("healthy"))
        );
        assert_eq!(c["host_id"], json!(w.hosts[0]));
        let main = g.default_calendar();
        assert_eq!(c["booking_calendar_id"], json!(main));
        let cals = c["calendars"].as_array().unwrap();
        assert_eq!(cals.len(), 2, "{c}");
        let cal = |id: &str| cals.iter().find(|k| k["id"] == id).unwrap().clone();
        let (m, p) = (cal(&main), cal(&personal));
        assert_eq!(
            (m["summary"].as_str(), m["primary"].as_bool(), m["busy"].as_bool(), m["writable"].as_bool()),
            (Some("Calendar"), Some(true), Some(true), Some(true))
        );
        assert_eq!(
            (p["summary"].as_str(), p["primary"].as_bool(), p["busy"].as_bool()),
            (Some("Personal"), Some(false), Some(false))
        );
        let list = app.get(&format!("/v1/connections?host_id={}", w.hosts[0])).await;
        let listed = list.body["data"].as_array().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (listed[0]["id"].clone(), listed[0]["provider"].as_str()),
            (c["id"].clone(), Some("microsoft"))
        );
        app.run_pending_jobs().await;
        let got = app.get(&format!("/v1/connections/{}", c["id"].as_str().unwrap())).await;
        assert!(
            got.body["calendars"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["id"] == main && k["synced_at"].is_string()),
            "{}",
            got.body
        );

        // The same authorization once only.
        let again = open(&back).await;
        assert_eq!((again.status, again.code()), (StatusCode::BAD_REQUEST, "invalid_state"));
        app
    })
    .await;
}

#[tokio::test]
async fn forged_late_and_refused_authorizations_connect_nothing() {
    on_each_store_ms(|app, g| async move {
        let w = world(&app).await;
        let back = consent(&app, &g, &w.hosts[1]).await;
        let state = back.split_once("state=").unwrap().1.split('&').next().unwrap().to_owned();
        let (signed, _) = state.rsplit_once('.').unwrap();
        // A forged signature: refused, and the genuine authorization is still good.
        let forged = back.replace(&state, &format!("{signed}.AAAA"));
        assert_eq!(open(&forged).await.code(), "invalid_state");
        // A Google state is no Microsoft state.
        let google = back.replace("/oauth/microsoft/callback", "/oauth/google/callback");
        assert_eq!(open(&google).await.status, StatusCode::BAD_REQUEST);
        let genuine = open(&back).await;
        assert_eq!(genuine.status, StatusCode::OK, "{}", genuine.body);
        assert_eq!(open(&back).await.code(), "invalid_state");

        // Ten minutes is all an authorization gets.
        let late = consent(&app, &g, &w.hosts[0]).await;
        advance(&app, 601);
        assert_eq!(open(&late).await.code(), "invalid_state");
        // The user says no.
        g.deny_next_consent();
        let denied = consent(&app, &g, &w.hosts[0]).await;
        assert!(denied.contains("error=access_denied"), "{denied}");
        let r = open(&denied).await;
        assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "oauth_denied"));
        let all = app.get("/v1/connections").await;
        assert_eq!(all.body["data"].as_array().unwrap().len(), 1, "{}", all.body);
        assert_eq!(all.body["data"][0]["host_id"], json!(w.hosts[1]));
        let missing =
            app.post("/v1/hosts/01890000-0000-7000-8000-000000000000/connections/microsoft", json!({})).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        app
    })
    .await;
}

#[tokio::test]
async fn without_microsoft_settings_connecting_says_so() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let r = app.post(&format!("/v1/hosts/{}/connections/microsoft", w.hosts[0]), json!({})).await;
        assert_eq!((r.status, r.code()), (StatusCode::SERVICE_UNAVAILABLE, "not_configured"));
        app
    })
    .await;
}

#[tokio::test]
async fn tokens_are_sealed_refreshed_with_rotation_and_a_revoked_grant_is_reported() {
    on_each_store_ms(|app, g| async move {
        let w = world(&app).await;
        let c = connect(&app, &g, &w.hosts[0]).await;
        let id = c["id"].as_str().unwrap().to_owned();
        // The database holds only sealed tokens.
        let sealer = app.state.sealer.clone().unwrap();
        let tokens = |stored: &sked_store::Connection| {
            let access = sealer.open(stored.access_token.as_deref().unwrap()).unwrap();
            let refresh = sealer.open(stored.refresh_token.as_deref().unwrap()).unwrap();
            (access, refresh)
        };
        let (access, refresh) = tokens(&app.store.find_connection(id.parse().unwrap()).await.unwrap());
        assert!(access.len() > 10 && refresh.len() > 10);
        let dump = crate::helpers::database_text(&app).await;
        assert!(!dump.contains(&access) && !dump.contains(&refresh), "a plaintext token is in the database");

        // Shortly before the hour is up the token is refreshed, and Microsoft's new refresh
        // token is the one kept.
        advance(&app, 3_400);
        tick(&app).await;
        let audit = app.get(&format!("/v1/connections/{id}/token-audit")).await;
        let actions: Vec<&str> =
            audit.body.as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
        assert_eq!(actions.first(), Some(&"refreshed"), "{actions:?}");
        assert_eq!(actions.last(), Some(&"granted"));
        let (access2, refresh2) = tokens(&app.store.find_connection(id.parse().unwrap()).await.unwrap());
        assert_ne!((&access2, &refresh2), (&access, &refresh));
        assert!(g.live_refresh_tokens().contains(&refresh2));
        let dump = crate::helpers::database_text(&app).await;
        assert!(
            !dump.contains(&access2) && !dump.contains(&refresh2),
            "a plaintext token is in the database"
        );

        // The user revokes the app's access: the next refresh says invalid_grant.
        g.revoke_refresh_tokens();
        advance(&app, 3_600);
        tick(&app).await;
        let now = app.get(&format!("/v1/connections/{id}")).await;
        assert_eq!(now.body["status"], "revoked", "{}", now.body);
        assert!(now.body["last_error"].as_str().unwrap().contains("invalid_grant"), "{}", now.body);
        let jobs = app.get("/v1/jobs").await;
        let alert = jobs.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["kind"] == "connection.event")
            .cloned()
            .unwrap_or_else(|| panic!("no connection.event in {}", jobs.body));
        let p = &alert["payload"];
        assert_eq!(
            (p["event"].as_str(), p["status"].as_str(), p["provider"].as_str(), p["account"].as_str()),
            (Some("connection.unhealthy"), Some("revoked"), Some("microsoft"), Some(ANN))
        );
        assert_eq!(p["host_id"], json!(w.hosts[0]));
        // Revoked connections are left alone; bookings still succeed.
        let before = g.requests().len();
        book(&app, &w, "2026-03-03T14:00:00Z").await;
        advance(&app, 3_600);
        tick(&app).await;
        assert_eq!(app.get("/v1/jobs?status=dead").await.body["data"].as_array().unwrap().len(), 0);
        assert_eq!(g.requests().len(), before, "nothing asked of Microsoft for a revoked grant");
        app
    })
    .await;
}
