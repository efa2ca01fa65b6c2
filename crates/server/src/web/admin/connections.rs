//! The calendar connections page: each connection's health, last check and sync, and why it is
//! unhealthy, with a button that starts a new authorization (the same one the API's
//! `POST /v1/hosts/{id}/connections/google` starts). A host user sees only their host's.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use sked_core::ids::ConnectionId;
use sked_store::Page;
use sked_web::admin::{Connection, Connections};

use super::csrf::Post;
use super::session::Signed;
use super::view::{Names, local};
use super::{fail, page};
use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/connections", get(list))
        .route("/admin/connections/{id}/reconnect", post(reconnect))
}

async fn rows(state: &AppState, who: &Signed) -> Result<Vec<Connection>, ApiError> {
    let tenant = who.user.tenant_id;
    let internal = |e: sked_store::StoreError| ApiError::Internal(e.into());
    let list = state
        .store
        .list_connections(tenant, who.host_scope(), Page { limit: 1_000, after: None })
        .await
        .map_err(internal)?;
    let names = Names::of(&state.store, tenant).await?;
    let mut out = Vec::with_capacity(list.len());
    for c in list {
        let zone = names.hosts.get(&c.host_id).map_or_else(sked_core::Zone::utc, |h| h.1.clone());
        let calendars = state.store.connection_calendars(c.id).await.map_err(internal)?;
        let synced = calendars.iter().filter_map(|k| k.synced_at).max();
        out.push(Connection {
            id: c.id.to_string(),
            host: names.host(c.host_id),
            can_reconnect: crate::calendars::oauth::can_begin_again(state, &c.provider),
            provider: c.provider,
            account: c.account,
            status: c.status,
            last_checked: c.last_checked_at.map(|t| local(t, &zone)).unwrap_or_default(),
            last_sync: synced.map(|t| local(t, &zone)).unwrap_or_default(),
            reason: c.last_error.unwrap_or_default(),
        });
    }
    Ok(out)
}

async fn list(State(state): State<AppState>, who: Signed) -> Response {
    match rows(&state, &who).await {
        Ok(rows) => page(&Connections {
            nav: Some(who.nav()),
            rows,
            csrf: who.session.csrf.clone(),
            ..Connections::default()
        }),
        Err(e) => fail(Some(who.nav()), e),
    }
}

#[derive(Debug, Deserialize)]
struct Nothing {}

async fn reconnect(State(state): State<AppState>, Path(id): Path<String>, p: Post<Nothing>) -> Response {
    let who = &p.who;
    let result = async {
        let id: ConnectionId = id.parse().map_err(|_| ApiError::not_found("connection"))?;
        let c = state
            .store
            .connection(who.user.tenant_id, id)
            .await
            .map_err(|e| ApiError::store("connection", e))?;
        if who.host_scope().is_some_and(|own| own != c.host_id) {
            return Err(ApiError::not_found("connection"));
        }
        let back = format!("{}/admin/connections", state.base_url);
        crate::calendars::oauth::begin_again(&state, &c, Some(back)).await
    }
    .await;
    match result {
        Ok(auth) => Redirect::to(&auth.authorization_url).into_response(),
        Err(e) => fail(Some(who.nav()), e),
    }
}
