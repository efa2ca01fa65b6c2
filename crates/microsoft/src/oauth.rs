//! The Microsoft identity platform's OAuth 2.0 authorization-code flow with PKCE (S256), built
//! on the `oauth2` crate: the authorization URL, the code exchange and refreshes.
//!
//! `oauth2` brings its own HTTP client only for reqwest 0.12; Sked's reqwest is 0.13, so a small
//! adapter ([`Microsoft::oauth_http`]) carries its requests, reading answers up to the usual
//! bound and noting the status and `Retry-After` that `oauth2`'s errors do not keep.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use oauth2::basic::{BasicClient, BasicErrorResponse, BasicErrorResponseType, BasicTokenResponse};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    HttpRequest, HttpResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};

use crate::http::{api_error, read_bounded, retry_after};
use crate::{Microsoft, ProviderError, ProviderResult, SCOPES};

type OAuthClient = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;
type TokenError = RequestTokenError<ProviderError, BasicErrorResponse>;

/// The PKCE code verifier (RFC 7636) of one authorization: kept by Sked (e.g. in the user's
/// session) until the callback, never put in a URL.
#[derive(Clone)]
pub struct PkceVerifier(SecretString);

impl PkceVerifier {
    /// A verifier kept earlier.
    pub fn new(verifier: impl Into<String>) -> Self {
        Self(SecretString::from(verifier.into()))
    }

    /// The verifier's text.
    pub fn secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PkceVerifier(***)")
    }
}

/// What the token endpoint answers.
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The access token for Graph.
    pub access_token: String,
    /// The refresh token. After [`Microsoft::refresh`] it is always the newest one (Microsoft
    /// usually rotates it; when it does not, the one refreshed with is kept), so store it.
    pub refresh_token: Option<String>,
    /// Seconds the access token lives (about 3600 at Microsoft).
    pub expires_in: Option<u64>,
    /// Granted scopes, space-separated.
    pub scope: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "***"))
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    fn from_response(r: &BasicTokenResponse) -> Self {
        let scope = r.scopes().map(|s| s.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(" "));
        Self {
            access_token: r.access_token().secret().clone(),
            refresh_token: r.refresh_token().map(|t| t.secret().clone()),
            expires_in: r.expires_in().map(|d| d.as_secs()),
            scope,
        }
    }
}

