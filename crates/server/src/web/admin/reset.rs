//! "Forgot your password?": the form that emails a reset link (answering the same whether or
//! not the address has an account), and the link's form that sets a new password, ends every
//! other session of the user and signs them in. Requests count against the client's address.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use sked_web::admin::{Forgot, Reset};

use super::csrf::same_origin;
use super::{fail, page, session};
use crate::error::ApiError;
use crate::guard::{ClientAddr, Door};
use crate::state::AppState;
use crate::users::reset::{open, send, still_valid};
use crate::users::{check_password, hash_password};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/forgot", get(|| async { page(&Forgot::default()) }).post(forgot))
        .route("/admin/reset", get(form).post(reset))
}

#[derive(Debug, Deserialize)]
struct Email {
    #[serde(default)]
    email: String,
}

async fn forgot(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    Form(f): Form<Email>,
) -> Response {
    if let Err(e) = same_origin(&headers, &state) {
        return fail(None, e);
    }
    // Each request spends a token of the address's bucket: a flood of reset emails is limited
    // as a flood of wrong passwords is.
    let door = match Door::enter(&state, addr, "admin_reset") {
        Ok(d) => d,
        Err(e) => return fail(None, e),
    };
    let _ = door.refuse(ApiError::unauthorized("counted"));
    if f.email.len() <= 254
        && let Err(e) = send(&state, &f.email).await
    {
        return fail(None, ApiError::Internal(e));
    }
    page(&Forgot { sent: true, ..Forgot::default() })
}

#[derive(Debug, Default, Deserialize)]
struct Token {
    #[serde(default)]
    token: String,
}

fn expired() -> ApiError {
    ApiError::Client {
        status: StatusCode::NOT_FOUND,
        code: "not_found",
        detail: "this link has expired or was used already; ask for a new one".into(),
    }
}

async fn form(Query(t): Query<Token>) -> Response {
    page(&Reset { token: t.token, ..Reset::default() })
}

#[derive(Debug, Deserialize)]
struct NewPassword {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

async fn reset(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    Form(f): Form<NewPassword>,
) -> Response {
    if let Err(e) = same_origin(&headers, &state) {
        return fail(None, e);
    }
    let door = match Door::enter(&state, addr, "admin_reset") {
        Ok(d) => d,
        Err(e) => return fail(None, e),
    };
    let now = state.clock.now_second();
    let opened = state.sealer.as_ref().and_then(|s| open(s, &f.token, now));
    let Some((tenant, user, fingerprint)) = opened else { return fail(None, door.refuse(expired())) };
    let u = match state.store.user(tenant, user).await {
        Ok(u) if still_valid(&u, &fingerprint) => u,
        _ => return fail(None, door.refuse(expired())),
    };
    if let Err(e) = check_password("password", &f.password) {
        let mut res = page(&Reset {
            token: f.token,
            error: Some(format!("The password {}.", e.message)),
            ..Reset::default()
        });
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return res;
    }
    let done = async {
        let hash = hash_password(&f.password).await?;
        state.store.set_password(tenant, u.id, &hash, now).await?;
        Ok::<_, anyhow::Error>(())
    };
    if let Err(e) = done.await {
        return fail(None, ApiError::Internal(e));
    }
    match session::start(&state, &u).await {
        Ok(cookie) => ([(header::SET_COOKIE, cookie)], Redirect::to("/admin")).into_response(),
        Err(e) => fail(None, e),
    }
}
