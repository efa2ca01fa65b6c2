//! A signed-in user changes their password (the one-time password they were given, say): the
//! current one is checked first, failures count like sign-in failures, and every other session
//! of theirs ends.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use sked_web::admin::Password;

use super::csrf::Post;
use super::session::{self, Signed};
use super::{fail, page};
use crate::error::ApiError;
use crate::guard::{ClientAddr, Door};
use crate::state::AppState;
use crate::users::{check_password, hash_password, verify_password};

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/password", get(form).post(change))
}

#[derive(Debug, Default, Deserialize)]
struct Done {
    #[serde(default)]
    changed: String,
}

async fn form(who: Signed, Query(d): Query<Done>) -> Response {
    page(&Password {
        nav: Some(who.nav()),
        flash: (!d.changed.is_empty()).then(|| "Your password is changed.".into()),
        csrf: who.session.csrf.clone(),
        ..Password::default()
    })
}

#[derive(Debug, Deserialize)]
struct Change {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
}

async fn change(State(state): State<AppState>, addr: ClientAddr, p: Post<Change>) -> Response {
    let who = &p.who;
    let again = |error: String, status: StatusCode| {
        let mut res = page(&Password {
            nav: Some(who.nav()),
            error: Some(error),
            csrf: who.session.csrf.clone(),
            ..Password::default()
        });
        *res.status_mut() = status;
        res
    };
    let door = match Door::enter(&state, addr, "admin_login") {
        Ok(d) => d,
        Err(e) => return fail(Some(who.nav()), e),
    };
    if !verify_password(Some(who.user.password_hash.clone()), &p.form.current).await {
        let e = door.refuse(ApiError::unauthorized("wrong password"));
        return match e {
            ApiError::RateLimited { .. } => fail(Some(who.nav()), e),
            _ => again("The current password is wrong.".into(), StatusCode::UNAUTHORIZED),
        };
    }
    if let Err(e) = check_password("password", &p.form.password) {
        return again(format!("The new password {}.", e.message), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let now = state.clock.now_second();
    let done = async {
        let hash = hash_password(&p.form.password).await?;
        state.store.set_password(who.user.tenant_id, who.user.id, &hash, now).await?;
        let user = sked_store::User { password_hash: hash, ..who.user.clone() };
        Ok::<_, anyhow::Error>(user)
    };
    let user = match done.await {
        Ok(u) => u,
        Err(e) => return fail(Some(who.nav()), ApiError::Internal(e)),
    };
    // The change ended every session, this one too: a new one for this browser.
    match session::start(&state, &user).await {
        Ok(cookie) => {
            ([(header::SET_COOKIE, cookie)], Redirect::to("/admin/password?changed=1")).into_response()
        }
        Err(e) => fail(None, e),
    }
}
