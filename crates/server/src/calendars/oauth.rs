//! Connecting Google: the authorization URL, and the callback that finishes it.
//!
//! The `state` sent to Google is `<id>.<tenant>.<host>.<expiry>.<signature>`: the random id of
//! a stored, single-use authorization (bound to the tenant and host, with its sealed PKCE
//! verifier, for 10 minutes), what it is bound to, and a signature over all of them with a key
//! derived from `SKED_SECRET_KEY`. The callback checks the signature and the expiry before it
//! touches the store, and only then uses the authorization up: a forged, expired or reused
//! state changes nothing, and a forged one cannot burn the genuine one.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use serde::{Deserialize, Serialize};
use sked_core::ids::{HostId, TenantId};
use sked_google::{GoogleError, Pkce};
use sked_store::{OAuthState, StoreError};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::api::ConnectionView;
use super::connect::{self, NewConnection};
use super::oauth_state::StateClaim;
use super::provider::AccountCalendar;
use super::tokens::{sealed_update, sealer};
use super::{CalError, google};
use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiPath, ApiQuery, JsonBytes};
use crate::guard::{ClientAddr, Door};
use crate::state::AppState;
use crate::time::rfc3339;

/// How long an authorization may take.
pub const STATE_TTL: i64 = 600;
/// The callback path (the redirect URI registered with Google is the public URL plus this).
pub const CALLBACK: &str = "/oauth/google/callback";

/// Options for connecting (the body may be empty).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartConnect {
    /// Where to send the browser when it is done (`?connection_id=...`, or `?error=...`): an
    /// http(s) URL of at most 2000 characters.
    #[schema(max_length = 2000, pattern = "^https?://[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    pub redirect_to: Option<String>,
    /// The account to suggest (at most 254 characters, no control characters).
    #[schema(max_length = 254, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    pub login_hint: Option<String>,
}

impl StartConnect {
    /// Refuses a redirect that is not a plain http(s) URL, and overlong values.
    pub fn check(&self) -> ApiResult<()> {
        if let Some(r) = &self.redirect_to
            && (!(r.starts_with("https://") || r.starts_with("http://"))
                || r.chars().count() > 2_000
                || r.chars().any(char::is_control))
        {
            return Err(ApiError::field("redirect_to", "must be an http(s) URL of at most 2000 characters"));
        }
        if self
            .login_hint
            .as_ref()
            .is_some_and(|h| h.chars().count() > 254 || h.chars().any(char::is_control))
        {
            return Err(ApiError::field(
                "login_hint",
                "must be at most 254 characters, without control characters",
            ));
        }
        Ok(())
    }
}

/// Where to send the host to connect their calendar.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct AuthorizationView {
    /// Open this in the host's browser.
    pub authorization_url: String,
    /// The redirect URI Google sends the browser back to (register it with the OAuth client).
    pub redirect_uri: String,
    /// The authorization must finish before this instant.
    #[schema(format = DateTime)]
    pub expires_at: String,
}

/// What Google sends back.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub scope: Option<String>,
}

/// Routes of the flow.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(start)).routes(routes!(callback)).routes(routes!(reconnect))
}

/// The permission Sked needs that a grant lacks, if any: seeing the calendar list and editing
/// events (the whole-calendar scope covers both).
fn missing_scope(granted: &str) -> Option<&'static str> {
    let has =
        |s: &str| granted.split_whitespace().any(|g| g == format!("https://www.googleapis.com/auth/{s}"));
    if has("calendar") {
        return None;
    }
    if !has("calendar.events") {
        return Some("access to view and edit calendar events");
    }
    if !has("calendar.readonly") && !has("calendar.calendarlist.readonly") {
        return Some("access to see the list of calendars");
    }
    None
}

pub(super) fn unavailable(e: CalError) -> ApiError {
    match e {
        CalError::NotConfigured(_) | CalError::Secret(_) => ApiError::Client {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "not_configured",
            detail: e.to_string(),
        },
        other => ApiError::Internal(other.into()),
    }
}