impl Microsoft {
    /// The URL to send the user to (Sked's scopes, `response_mode=query`, PKCE S256, and
    /// `state`), and the PKCE verifier to keep for [`Microsoft::exchange`].
    pub fn authorization_url(
        &self,
        redirect_uri: &str,
        state: &str,
    ) -> ProviderResult<(String, PkceVerifier)> {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, _) = self
            .oauth_client()?
            .authorize_url(|| CsrfToken::new(state.to_owned()))
            .set_redirect_uri(Cow::Owned(redirect(redirect_uri)?))
            .add_scopes(SCOPES.split_whitespace().map(|s| Scope::new(s.to_owned())))
            .set_pkce_challenge(challenge)
            .add_extra_param("response_mode", "query")
            .url();
        Ok((url.into(), PkceVerifier::new(verifier.secret().clone())))
    }

    /// Exchanges an authorization code (with its PKCE verifier and the same redirect URI) for
    /// tokens. `invalid_grant` (a used, expired or foreign code) is [`ProviderError::InvalidGrant`].
    pub async fn exchange(
        &self,
        code: &str,
        verifier: &PkceVerifier,
        redirect_uri: &str,
    ) -> ProviderResult<Tokens> {
        self.exchange_boxed(code, verifier, redirect_uri).await
    }

    /// Boxed where its lifetimes are known: `oauth2`'s request future is `Send`, but rustc
    /// cannot prove it through higher-ranked lifetimes once it is nested in a caller's future.
    fn exchange_boxed<'a>(
        &'a self,
        code: &'a str,
        verifier: &'a PkceVerifier,
        redirect_uri: &'a str,
    ) -> BoxedTokens<'a> {
        Box::pin(async move {
            let client = self.oauth_client()?;
            let seen = Arc::new(Mutex::new(None));
            let result = client
                .exchange_code(AuthorizationCode::new(code.to_owned()))
                .set_pkce_verifier(PkceCodeVerifier::new(verifier.secret().to_owned()))
                .set_redirect_uri(Cow::Owned(redirect(redirect_uri)?))
                .add_extra_param("scope", SCOPES)
                .request_async(&Carrier { http: self.http.clone(), seen: seen.clone() })
                .await;
            match result {
                Ok(r) => Ok(Tokens::from_response(&r)),
                Err(e) => Err(token_error(e, &seen)),
            }
        })
    }

    /// A new access token from a refresh token. The answer's `refresh_token` is the one to
    /// store from now on. A revoked or expired grant is [`ProviderError::InvalidGrant`] (with
    /// Microsoft's `AADSTS...` description): the user must connect again.
    pub async fn refresh(&self, refresh_token: &str) -> ProviderResult<Tokens> {
        self.refresh_boxed(refresh_token).await
    }

    fn refresh_boxed<'a>(&'a self, refresh_token: &'a str) -> BoxedTokens<'a> {
        Box::pin(async move {
            let client = self.oauth_client()?;
            let seen = Arc::new(Mutex::new(None));
            let token = RefreshToken::new(refresh_token.to_owned());
            let result = client
                .exchange_refresh_token(&token)
                .add_scopes(SCOPES.split_whitespace().map(|s| Scope::new(s.to_owned())))
                .request_async(&Carrier { http: self.http.clone(), seen: seen.clone() })
                .await;
            match result {
                Ok(r) => {
                    let mut tokens = Tokens::from_response(&r);
                    tokens.refresh_token = tokens.refresh_token.or_else(|| Some(refresh_token.to_owned()));
                    Ok(tokens)
                }
                Err(e) => Err(token_error(e, &seen)),
            }
        })
    }

    fn oauth_client(&self) -> ProviderResult<OAuthClient> {
        let bad = |what: &str, e: oauth2::url::ParseError| ProviderError::Transport(format!("{what}: {e}"));
        Ok(BasicClient::new(ClientId::new(self.config.client_id.clone()))
            .set_client_secret(ClientSecret::new(self.config.client_secret.expose_secret().to_owned()))
            .set_auth_uri(AuthUrl::new(self.config.auth_url.clone()).map_err(|e| bad("auth_url", e))?)
            .set_token_uri(TokenUrl::new(self.config.token_url.clone()).map_err(|e| bad("token_url", e))?)
            // Microsoft documents the secret in the form body for web apps.
            .set_auth_type(AuthType::RequestBody))
    }
}

/// The last answer's status and `Retry-After`, which `oauth2`'s errors do not carry.
type Seen = Mutex<Option<(u16, Option<u64>)>>;

/// A token request in flight.
type BoxedTokens<'a> = std::pin::Pin<Box<dyn Future<Output = ProviderResult<Tokens>> + Send + 'a>>;

/// `oauth2`'s HTTP client: Sked's reqwest client, noting each answer's status and
/// `Retry-After` in `seen`. It owns what it uses: with borrowed parts, rustc cannot prove the
/// request future `Send` through `oauth2`'s higher-ranked lifetimes.
struct Carrier {
    http: reqwest::Client,
    seen: Arc<Seen>,
}

impl<'c> oauth2::AsyncHttpClient<'c> for Carrier {
    type Error = ProviderError;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<HttpResponse, ProviderError>> + Send + 'c>>;

