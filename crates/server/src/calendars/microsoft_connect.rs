//! Connecting Outlook (Microsoft Graph), and Graph's notifications.
//!
//! - `POST /v1/hosts/{id}/connections/microsoft` answers the URL of Microsoft's consent page
//!   (PKCE, a signed single-use state, as for Google).
//! - `GET /oauth/microsoft/callback` exchanges the code, reads the account and its calendars,
//!   and records the connection.
//! - `POST /webhooks/microsoft` answers Graph's validation handshake (`validationToken`) and
//!   takes change and lifecycle notifications: each is checked against its subscription's
//!   `clientState` (only a hash is stored) before it queues a sync or a new subscription.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use sha2::{Digest, Sha256};
use sked_calendar::ProviderError;
use sked_core::ids::{HostId, TenantId};
use sked_microsoft::PkceVerifier;
use sked_microsoft::notifications::{self, LifecycleEvent, NotificationKind};
use sked_store::{OAuthState, StoreError};
use subtle::ConstantTimeEq;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::api::ConnectionView;
use super::connect::{self, NewConnection};
use super::oauth::{
    AuthorizationView, Callback, STATE_TTL, StartConnect, authorization, respond, unavailable,
};
use super::oauth_state::StateClaim;
use super::provider::AccountCalendar;
use super::tokens::sealer;
use super::{job, jobs, microsoft, sync_job};
use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiPath, ApiQuery, JsonBytes};
use crate::guard::{ClientAddr, Door};
use crate::state::AppState;
use crate::time::rfc3339;

/// The callback path (the redirect URI registered with Microsoft is the public URL plus this).
pub const CALLBACK: &str = "/oauth/microsoft/callback";
/// Largest notification body read (Graph batches up to a few hundred items).
const MAX_NOTIFICATION: usize = 1 << 20;

/// Routes of the flow and the notifications.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(microsoft_start))
        .routes(routes!(microsoft_callback))
        .routes(routes!(microsoft_webhook))
}

