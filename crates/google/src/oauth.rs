//! OAuth 2.0 web-server flow: the authorization URL (offline access, consent, PKCE S256), the
//! code exchange, refreshes and revocation.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use secrecy::ExposeSecret;

use crate::{Google, GoogleError, GoogleResult, SCOPES};

/// A PKCE pair (RFC 7636): the verifier stays with us, the challenge goes in the URL.
#[derive(Clone, PartialEq, Eq)]
pub struct Pkce {
    /// 64 characters of the unreserved alphabet.
    pub verifier: String,
    /// `base64url(sha256(verifier))`.
    pub challenge: String,
}

impl std::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkce").field("challenge", &self.challenge).finish_non_exhaustive()
    }
}

impl Pkce {
    /// A fresh random pair.
    pub fn generate() -> Self {
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
        let mut rng = rand::rng();
        let verifier: String = (0..64).map(|_| CHARS[rng.random_range(0..CHARS.len())] as char).collect();
        Self::from_verifier(verifier)
    }

    /// The pair of a known verifier.
    pub fn from_verifier(verifier: String) -> Self {
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Self { verifier, challenge }
    }
}

/// What the token endpoint answers (the same at every OAuth provider).
pub use sked_calendar::Tokens;

#[derive(Deserialize)]
struct OAuthError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

impl Google {
    /// The URL to send the user to: offline access (a refresh token), consent shown (so the
    /// refresh token really comes), PKCE, and our `state`.
    pub fn authorization_url(
        &self,
        redirect_uri: &str,
        state: &str,
        pkce: &Pkce,
        login_hint: Option<&str>,
    ) -> GoogleResult<String> {
        let mut url = reqwest::Url::parse(&self.config.auth_url)
            .map_err(|e| GoogleError::Transport(format!("auth URL: {e}")))?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", &self.config.client_id)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("response_type", "code")
                .append_pair("scope", SCOPES)
                .append_pair("access_type", "offline")
                .append_pair("prompt", "consent")
                .append_pair("include_granted_scopes", "true")
                .append_pair("state", state)
                .append_pair("code_challenge", &pkce.challenge)
                .append_pair("code_challenge_method", "S256");
            if let Some(hint) = login_hint {
                q.append_pair("login_hint", hint);
            }
        }
        Ok(url.into())
    }

    /// Exchanges an authorization code for tokens.
    pub async fn exchange_code(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> GoogleResult<Tokens> {
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", &self.config.client_id),
            ("client_secret", self.config.client_secret.expose_secret()),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ])
        .await
    }

    /// A new access token from a refresh token.
    pub async fn refresh(&self, refresh_token: &str) -> GoogleResult<Tokens> {
        self.token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", &self.config.client_id),
            ("client_secret", self.config.client_secret.expose_secret()),
        ])
        .await
    }

    /// Revokes a token (a refresh token revokes the whole grant). A token Google no longer
    /// knows counts as revoked.
    pub async fn revoke(&self, token: &str) -> GoogleResult<()> {
        let resp = self
            .http
            .post(&self.config.revoke_url)
            .form(&[("token", token)])
            .send()
            .await
            .map_err(|e| GoogleError::Transport(e.to_string()))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let body = resp.text().await.unwrap_or_default();
        if status.as_u16() == 400 && body.contains("invalid_token") {
            return Ok(());
        }
        Err(crate::client::api_error(status.as_u16(), None, &body))
    }

    async fn token_request(&self, form: &[(&str, &str)]) -> GoogleResult<Tokens> {
        let resp = self
            .http
            .post(&self.config.token_url)
            .form(form)
            .send()
            .await
            .map_err(|e| GoogleError::Transport(e.to_string()))?;
        let status = resp.status().as_u16();
        let retry_after = crate::client::retry_after(resp.headers());
        let body = resp.text().await.map_err(|e| GoogleError::Transport(e.to_string()))?;
        if (200..300).contains(&status) {
            return serde_json::from_str(&body)
                .map_err(|e| GoogleError::Transport(format!("token answer unreadable: {e}")));
        }
        if let Ok(err) = serde_json::from_str::<OAuthError>(&body) {
            let description = err.error_description.unwrap_or_default();
            match err.error.as_str() {
                "invalid_grant" => return Err(GoogleError::InvalidGrant(description)),
                _ if status < 500 && status != 429 => {
                    return Err(GoogleError::Refused { status, reason: err.error, message: description });
                }
                _ => {}
            }
        }
        Err(crate::client::api_error(status, retry_after, &body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_is_the_rfc_7636_example() {
        // RFC 7636, appendix B.
        let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(p.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        let fresh = Pkce::generate();
        assert_eq!(fresh.verifier.len(), 64);
        assert_ne!(fresh.verifier, Pkce::generate().verifier);
    }

    #[test]
    fn authorization_url_asks_for_offline_consent_with_pkce() {
        let g = Google::new(crate::GoogleConfig::production("cid", "secret")).unwrap();
        let p = Pkce::generate();
        let url = g.authorization_url("https://sked.example/oauth/google/callback", "st", &p, None).unwrap();
        let parsed = reqwest::Url::parse(&url).unwrap();
        let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(q["access_type"], "offline");
        assert_eq!(q["prompt"], "consent");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["code_challenge"], p.challenge);
        assert_eq!(q["state"], "st");
        assert_eq!(q["redirect_uri"], "https://sked.example/oauth/google/callback");
        assert!(!url.contains(&p.verifier));
    }
}
