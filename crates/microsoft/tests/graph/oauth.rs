//! The authorization-code flow with PKCE, refreshes and dead grants.

use sked_microsoft::{PkceVerifier, ProviderError};

use super::support::{REDIRECT, env, param};

#[tokio::test]
async fn connecting_exchanges_the_code_with_its_verifier() {
    let e = env().await;
    let (q, verifier) = e.consent("state-1").await;
    assert_eq!(param(&q, "state"), Some("state-1"));
    assert!(param(&q, "session_state").is_some());
    let code = param(&q, "code").unwrap();
    let tokens = e.client.exchange(code, &verifier, REDIRECT).await.unwrap();
    assert_eq!(tokens.expires_in, Some(3599));
    assert!(tokens.refresh_token.is_some());
    let scope = tokens.scope.clone().unwrap();
    assert!(scope.contains("Calendars.ReadWrite") && scope.contains("User.Read"), "{scope}");
    assert!(!format!("{tokens:?}").contains(&tokens.access_token));

    let again = e.client.exchange(code, &verifier, REDIRECT).await.unwrap_err();
    assert!(matches!(again, ProviderError::InvalidGrant(ref d) if d.starts_with("AADSTS54005")), "{again:?}");
    let account = e.client.me(&tokens.access_token).await.unwrap();
    assert_eq!(account.email, "host@contoso.test");
}

#[tokio::test]
async fn a_wrong_verifier_or_redirect_is_refused() {
    let e = env().await;
    let (q, _) = e.consent("s").await;
    let wrong = PkceVerifier::new("x".repeat(43));
    let err = e.client.exchange(param(&q, "code").unwrap(), &wrong, REDIRECT).await.unwrap_err();
    assert!(matches!(err, ProviderError::InvalidGrant(ref d) if d.starts_with("AADSTS501481")), "{err:?}");
    let (q, verifier) = e.consent("s").await;
    let err = e
        .client
        .exchange(param(&q, "code").unwrap(), &verifier, "http://127.0.0.1:9/other")
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::InvalidGrant(_)), "{err:?}");
}

#[tokio::test]
async fn refreshing_keeps_the_newest_refresh_token() {
    let e = env().await;
    let first = e.connect().await;
    let old = first.refresh_token.clone().unwrap();
    let rotated = e.client.refresh(&old).await.unwrap();
    let newest = rotated.refresh_token.clone().unwrap();
    assert_ne!(newest, old, "Microsoft rotates refresh tokens");
    assert_ne!(rotated.access_token, first.access_token);
    assert!(e.client.me(&rotated.access_token).await.is_ok());

    e.ms.set_rotate_refresh_tokens(false);
    let kept = e.client.refresh(&newest).await.unwrap();
    assert_eq!(kept.refresh_token.as_deref(), Some(newest.as_str()), "none sent: the one used stays");
}

#[tokio::test]
async fn a_revoked_grant_is_invalid_grant() {
    let e = env().await;
    let tokens = e.connect().await;
    e.ms.revoke_refresh_tokens();
    let err = e.client.refresh(tokens.refresh_token.as_deref().unwrap()).await.unwrap_err();
    assert!(matches!(err, ProviderError::InvalidGrant(ref d) if d.starts_with("AADSTS70008")), "{err:?}");
    assert!(!err.is_transient());
}

#[tokio::test]
async fn a_refusal_to_consent_comes_back_on_the_redirect() {
    let e = env().await;
    e.ms.deny_next_consent();
    let (q, _) = e.consent("s").await;
    assert_eq!(param(&q, "error"), Some("access_denied"));
    assert_eq!(param(&q, "state"), Some("s"));
    assert!(param(&q, "code").is_none());
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused_for_good() {
    let e = env().await;
    let (q, verifier) = e.consent("s").await;
    let mut config = e.client.config().clone();
    config.client_secret = "not-the-secret".to_owned().into();
    let other = sked_microsoft::Microsoft::new(config).unwrap();
    let err = other.exchange(param(&q, "code").unwrap(), &verifier, REDIRECT).await.unwrap_err();
    assert!(
        matches!(err, ProviderError::Refused { status: 401, ref reason, .. } if reason == "invalid_client"),
        "{err:?}"
    );
}
