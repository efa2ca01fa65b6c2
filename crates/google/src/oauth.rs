//! OAuth 2.0 web-server flow, built on the `oauth2` crate: the authorization URL (offline
//! access, consent, PKCE S256), the code exchange and refreshes; revocation is one form post.
//!
//! `oauth2` brings its own HTTP client only for reqwest 0.12; Sked's reqwest is 0.13, so a small
//! adapter ([`Carrier`]) carries its requests and keeps the answer's status, `Retry-After` and
//! body, which `oauth2`'s errors do not, so failures read as they always have.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use oauth2::basic::{
    BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
    BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, ExtraTokenFields, HttpRequest, HttpResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RefreshToken, RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse,
    TokenResponse, TokenUrl,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::{Google, GoogleError, GoogleResult, SCOPES};

/// A PKCE pair (RFC 7636): the verifier stays with us, the challenge goes in the URL.
#[derive(Clone, PartialEq, Eq)]
pub struct Pkce {
    /// 43 characters of the unreserved alphabet (32 random bytes).
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
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        Self { verifier: verifier.secret().clone(), challenge: challenge.as_str().to_owned() }
    }

    /// The pair of a known verifier.
    pub fn from_verifier(verifier: String) -> Self {
        let challenge =
            PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.clone()));
        Self { verifier, challenge: challenge.as_str().to_owned() }
    }
}

/// What the token endpoint answers (the same at every OAuth provider).
pub use sked_calendar::Tokens;

/// What Google adds to the standard token answer.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
struct GoogleFields {
    /// Seconds the refresh token lives, when the user granted time-limited access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token_expires_in: Option<i64>,
}

impl ExtraTokenFields for GoogleFields {}

type TokenAnswer = StandardTokenResponse<GoogleFields, BasicTokenType>;

type OAuthClient = Client<
    BasicErrorResponse,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

type TokenError = RequestTokenError<GoogleError, BasicErrorResponse>;

/// A token request in flight.
type BoxedTokens<'a> = std::pin::Pin<Box<dyn Future<Output = GoogleResult<Tokens>> + Send + 'a>>;

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
        let challenge =
            PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(pkce.verifier.clone()));
        let client = self.oauth_client()?;
        let mut request = client
            .authorize_url(|| CsrfToken::new(state.to_owned()))
            .set_redirect_uri(Cow::Owned(redirect(redirect_uri)?))
            .add_scopes(SCOPES.split_whitespace().map(|s| Scope::new(s.to_owned())))
            .add_extra_param("access_type", "offline")
            .add_extra_param("prompt", "consent")
            .add_extra_param("include_granted_scopes", "true")
            .set_pkce_challenge(challenge);
        if let Some(hint) = login_hint {
            request = request.add_extra_param("login_hint", hint);
        }
        Ok(request.url().0.into())
    }

    /// Exchanges an authorization code (with its PKCE verifier and the same redirect URI) for
    /// tokens.
    pub async fn exchange_code(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> GoogleResult<Tokens> {
        self.exchange_boxed(code, verifier, redirect_uri).await
    }

    /// Boxed where its lifetimes are known: `oauth2`'s request future is `Send`, but rustc
    /// cannot prove it through higher-ranked lifetimes once it is nested in a caller's future.
    fn exchange_boxed<'a>(
        &'a self,
        code: &'a str,
        verifier: &'a str,
        redirect_uri: &'a str,
    ) -> BoxedTokens<'a> {
        Box::pin(async move {
            let carrier = Carrier::new(&self.http);
            let result = self
                .oauth_client()?
                .exchange_code(AuthorizationCode::new(code.to_owned()))
                .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
                .set_redirect_uri(Cow::Owned(redirect(redirect_uri)?))
                .request_async(&carrier)
                .await;
            result.map_err(|e| token_error(e, &carrier.seen)).and_then(|r| tokens(&r))
        })
    }

    /// A new access token from a refresh token.
    pub async fn refresh(&self, refresh_token: &str) -> GoogleResult<Tokens> {
        self.refresh_boxed(refresh_token).await
    }

    fn refresh_boxed<'a>(&'a self, refresh_token: &'a str) -> BoxedTokens<'a> {
        Box::pin(async move {
            let carrier = Carrier::new(&self.http);
            let token = RefreshToken::new(refresh_token.to_owned());
            let result = self.oauth_client()?.exchange_refresh_token(&token).request_async(&carrier).await;
            result.map_err(|e| token_error(e, &carrier.seen)).and_then(|r| tokens(&r))
        })
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

    fn oauth_client(&self) -> GoogleResult<OAuthClient> {
        let bad = |what: &str, e: oauth2::url::ParseError| GoogleError::Transport(format!("{what}: {e}"));
        Ok(Client::new(ClientId::new(self.config.client_id.clone()))
            .set_client_secret(ClientSecret::new(self.config.client_secret.expose_secret().to_owned()))
            .set_auth_uri(AuthUrl::new(self.config.auth_url.clone()).map_err(|e| bad("auth URL", e))?)
            .set_token_uri(TokenUrl::new(self.config.token_url.clone()).map_err(|e| bad("token URL", e))?)
            // As Google's web-server flow documents it: the secret in the form body.
            .set_auth_type(AuthType::RequestBody))
    }
}

/// A token answer as every provider's tokens; Google always says how long the access token lives.
fn tokens(r: &TokenAnswer) -> GoogleResult<Tokens> {
    let expires_in = r
        .expires_in()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .ok_or_else(|| GoogleError::Transport("token answer unreadable: no `expires_in`".into()))?;
    Ok(Tokens {
        access_token: r.access_token().secret().clone(),
        expires_in,
        refresh_token: r.refresh_token().map(|t| t.secret().clone()),
        refresh_token_expires_in: r.extra_fields().refresh_token_expires_in,
        scope: r.scopes().map(|s| s.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(" ")),
    })
}

