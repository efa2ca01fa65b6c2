//! Throttling, outages, expired tokens, and a Graph that hands out foreign links.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::get;
use serde_json::json;
use sked_microsoft::{DeltaStart, Microsoft, MicrosoftConfig, ProviderError};

use super::support::{env, ts};

#[tokio::test]
async fn throttling_and_outages_say_when_to_come_back() {
    let e = env().await;
    let tokens = e.connect().await;
    let access = tokens.access_token.clone();
    e.ms.rate_limit_next(1, 7);
    let err = e.client.me(&access).await.unwrap_err();
    assert!(matches!(err, ProviderError::RateLimited { retry_after: Some(7), .. }), "{err:?}");
    assert!(err.is_transient());
    assert!(e.client.me(&access).await.is_ok(), "only the next call was throttled");

    e.ms.unavailable_next(1, Some(3));
    let err = e.client.calendars(&access).await.unwrap_err();
    assert!(matches!(err, ProviderError::Unavailable { status: 503, retry_after: Some(3), .. }), "{err:?}");

    e.ms.set_down(true);
    let err = e.client.refresh(tokens.refresh_token.as_deref().unwrap()).await.unwrap_err();
    assert!(matches!(err, ProviderError::Unavailable { status: 503, .. }), "{err:?}");
    e.ms.set_down(false);
    assert!(e.client.refresh(tokens.refresh_token.as_deref().unwrap()).await.is_ok());
}

#[tokio::test]
async fn an_expired_access_token_is_unauthorized() {
    let e = env().await;
    let access = e.connect().await.access_token;
    e.advance(3600);
    assert_eq!(e.client.me(&access).await.unwrap_err(), ProviderError::Unauthorized);
    assert_eq!(e.client.me("not-a-token").await.unwrap_err(), ProviderError::Unauthorized);
}

/// A fake Graph whose delta page links to another host; that host records any request.
#[tokio::test]
async fn a_foreign_next_link_is_not_followed() {
    let trap_hits = Arc::new(Mutex::new(0usize));
    let hits = trap_hits.clone();
    let trap = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let trap_url = format!("http://{}", trap.local_addr().unwrap());
    tokio::spawn(async move {
        let app = Router::new().fallback(move || {
            let hits = hits.clone();
            async move {
                *hits.lock().unwrap() += 1;
                "{}"
            }
        });
        let _ = axum::serve(trap, app).await;
    });
    let graph = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1.0", graph.local_addr().unwrap());
    let next = format!("{trap_url}/v1.0/me/calendarView/delta?$skiptoken=x");
    tokio::spawn(async move {
        let page = json!({"value": [], "@odata.nextLink": next});
        let app = Router::new().route("/v1.0/{*rest}", get(move || async move { axum::Json(page) }));
        let _ = axum::serve(graph, app).await;
    });
    let config = MicrosoftConfig {
        client_id: "c".into(),
        client_secret: "s".to_owned().into(),
        auth_url: format!("{base}/authorize"),
        token_url: format!("{base}/token"),
        graph_base: base,
    };
    let client = Microsoft::new(config).unwrap();
    let window = DeltaStart::Fresh { start: ts("2026-03-01T00:00:00Z"), end: ts("2026-04-01T00:00:00Z") };
    let err = client.calendar_view_delta_round("token", "cal", window).await.unwrap_err();
    assert!(matches!(err, ProviderError::Refused { ref reason, .. } if reason == "untrustedLink"), "{err:?}");
    assert_eq!(*trap_hits.lock().unwrap(), 0, "the token never left for the other host");
}
