//! The API keys page (owners only): the workspace's keys, a new one shown once, revoking; made
//! and revoked by the same functions as the operator's `/v1/tenants/{id}/api-keys`.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use sked_core::ids::ApiKeyId;
use sked_web::editors::{ApiKeys, Errors, KeyRow};

use super::csrf::Post;
use super::form::{Fields, done, owner_only, split, with_status};
use super::session::Signed;
use super::{fail, page};
use crate::error::ApiError;
use crate::state::AppState;
use crate::tenants::{CreateKey, new_key, revoke, tenant_keys};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/api-keys", get(list).post(create))
        .route("/admin/api-keys/{id}/revoke", post(revoke_one))
}

#[derive(Debug, Default, serde::Deserialize)]
struct Done {
    #[serde(default)]
    revoked: String,
}

/// The page: the keys, and what the form says.
async fn render(
    state: &AppState,
    who: &Signed,
    new: Option<String>,
    name: &str,
    errors: Errors,
    top: Option<String>,
    flash: Option<String>,
) -> Response {
    let rows = match tenant_keys(state, who.user.tenant_id).await {
        Ok(k) => k,
        Err(e) => return fail(Some(who.nav()), e),
    };
    page(&ApiKeys {
        nav: Some(who.nav()),
        error: top,
        flash,
        csrf: who.session.csrf.clone(),
        rows: rows
            .into_iter()
            .map(|k| KeyRow {
                id: k.id.to_string(),
                name: k.name,
                prefix: k.prefix,
                created: k.created_at,
                revoked: k.revoked_at.unwrap_or_default(),
            })
            .collect(),
        new_key: new,
        name: name.into(),
        errors,
    })
}

async fn list(State(state): State<AppState>, who: Signed, Query(d): Query<Done>) -> Response {
    if let Err(e) = owner_only(&who) {
        return fail(Some(who.nav()), e);
    }
    let flash = (!d.revoked.is_empty()).then(|| "Revoked.".to_owned());
    render(&state, &who, None, "", Errors::new(), None, flash).await
}

/// Makes a key and shows it on the answer itself: the secret is never kept, so it cannot wait
/// for a redirect.
async fn create(State(state): State<AppState>, p: Post<Fields>) -> Response {
    let who = &p.who;
    if let Err(e) = owner_only(who) {
        return fail(Some(who.nav()), e);
    }
    let name = p.form.one("name");
    match new_key(&state, who.user.tenant_id, CreateKey { name: Some(name.into()) }).await {
        Ok(k) => render(&state, who, k.key, "", Errors::new(), None, None).await,
        Err(e @ ApiError::Validation(_)) => {
            let (errors, top) = split(&e);
            with_status(render(&state, who, None, name, errors, top, None).await, &e)
        }
        Err(e) => fail(Some(who.nav()), e),
    }
}

async fn revoke_one(State(state): State<AppState>, Path(id): Path<String>, p: Post<Fields>) -> Response {
    let who = &p.who;
    let run = async {
        owner_only(who)?;
        let id: ApiKeyId = id.parse().map_err(|_| ApiError::not_found("API key"))?;
        // Only a key of this workspace.
        if !tenant_keys(&state, who.user.tenant_id).await?.iter().any(|k| k.id == id) {
            return Err(ApiError::not_found("API key"));
        }
        revoke(&state, id).await
    };
    match run.await {
        Ok(_) => done("/admin/api-keys?revoked=1"),
        Err(e) => fail(Some(who.nav()), e),
    }
}