/// Start connecting a host's Outlook calendar: answers the URL to open in the host's browser
/// (offline access, PKCE, a signed single-use state that lives 10 minutes).
#[utoipa::path(post, path = "/v1/hosts/{id}/connections/microsoft", tag = "connections", params(("id" = uuid::Uuid, Path)),
    request_body(content = Option<StartConnect>),
    responses((status = 201, body = AuthorizationView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn microsoft_start(
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

/// Starts an authorization at Microsoft for a host of a tenant: a signed single-use state with
/// its PKCE verifier, stored; answers the URL to send the host's browser to.
pub async fn begin(
    state: &AppState,
    tenant: TenantId,
    host: HostId,
    redirect_to: Option<String>,
    login_hint: Option<&str>,
) -> ApiResult<AuthorizationView> {
    let m = microsoft(state).map_err(unavailable)?;
    let sealer = sealer(state).map_err(unavailable)?;
    let now = state.clock.now_second();
    let id = URL_SAFE_NO_PAD.encode(rand::rng().random::<[u8; 24]>());
    let expires_at = now + STATE_TTL;
    let signed = StateClaim::encode(sealer, "microsoft", &id, tenant, host, expires_at);
    let redirect_uri = format!("{}{CALLBACK}", state.base_url);
    let (mut url, verifier) =
        m.authorization_url(&redirect_uri, &signed).map_err(|e| ApiError::Internal(e.into()))?;
    if let Some(hint) = login_hint {
        url.push_str("&login_hint=");
        url.extend(form_urlencoded::byte_serialize(hint.as_bytes()));
    }
    let record = OAuthState {
        id,
        tenant_id: tenant,
        host_id: host,
        provider: "microsoft".into(),
        verifier: sealer.seal(verifier.secret()).map_err(|e| ApiError::Internal(e.into()))?,
        redirect_to,
        expires_at,
        created_at: now,
    };
    state.store.insert_oauth_state(&record).await.map_err(|e| ApiError::Internal(e.into()))?;
    Ok(AuthorizationView { authorization_url: url, redirect_uri, expires_at: rfc3339(expires_at) })
}

/// Microsoft sends the host's browser here. Finishes connecting: exchanges the code, reads the
/// account and its calendars (the default one counts as busy and receives bookings until the
/// admin chooses otherwise), and starts the first sync.
#[utoipa::path(get, path = "/oauth/microsoft/callback", tag = "connections", params(Callback), security(()),
    responses((status = 200, body = ConnectionView), (status = 303, description = "back to `redirect_to`"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json"), (status = 502, body = Problem, content_type = "application/problem+json")))]
async fn microsoft_callback(
    State(state): State<AppState>,
    addr: ClientAddr,
    ApiQuery(q): ApiQuery<Callback>,
) -> Response {
    match authorization(&state, addr, &q, "microsoft").await {
        Ok(record) => respond(&record, finish(&state, &record, &q).await),
        Err(e) => e.into_response(),
    }
}

fn provider_error(e: ProviderError) -> ApiError {
    match e {
        ProviderError::InvalidGrant(why) => ApiError::Client {
            status: StatusCode::BAD_REQUEST,
            code: "oauth_failed",
            detail: format!("Microsoft refused the authorization code: {why}"),
        },
        other => ApiError::Client {
            status: StatusCode::BAD_GATEWAY,
            code: "provider_error",
            detail: format!("Microsoft did not complete the connection: {other}"),
        },
    }
}

async fn finish(state: &AppState, record: &OAuthState, q: &Callback) -> ApiResult<ConnectionView> {
    if let Some(err) = &q.error {
        return Err(ApiError::Client {
            status: StatusCode::BAD_REQUEST,
            code: "oauth_denied",
            detail: format!("the Microsoft account did not grant access ({err})"),
        });
    }
    let code = q.code.as_deref().ok_or_else(|| ApiError::field("code", "is missing"))?;
    let m = microsoft(state).map_err(unavailable)?;
    let sealer = sealer(state).map_err(unavailable)?;
    let verifier =
        PkceVerifier::new(sealer.open(&record.verifier).map_err(|e| ApiError::Internal(e.into()))?);
    let redirect_uri = format!("{}{CALLBACK}", state.base_url);
    let tokens = m.exchange(code, &verifier, &redirect_uri).await.map_err(provider_error)?;
    let Some(refresh) = tokens.refresh_token.clone() else {
        return Err(ApiError::Client {
            status: StatusCode::BAD_GATEWAY,
            code: "provider_error",
            detail: "Microsoft gave no refresh token (offline_access was not granted); connect again".into(),
        });
    };
    let account = m.me(&tokens.access_token).await.map_err(provider_error)?;
    let calendars = m.calendars(&tokens.access_token).await.map_err(provider_error)?;
    if calendars.is_empty() {
        return Err(ApiError::Client {
            status: StatusCode::BAD_GATEWAY,
            code: "provider_error",
            detail: "the Microsoft account has no calendars".into(),
        });
    }
    let now = state.clock.now_second();
    let seal = |v: &str| sealer.seal(v).map_err(|e| ApiError::Internal(e.into()));
    let expires_in = tokens.expires_in.map_or(3_600, |s| i64::try_from(s).unwrap_or(3_600));
    let n = NewConnection {
        tenant: record.tenant_id,
        host: record.host_id,
        provider: "microsoft",
        account: account.email,
        access_token: Some(seal(&tokens.access_token)?),
        refresh_token: Some(seal(&refresh)?),
        token_expires_at: Some(now + expires_in),
        refresh_expires_at: None,
        scopes: tokens.scope.clone().unwrap_or_else(|| sked_microsoft::SCOPES.into()),
        server_url: None,
        username: None,
        password: None,
    };
    let calendars: Vec<AccountCalendar> = calendars
        .into_iter()
        .map(|k| AccountCalendar {
            id: k.id,
            summary: k.name,
            time_zone: None,
            primary: k.is_default,
            writable: k.can_edit,
        })
        .collect();
    connect::record(state, n, &calendars, now).await.map_err(|e| ApiError::Internal(e.into()))
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Graph's notifications: the validation handshake (answered with the token, as plain text),
/// then change and lifecycle notifications, each checked against its subscription's
/// `clientState`. Answers 202 once the work is queued.
#[utoipa::path(post, path = "/webhooks/microsoft", tag = "connections", security(()),
    params(("validationToken" = Option<String>, Query, description = "Graph's handshake when it makes a subscription")),
    responses((status = 200, description = "the validation token, echoed", content_type = "text/plain"), (status = 202), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json")))]
async fn microsoft_webhook(
    State(state): State<AppState>,
    addr: ClientAddr,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Response> {
    if let Some(token) = query.as_deref().and_then(notifications::validation_token) {
        if token.len() > 1_024 {
            return Err(ApiError::field("validationToken", "is too long"));
        }
        return Ok(([(header::CONTENT_TYPE, "text/plain")], token).into_response());
    }
    let door = Door::enter(&state, addr, "microsoft_notification")?;
    if body.len() > MAX_NOTIFICATION {
        return Err(ApiError::field("body", "is too large"));
    }
    let items = notifications::parse(&body).map_err(|e| ApiError::field("value", &e.0))?;
    let now = state.clock.now_second();
    let mut accepted = 0;
    for n in items {
        let cal = match state.store.calendar_by_channel(&n.subscription_id).await {
            Ok(cal) => cal,
            Err(StoreError::NotFound) => continue,
            Err(e) => return Err(ApiError::Internal(e.into())),
        };
        let ok = match (&n.client_state, &cal.channel_token_hash) {
            // Constant time: the comparison must not say how much of the secret matched.
            (Some(got), Some(h)) => hash(got).as_bytes().ct_eq(h.as_bytes()).into(),
            _ => false,
        };
        if !ok {
            tracing::warn!(subscription = %n.subscription_id, "Graph notification with a wrong clientState; ignored");
            continue;
        }
        accepted += 1;
        let c = state
            .store
            .find_connection(cal.connection_id)
            .await
            .map_err(|e| ApiError::store("channel", e))?;
        let renew = matches!(
            n.kind,
            NotificationKind::Lifecycle(
                LifecycleEvent::ReauthorizationRequired | LifecycleEvent::SubscriptionRemoved
            )
        );
        let work = if renew {
            job(c.tenant_id, &jobs::Watch { connection_id: c.id, calendar_id: cal.calendar_id.clone() }, now)
        } else {
            sync_job(&c, &cal.calendar_id, false, now)
        }
        .map_err(|e| ApiError::Internal(e.into()))?;
        if state
            .store
            .enqueue_unless_queued(&work, now + 5)
            .await
            .map_err(|e| ApiError::Internal(e.into()))?
        {
            state.wake_worker.notify_one();
        }
    }
    if accepted == 0 {
        return Err(door.refuse(ApiError::unauthorized("no notification matched a subscription")));
    }
    Ok(StatusCode::ACCEPTED.into_response())
}