/// Start connecting a host's Google Calendar: answers the URL to open in the host's browser
/// (offline access, consent, PKCE, a signed single-use state that lives 10 minutes).
#[utoipa::path(post, path = "/v1/hosts/{id}/connections/google", tag = "connections", params(("id" = uuid::Uuid, Path)),
    request_body(content = Option<StartConnect>),
    responses((status = 201, body = AuthorizationView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn start(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(host): ApiPath<HostId>,
    body: JsonBytes,
) -> ApiResult<(StatusCode, Json<AuthorizationView>)> {
    let opts: StartConnect = body.parse_or_default()?;
    opts.check()?;
    state.store.host(auth.tenant, host).await.map_err(|e| ApiError::store("host", e))?;
    let view = begin(&state, auth.tenant, host, opts.redirect_to, opts.login_hint.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Starts an authorization for a host of a tenant: a signed single-use state with its PKCE
/// verifier, stored; answers the URL to send the host's browser to.
pub async fn begin(
    state: &AppState,
    tenant: TenantId,
    host: HostId,
    redirect_to: Option<String>,
    login_hint: Option<&str>,
) -> ApiResult<AuthorizationView> {
    let g = google(state).map_err(unavailable)?;
    let sealer = sealer(state).map_err(unavailable)?;
    let now = state.clock.now_second();
    let id = URL_SAFE_NO_PAD.encode(rand::rng().random::<[u8; 24]>());
    let expires_at = now + STATE_TTL;
    let signed_state = StateClaim::encode(sealer, "google", &id, tenant, host, expires_at);
    let pkce = Pkce::generate();
    let record = OAuthState {
        id: id.clone(),
        tenant_id: tenant,
        host_id: host,
        provider: "google".into(),
        verifier: sealer.seal(&pkce.verifier).map_err(|e| ApiError::Internal(e.into()))?,
        redirect_to,
        expires_at,
        created_at: now,
    };
    state.store.insert_oauth_state(&record).await.map_err(|e| ApiError::Internal(e.into()))?;
    let redirect_uri = format!("{}{CALLBACK}", state.base_url);
    let url = g
        .authorization_url(&redirect_uri, &signed_state, &pkce, login_hint)
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(AuthorizationView { authorization_url: url, redirect_uri, expires_at: rfc3339(expires_at) })
}

/// Starts a new authorization with the provider of an existing connection (to connect it
/// again), for its account.
pub async fn begin_again(
    state: &AppState,
    c: &sked_store::Connection,
    redirect_to: Option<String>,
) -> ApiResult<AuthorizationView> {
    match c.provider.as_str() {
        "google" => begin(state, c.tenant_id, c.host_id, redirect_to, Some(&c.account)).await,
        "microsoft" => {
            super::microsoft_connect::begin(state, c.tenant_id, c.host_id, redirect_to, Some(&c.account))
                .await
        }
        other => Err(ApiError::Client {
            status: StatusCode::CONFLICT,
            code: "not_reconnectable",
            detail: format!("a {other} connection is not connected again through a sign-in; connect it anew"),
        }),
    }
}

/// Whether a connection of `provider` can be connected again through a sign-in here.
pub fn can_begin_again(state: &AppState, provider: &str) -> bool {
    match provider {
        "google" => state.google.is_some(),
        "microsoft" => state.microsoft.is_some(),
        _ => false,
    }
}

/// The link in a "connect your calendar again" email: signed for one host, good for 7 days; it
/// starts a new authorization and sends the browser on to the connection's provider.
#[utoipa::path(get, path = "/connect/{token}", tag = "connections", security(()), params(("token" = String, Path)),
    responses((status = 303, description = "on to the provider's consent page"), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn reconnect(
    State(state): State<AppState>,
    addr: ClientAddr,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> ApiResult<Response> {
    let door = Door::enter(&state, addr, "reconnect_link")?;
    let claim = state
        .sealer
        .as_ref()
        .and_then(|k| crate::notify::links::reconnect(k, &token, state.clock.now_second()))
        .ok_or_else(|| door.refuse(ApiError::not_found("link")))?;
    let c = state
        .store
        .connection(claim.tenant, claim.connection)
        .await
        .map_err(|_| door.refuse(ApiError::not_found("link")))?;
    let view = begin_again(&state, &c, None).await?;
    Ok(axum::response::Redirect::to(&view.authorization_url).into_response())
}

pub(super) fn bad_state() -> ApiError {
    ApiError::Client {
        status: StatusCode::BAD_REQUEST,
        code: "invalid_state",
        detail: "this authorization is unknown, expired or already used; start connecting again".into(),
    }
}

/// Google sends the host's browser here. Finishes connecting: exchanges the code, lists the
/// account's calendars (the primary one counts as busy and receives bookings until the admin
/// chooses otherwise), and starts the first sync.
#[utoipa::path(get, path = "/oauth/google/callback", tag = "connections", params(Callback), security(()),
    responses((status = 200, body = ConnectionView), (status = 303, description = "back to `redirect_to`"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json"), (status = 502, body = Problem, content_type = "application/problem+json")))]
async fn callback(
    State(state): State<AppState>,
    addr: ClientAddr,
    ApiQuery(q): ApiQuery<Callback>,
) -> Response {
    match authorization(&state, addr, &q, "google").await {
        Ok(record) => finished(&state, &record, &q).await,
        Err(e) => e.into_response(),
    }
}

/// The authorization a callback of `provider` finishes: its state's signature and expiry are
/// checked first, then it is used up (single use). Every refusal counts against the client's
/// address.
pub(super) async fn authorization(
    state: &AppState,
    addr: ClientAddr,
    q: &Callback,
    provider: &str,
) -> ApiResult<OAuthState> {
    let door = Door::enter(state, addr, "oauth_callback")?;
    let sealer = state.sealer.as_ref().ok_or_else(bad_state)?;
    let now = state.clock.now_second();
    let claim = q
        .state
        .as_deref()
        .and_then(StateClaim::parse)
        .filter(|c| c.verify(sealer, provider, now))
        .ok_or_else(|| door.refuse(bad_state()))?;
    match state.store.take_oauth_state(claim.id, now).await {
        Ok(record) if claim.matches(&record, provider) => Ok(record),
        Ok(_) | Err(StoreError::NotFound) => Err(door.refuse(bad_state())),
        Err(e) => Err(ApiError::Internal(e.into())),
    }
}

async fn finished(state: &AppState, record: &OAuthState, q: &Callback) -> Response {
    respond(record, finish(state, record, q, state.clock.now_second()).await)
}

/// The browser's answer at the end of a callback: back to `redirect_to` when there is one.
pub(super) fn respond(record: &OAuthState, outcome: ApiResult<ConnectionView>) -> Response {
    match (&record.redirect_to, outcome) {
        (Some(to), Ok(view)) => see_other(to, &[("connection_id", &view.id.to_string())]),
        (Some(to), Err(e)) => see_other(to, &[("error", error_code(&e))]),
        (None, Ok(view)) => Json(view).into_response(),
        (None, Err(e)) => e.into_response(),
    }
}

pub(super) fn error_code(e: &ApiError) -> &'static str {
    match e {
        ApiError::Client { code, .. } => code,
        _ => "internal_error",
    }
}

pub(super) fn see_other(to: &str, params: &[(&str, &str)]) -> Response {
    let mut url = to.to_owned();
    for (k, v) in params {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(k);
        url.push('=');
        url.extend(form_urlencoded::byte_serialize(v.as_bytes()));
    }
    (StatusCode::SEE_OTHER, [(header::LOCATION, url)]).into_response()
}

fn provider_error(e: GoogleError) -> ApiError {
    match e {
        GoogleError::InvalidGrant(why) => ApiError::Client {
            status: StatusCode::BAD_REQUEST,
            code: "oauth_failed",
            detail: format!("Google refused the authorization code: {why}"),
        },
        other => ApiError::Client {
            status: StatusCode::BAD_GATEWAY,
            code: "provider_error",
            detail: format!("Google did not complete the connection: {other}"),
        },
    }
}

async fn finish(state: &AppState, record: &OAuthState, q: &Callback, now: i64) -> ApiResult<ConnectionView> {
    if let Some(err) = &q.error {
        return Err(ApiError::Client {
            status: StatusCode::BAD_REQUEST,
            code: "oauth_denied",
            detail: format!("the Google account did not grant access ({err})"),
        });
    }
    let code = q.code.as_deref().ok_or_else(|| ApiError::field("code", "is missing"))?;
    let g = google(state).map_err(unavailable)?;
    let sealer = sealer(state).map_err(unavailable)?;
    let verifier = sealer.open(&record.verifier).map_err(|e| ApiError::Internal(e.into()))?;
    let redirect_uri = format!("{}{CALLBACK}", state.base_url);
    let tokens = g.exchange_code(code, &verifier, &redirect_uri).await.map_err(provider_error)?;
    if tokens.refresh_token.is_none() {
        return Err(ApiError::Client {
            status: StatusCode::BAD_GATEWAY,
            code: "provider_error",
            detail:
                "Google gave no refresh token; remove Sked's access in the Google account and connect again"
                    .into(),
        });
    }
    // Google's consent screen lets the user untick scopes. Without events Sked can neither
    // read busy time nor write bookings: the grant is given back and the admin told why.
    if let Some(granted) = tokens.scope.as_deref()
        && let Some(missing) = missing_scope(granted)
    {
        if let Some(refresh) = &tokens.refresh_token
            && let Err(e) = g.revoke(refresh).await
        {
            tracing::warn!(error = %e, "could not give back a grant that lacked a scope");
        }
        return Err(ApiError::Client {
            status: StatusCode::FORBIDDEN,
            code: "oauth_scope_missing",
            detail: format!(
                "the Google account did not grant {missing}; connect again and leave every permission ticked"
            ),
        });
    }
    let calendars = g.calendar_list(&tokens.access_token).await.map_err(provider_error)?;
    let primary =
        calendars.iter().find(|k| k.primary).or(calendars.first()).ok_or_else(|| ApiError::Client {
            status: StatusCode::BAD_GATEWAY,
            code: "provider_error",
            detail: "the Google account has no calendars".into(),
        })?;
    let account = primary.id.clone();
    let update = sealed_update(sealer, &tokens, now).map_err(|e| ApiError::Internal(e.into()))?;
    let n = NewConnection {
        tenant: record.tenant_id,
        host: record.host_id,
        provider: "google",
        account,
        access_token: Some(update.access_token),
        refresh_token: update.refresh_token,
        token_expires_at: Some(update.token_expires_at),
        refresh_expires_at: update.refresh_expires_at,
        scopes: tokens.scope.clone().or_else(|| q.scope.clone()).unwrap_or_default(),
        server_url: None,
        username: None,
        password: None,
    };
    let calendars: Vec<AccountCalendar> = calendars
        .iter()
        .map(|k| AccountCalendar {
            id: k.id.clone(),
            summary: k.summary.clone(),
            time_zone: k.time_zone.clone(),
            primary: k.id == n.account,
            writable: k.writable(),
        })
        .collect();
    connect::record(state, n, &calendars, now).await.map_err(|e| ApiError::Internal(e.into()))
}
