//! Server-side sessions, in the manner of tower-sessions over our own store: the browser holds
//! a random 32-byte id in an `HttpOnly; SameSite=Lax` cookie, the store keeps only its SHA-256,
//! the signed-in user and the session's CSRF token. A session ends after 12 hours unused, 7 days
//! after sign-in in any case, at sign-out, and when its user's password changes.

use axum::extract::FromRequestParts;
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use sked_core::ids::HostId;
use sked_store::{Session, User};
use sked_web::admin::Nav;

use crate::error::ApiError;
use crate::state::AppState;
use crate::users::Role;

/// A session unused this long ends.
pub const IDLE_SECS: i64 = 12 * 3_600;
/// No session lives longer than this after sign-in.
pub const ABSOLUTE_SECS: i64 = 7 * 86_400;
/// Uses closer together than this do not write the session again.
const TOUCH_EVERY_SECS: i64 = 60;

/// The cookie's name: with the `__Host-` prefix (which browsers accept only when `Secure`,
/// host-only, `Path=/`) when the server is reached over https.
pub fn cookie_name(state: &AppState) -> &'static str {
    if secure(state) { "__Host-sked_session" } else { "sked_session" }
}

fn secure(state: &AppState) -> bool {
    state.base_url.starts_with("https://")
}

fn hash(id: &[u8]) -> Vec<u8> {
    Sha256::digest(id).to_vec()
}

/// A random URL-safe token of 32 bytes.
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// Starts a session for `user`; answers the `Set-Cookie` value carrying it.
pub async fn start(state: &AppState, user: &User) -> Result<HeaderValue, ApiError> {
    let id: [u8; 32] = rand::random();
    let now = state.clock.now_second();
    let session = Session {
        id_hash: hash(&id),
        user_id: user.id,
        tenant_id: user.tenant_id,
        csrf: random_token(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + IDLE_SECS,
    };
    state.store.insert_session(&session).await.map_err(|e| ApiError::Internal(e.into()))?;
    let value = format!(
        "{}={}; {}",
        cookie_name(state),
        URL_SAFE_NO_PAD.encode(id),
        attributes(state, ABSOLUTE_SECS)
    );
    HeaderValue::from_str(&value).map_err(|e| ApiError::Internal(e.into()))
}

fn attributes(state: &AppState, max_age: i64) -> String {
    let secure = if secure(state) { "; Secure" } else { "" };
    format!("HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}")
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear(state: &AppState) -> HeaderValue {
    let value = format!("{}=; {}", cookie_name(state), attributes(state, 0));
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("sked_session=; Max-Age=0; Path=/"))
}

/// The session id the request's cookie carries, decoded.
fn cookie_id(state: &AppState, headers: &HeaderMap) -> Option<Vec<u8>> {
    let name = cookie_name(state);
    headers.get_all(COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then(|| URL_SAFE_NO_PAD.decode(v).ok()).flatten().filter(|id| id.len() == 32)
    })
}

/// Ends the request's session, if it has one.
pub async fn end(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if let Some(id) = cookie_id(state, headers) {
        state.store.delete_session(&hash(&id)).await.map_err(|e| ApiError::Internal(e.into()))?;
    }
    Ok(())
}

/// A signed-in user and their session.
#[derive(Clone, Debug)]
pub struct Signed {
    pub user: User,
    pub session: Session,
    pub role: Role,
}

impl Signed {
    /// The layout's navigation.
    pub fn nav(&self) -> Nav {
        Nav {
            email: self.user.email.clone(),
            role: self.role.as_str().into(),
            csrf: self.session.csrf.clone(),
            is_host: self.role == Role::Host,
        }
    }

    /// The only host whose bookings this user may see and change, for a `host` user (one
    /// without a host sees none).
    pub fn host_scope(&self) -> Option<HostId> {
        (self.role == Role::Host).then(|| self.user.host_id.unwrap_or(HostId(uuid::Uuid::nil())))
    }

    /// Who history records.
    pub fn actor(&self) -> sked_app::Actor {
        sked_app::Actor { tenant: self.user.tenant_id, name: format!("user:{}", self.user.id) }
    }
}

/// Not signed in: to the sign-in page.
pub fn to_login() -> Response {
    Redirect::to("/admin/login").into_response()
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(id) = cookie_id(state, &parts.headers) else { return Err(to_login()) };
        let id_hash = hash(&id);
        let now = state.clock.now_second();
        let internal = |e: sked_store::StoreError| super::fail(None, ApiError::Internal(e.into()));
        let Some(session) = state.store.session(&id_hash, now).await.map_err(internal)? else {
            return Err(to_login());
        };
        let user = match state.store.user(session.tenant_id, session.user_id).await {
            Ok(u) => u,
            Err(sked_store::StoreError::NotFound) => return Err(to_login()),
            Err(e) => return Err(internal(e)),
        };
        if now - session.last_seen_at >= TOUCH_EVERY_SECS {
            let expires = (now + IDLE_SECS).min(session.created_at + ABSOLUTE_SECS);
            state.store.touch_session(&id_hash, now, expires).await.map_err(internal)?;
        }
        let role = Role::of(&user.role);
        crate::audit::note(parts, user.tenant_id, || format!("user:{}", user.id));
        Ok(Signed { user, session, role })
    }
}
