//! Signing in and out. A sign-in is refused alike for an unknown address and a wrong password
//! (an unknown address is checked against a dummy hash, so both take as long); failures count
//! against the client's address and against the address typed, in the guard every door shares.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sked_web::admin::Login;

use super::csrf::{Post, same_origin};
use super::{fail, page, session};
use crate::error::ApiError;
use crate::guard::{ClientAddr, Door};
use crate::state::AppState;
use crate::users::{MAX_PASSWORD, verify_password};

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/login", get(form).post(login)).route("/admin/logout", post(logout))
}

async fn form() -> Response {
    page(&Login::default())
}

#[derive(Debug, Deserialize)]
struct Credentials {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    /// The workspace's slug, when the address has accounts in several.
    #[serde(default)]
    tenant: String,
}

/// Where an address's failures are counted: a bucket of its own in the guard's address space
/// (a unique-local IPv6 /64 named by the address's hash), apart from every client's.
fn email_bucket(email: &str) -> ClientAddr {
    let h = Sha256::digest(email.trim().to_lowercase().as_bytes());
    let mut bytes = [0u8; 16];
    bytes[0] = 0xfd;
    bytes[1..8].copy_from_slice(&h[..7]);
    ClientAddr(std::net::IpAddr::V6(std::net::Ipv6Addr::from(bytes)))
}

async fn login(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    Form(c): Form<Credentials>,
) -> Response {
    if let Err(e) = same_origin(&headers, &state) {
        return fail(None, e);
    }
    let by_addr = Door::new(&state, addr, "admin_login");
    let by_email = Door::new(&state, email_bucket(&c.email), "admin_login");
    if let Err(e) = by_addr.check().and_then(|()| by_email.check()) {
        return fail(None, e);
    }
    let again = |error: &str, ask_tenant: bool| Login {
        error: Some(error.into()),
        email: c.email.clone(),
        ask_tenant,
        tenant: c.tenant.clone(),
        ..Login::default()
    };
    let mut users = match state.store.users_by_email(&c.email).await {
        Ok(u) if c.email.len() <= 254 && c.password.len() <= MAX_PASSWORD => u,
        Ok(_) => Vec::new(),
        Err(e) => return fail(None, ApiError::Internal(e.into())),
    };
    if !c.tenant.trim().is_empty() {
        let tenant = state.store.tenant_by_slug(c.tenant.trim()).await.ok().map(|t| t.id);
        users.retain(|u| Some(u.tenant_id) == tenant);
    }
    let mut matched = Vec::new();
    if users.is_empty() {
        verify_password(None, &c.password).await;
    }
    for u in users {
        if verify_password(Some(u.password_hash.clone()), &c.password).await {
            matched.push(u);
        }
    }
    match matched.as_slice() {
        [user] => match session::start(&state, user).await {
            Ok(cookie) => ([(header::SET_COOKIE, cookie)], Redirect::to("/admin")).into_response(),
            Err(e) => fail(None, e),
        },
        [] => {
            let refused = by_addr.refuse(ApiError::unauthorized("wrong email or password"));
            let limited = by_email.refuse(ApiError::unauthorized("wrong email or password"));
            match (refused, limited) {
                (e @ ApiError::RateLimited { .. }, _) | (_, e @ ApiError::RateLimited { .. }) => {
                    fail(None, e)
                }
                _ => {
                    let mut res = page(&again("Wrong email or password.", !c.tenant.is_empty()));
                    *res.status_mut() = StatusCode::UNAUTHORIZED;
                    res
                }
            }
        }
        _ => page(&again("This address has accounts in several workspaces: name the workspace.", true)),
    }
}

#[derive(Debug, Deserialize)]
struct Nothing {}

async fn logout(State(state): State<AppState>, headers: HeaderMap, post: Post<Nothing>) -> Response {
    let _ = post.who;
    if let Err(e) = session::end(&state, &headers).await {
        return fail(None, e);
    }
    ([(header::SET_COOKIE, session::clear(&state))], Redirect::to("/admin/login")).into_response()
}
