//! The OAuth flow, token expiry and the failure switches.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::support::{REDIRECT, SCOPES, VERIFIER, enc, env};

#[tokio::test]
async fn oauth_round_trip_with_pkce_rejects_a_wrong_verifier() {
    let e = env().await;
    e.g.set_account("broker@example.test");
    let code = e.authorize("csrf-123 &=?").await;
    let (status, body) = e.exchange(&code, "wrong-verifier-wrong-verifier-wrong-verifier-00").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, json!({"error": "invalid_grant", "error_description": "Invalid code verifier."}));

    let (status, body) = e.exchange(&code, VERIFIER).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], SCOPES);
    assert!(body["refresh_token"].is_string());
    let access = body["access_token"].as_str().unwrap();

    let (status, body) = e.exchange(&code, VERIFIER).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "code is one-time"
    );

    let (status, list) = e.get(access, "/users/me/calendarList").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["kind"], "calendar#calendarList");
    let primary = &list["items"][0];
    assert_eq!(
        (primary["id"].as_str(), primary["primary"].as_bool(), primary["accessRole"].as_str()),
        (Some("broker@example.test"), Some(true), Some("owner"))
    );

    let bad = format!(
        "{}?client_id=nope&redirect_uri={}&response_type=code&scope=email",
        e.g.auth_url(),
        enc(REDIRECT)
    );
    assert_eq!(e.http.get(bad).send().await.unwrap().status(), StatusCode::BAD_REQUEST);
    let (status, body) = e
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_id", "other"),
            ("client_secret", "s"),
        ])
        .await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
}

#[tokio::test]
async fn refresh_works_until_revoked() {
    let e = env().await;
    let (_, refresh) = e.connect().await;
    let (status, body) = e.refresh(&refresh).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("refresh_token").is_none());
    assert_eq!((body["expires_in"].as_i64(), body["token_type"].as_str()), (Some(3599), Some("Bearer")));
    let fresh = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(e.get(&fresh, "/calendars/primary/events").await.0, StatusCode::OK);

    e.g.revoke_refresh_tokens();
    let dead = json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."});
    assert_eq!(e.refresh(&refresh).await, (StatusCode::BAD_REQUEST, dead.clone()));

    // Revoking through the endpoint kills the grant and its access tokens.
    let (access, refresh) = e.connect().await;
    let resp = e.http.post(format!("{}?token={}", e.g.revoke_url(), enc(&refresh))).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(e.refresh(&refresh).await, (StatusCode::BAD_REQUEST, dead));
    assert_eq!(e.get(&access, "/users/me/calendarList").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn access_tokens_expire_by_the_shared_clock() {
    let e = env().await;
    let (access, _) = e.connect().await;
    e.advance(3598);
    assert_eq!(e.get(&access, "/calendars/primary/events").await.0, StatusCode::OK);
    e.advance(1);
    let (status, headers, body) = e.call(&access, Method::GET, "/calendars/primary/events", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(headers["content-type"], "application/json; charset=UTF-8");
    assert_eq!(
        body,
        json!({"error": {"errors": [{"domain": "global", "reason": "authError", "message": "Invalid Credentials",
            "locationType": "header", "location": "Authorization"}], "code": 401, "message": "Invalid Credentials"}})
    );
    let resp = e.http.get(format!("{}/calendars/primary/events", e.g.api_base())).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let e = env().await;
    let (access, _) = e.connect().await;
    e.g.rate_limit_next(2, 7);
    for _ in 0..2 {
        let (status, headers, body) = e.call(&access, Method::GET, "/calendars/primary/events", None).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers["retry-after"], "7");
        assert_eq!(
            body,
            json!({"error": {"errors": [{"domain": "usageLimits", "reason": "rateLimitExceeded",
                "message": "Rate Limit Exceeded"}], "code": 429, "message": "Rate Limit Exceeded"}})
        );
    }
    assert_eq!(e.get(&access, "/calendars/primary/events").await.0, StatusCode::OK);
}

#[tokio::test]
async fn down_answers_503_for_api_and_token_calls() {
    let e = env().await;
    let (access, refresh) = e.connect().await;
    e.g.set_down(true);
    let backend = json!({"error": {"errors": [{"domain": "global", "reason": "backendError", "message": "Backend Error"}],
        "code": 503, "message": "Backend Error"}});
    assert_eq!(
        e.get(&access, "/calendars/primary/events").await,
        (StatusCode::SERVICE_UNAVAILABLE, backend.clone())
    );
    assert_eq!(e.refresh(&refresh).await, (StatusCode::SERVICE_UNAVAILABLE, backend));
    e.g.set_down(false);
    assert_eq!(e.refresh(&refresh).await.0, StatusCode::OK);
}