    fn call(&'c self, req: HttpRequest) -> Self::Future {
        let (http, seen) = (self.http.clone(), self.seen.clone());
        Box::pin(async move {
            let (parts, body) = req.into_parts();
            let resp = http
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .body(body)
                .send()
                .await
                .map_err(|e| ProviderError::Transport(e.to_string()))?;
            let status = resp.status();
            let headers = resp.headers().clone();
            if let Ok(mut s) = seen.lock() {
                *s = Some((status.as_u16(), retry_after(&headers)));
            }
            let bytes = read_bounded(resp).await?;
            let mut out = HttpResponse::new(bytes);
            *out.status_mut() = status;
            *out.headers_mut() = headers;
            Ok(out)
        })
    }
}

fn redirect(uri: &str) -> ProviderResult<RedirectUrl> {
    RedirectUrl::new(uri.to_owned()).map_err(|e| ProviderError::Transport(format!("redirect URI: {e}")))
}

/// Reads a failed token request: `invalid_grant` means the user must connect again; 429 and 5xx
/// are worth another try; other OAuth errors are refusals.
fn token_error(e: TokenError, seen: &Seen) -> ProviderError {
    let (status, retry) = seen.lock().ok().and_then(|s| *s).unwrap_or((0, None));
    match e {
        RequestTokenError::Request(inner) => inner,
        RequestTokenError::ServerResponse(r) => {
            let description = r.error_description().cloned().unwrap_or_default();
            match r.error() {
                BasicErrorResponseType::InvalidGrant => ProviderError::InvalidGrant(description),
                _ if status == 429 || status >= 500 => api_error(status, retry, description.as_bytes()),
                other => {
                    ProviderError::Refused { status, reason: other.as_ref().to_owned(), message: description }
                }
            }
        }
        RequestTokenError::Parse(err, _) if status == 200 => {
            ProviderError::Transport(format!("token answer unreadable: {err}"))
        }
        RequestTokenError::Parse(_, body) => api_error(status, retry, &body),
        RequestTokenError::Other(message) if status >= 300 => api_error(status, retry, message.as_bytes()),
        RequestTokenError::Other(message) => ProviderError::Transport(message),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::MicrosoftConfig;

    #[test]
    fn authorization_url_asks_for_offline_calendars_with_pkce() {
        let m = Microsoft::new(MicrosoftConfig::production("cid", "secret", "common")).unwrap();
        let redirect = "https://sked.example/oauth/microsoft/callback";
        let (url, verifier) = m.authorization_url(redirect, "st-1").unwrap();
        assert!(url.starts_with("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?"));
        let parsed = reqwest::Url::parse(&url).unwrap();
        let q: HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], "cid");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["response_mode"], "query");
        assert_eq!(q["scope"], "offline_access Calendars.ReadWrite User.Read");
        assert_eq!(q["state"], "st-1");
        assert_eq!(q["redirect_uri"], redirect);
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["code_challenge"].len(), 43);
        assert!(!url.contains(verifier.secret()));
        assert!(!url.contains("secret"));
        assert_eq!(format!("{verifier:?}"), "PkceVerifier(***)");
    }

    #[test]
    fn token_errors_say_what_to_do() {
        let seen = |s: u16, r: Option<u64>| Mutex::new(Some((s, r)));
        let grant = BasicErrorResponse::new(
            BasicErrorResponseType::InvalidGrant,
            Some("AADSTS70000: The provided grant has expired".into()),
            None,
        );
        assert_eq!(
            token_error(RequestTokenError::ServerResponse(grant), &seen(400, None)),
            ProviderError::InvalidGrant("AADSTS70000: The provided grant has expired".into())
        );
        let client = BasicErrorResponse::new(BasicErrorResponseType::InvalidClient, None, None);
        assert!(matches!(
            token_error(RequestTokenError::ServerResponse(client), &seen(401, None)),
            ProviderError::Refused { status: 401, ref reason, .. } if reason == "invalid_client"
        ));
        let limited = token_error(RequestTokenError::Other("x".into()), &seen(429, Some(9)));
        assert_eq!(limited.retry_after(), Some(9));
        assert!(token_error(RequestTokenError::Other("empty".into()), &seen(503, None)).is_transient());
    }
}