/// The last answer's status, `Retry-After` and body.
#[derive(Default)]
struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: String,
}

/// `oauth2`'s HTTP client: Sked's reqwest client, noting each answer in `seen`. It owns what it
/// uses: with borrowed parts, rustc cannot prove the request future `Send` through `oauth2`'s
/// higher-ranked lifetimes.
struct Carrier {
    http: reqwest::Client,
    seen: Arc<Mutex<Answer>>,
}

impl Carrier {
    fn new(http: &reqwest::Client) -> Self {
        Self { http: http.clone(), seen: Arc::default() }
    }
}

impl<'c> oauth2::AsyncHttpClient<'c> for Carrier {
    type Error = GoogleError;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<HttpResponse, GoogleError>> + Send + 'c>>;

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
                .map_err(|e| GoogleError::Transport(e.to_string()))?;
            let status = resp.status();
            let headers = resp.headers().clone();
            let bytes = resp.bytes().await.map_err(|e| GoogleError::Transport(e.to_string()))?;
            if let Ok(mut s) = seen.lock() {
                *s = Answer {
                    status: status.as_u16(),
                    retry_after: crate::client::retry_after(&headers),
                    body: String::from_utf8_lossy(&bytes).into_owned(),
                };
            }
            let mut out = HttpResponse::new(bytes.to_vec());
            *out.status_mut() = status;
            *out.headers_mut() = headers;
            Ok(out)
        })
    }
}

fn redirect(uri: &str) -> GoogleResult<RedirectUrl> {
    RedirectUrl::new(uri.to_owned()).map_err(|e| GoogleError::Transport(format!("redirect URI: {e}")))
}

/// Reads a failed token request: `invalid_grant` means the user must connect again; other OAuth
/// errors below 500 (but 429) are refusals; the rest read as any Google error answer.
fn token_error(e: TokenError, seen: &Mutex<Answer>) -> GoogleError {
    let Ok(a) = seen.lock() else { return GoogleError::Transport("token answer lost".into()) };
    let (status, retry) = (a.status, a.retry_after);
    match e {
        RequestTokenError::Request(inner) => inner,
        RequestTokenError::ServerResponse(r) => {
            let description = r.error_description().cloned().unwrap_or_default();
            match r.error() {
                BasicErrorResponseType::InvalidGrant => GoogleError::InvalidGrant(description),
                other if status < 500 && status != 429 => {
                    GoogleError::Refused { status, reason: other.as_ref().to_owned(), message: description }
                }
                _ => crate::client::api_error(status, retry, &a.body),
            }
        }
        RequestTokenError::Parse(err, _) if (200..300).contains(&status) => {
            GoogleError::Transport(format!("token answer unreadable: {err}"))
        }
        RequestTokenError::Parse(..) | RequestTokenError::Other(_) if status >= 300 => {
            crate::client::api_error(status, retry, &a.body)
        }
        RequestTokenError::Parse(err, _) => GoogleError::Transport(format!("token answer unreadable: {err}")),
        RequestTokenError::Other(message) => GoogleError::Transport(message),
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
        assert_eq!(fresh.verifier.len(), 43);
        assert_eq!(Pkce::from_verifier(fresh.verifier.clone()), fresh);
        assert_ne!(fresh.verifier, Pkce::generate().verifier);
    }

    #[test]
    fn authorization_url_asks_for_offline_consent_with_pkce() {
        let g = Google::new(crate::GoogleConfig::production("cid", "secret")).unwrap();
        let p = Pkce::generate();
        let redirect = "https://sked.example/oauth/google/callback";
        let url = g.authorization_url(redirect, "st", &p, Some("ann@example.com")).unwrap();
        let parsed = reqwest::Url::parse(&url).unwrap();
        let q: std::collections::HashMap<_, _> = parsed.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], "cid");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["scope"], SCOPES);
        assert_eq!(q["access_type"], "offline");
        assert_eq!(q["prompt"], "consent");
        assert_eq!(q["include_granted_scopes"], "true");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["code_challenge"], p.challenge);
        assert_eq!(q["state"], "st");
        assert_eq!(q["login_hint"], "ann@example.com");
        assert_eq!(q["redirect_uri"], redirect);
        assert!(!url.contains(&p.verifier));
        assert!(!url.contains("secret"));
    }

    #[test]
    fn token_errors_read_as_before() {
        let seen =
            |status: u16, body: &str| Mutex::new(Answer { status, retry_after: Some(7), body: body.into() });
        let grant = BasicErrorResponse::new(
            BasicErrorResponseType::InvalidGrant,
            Some("Token has been expired or revoked.".into()),
            None,
        );
        assert_eq!(
            token_error(RequestTokenError::ServerResponse(grant), &seen(400, "")),
            GoogleError::InvalidGrant("Token has been expired or revoked.".into())
        );
        let client =
            BasicErrorResponse::new(BasicErrorResponseType::InvalidClient, Some("Unauthorized".into()), None);
        assert_eq!(
            token_error(RequestTokenError::ServerResponse(client), &seen(401, "")),
            GoogleError::Refused {
                status: 401,
                reason: "invalid_client".into(),
                message: "Unauthorized".into()
            }
        );
        let busy =
            BasicErrorResponse::new(BasicErrorResponseType::Extension("backendError".into()), None, None);
        let e =
            token_error(RequestTokenError::ServerResponse(busy), &seen(503, r#"{"error":"backendError"}"#));
        assert!(e.is_transient());
        let limited = token_error(RequestTokenError::Other("x".into()), &seen(429, r#"{"error":"rate"}"#));
        assert_eq!(limited.retry_after(), Some(7));
    }
}
