//! Deleting from the dashboard: an event type (refused while it has bookings), a host, a voice
//! agent, each through the same store call the API's `DELETE` makes, after the form's CSRF
//! check; back to the list with a word on what happened.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use sked_core::ids::{EventTypeId, HostId, VoiceAgentId};

use super::csrf::Post;
use super::fail;
use super::form::{Fields, done, staff_only};
use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/event-types/{id}/delete", post(event_type))
        .route("/admin/hosts/{id}/delete", post(host))
        .route("/admin/voice-agents/{id}/delete", post(agent))
}

/// The list's query after a delete.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Deleted {
    #[serde(default)]
    deleted: String,
}

impl Deleted {
    /// What the list says after a delete.
    pub fn flash(&self) -> Option<String> {
        (!self.deleted.is_empty()).then(|| "Deleted.".into())
    }
}

/// Runs a delete for a staff user; to `list?deleted=1`, or the refusal as a page.
async fn run(
    who: &super::session::Signed,
    list: &str,
    delete: impl Future<Output = Result<(), ApiError>>,
) -> Response {
    if let Err(e) = staff_only(who) {
        return fail(Some(who.nav()), e);
    }
    match delete.await {
        Ok(()) => done(&format!("{list}?deleted=1")),
        Err(e) => fail(Some(who.nav()), e),
    }
}

async fn event_type(State(state): State<AppState>, Path(id): Path<String>, p: Post<Fields>) -> Response {
    let tenant = p.who.user.tenant_id;
    run(&p.who, "/admin/event-types", async {
        let id: EventTypeId = id.parse().map_err(|_| ApiError::not_found("event type"))?;
        state.store.delete_event_type(tenant, id).await.map_err(|e| ApiError::store("event type", e))
    })
    .await
}

async fn host(State(state): State<AppState>, Path(id): Path<String>, p: Post<Fields>) -> Response {
    let tenant = p.who.user.tenant_id;
    run(&p.who, "/admin/hosts", async {
        let id: HostId = id.parse().map_err(|_| ApiError::not_found("host"))?;
        state.store.delete_host(tenant, id).await.map_err(|e| ApiError::store("host", e))
    })
    .await
}

async fn agent(State(state): State<AppState>, Path(id): Path<String>, p: Post<Fields>) -> Response {
    let tenant = p.who.user.tenant_id;
    run(&p.who, "/admin/voice-agents", async {
        let id: VoiceAgentId = id.parse().map_err(|_| ApiError::not_found("voice agent"))?;
        state.store.delete_voice_agent(tenant, id).await.map_err(|e| ApiError::store("voice agent", e))
    })
    .await
}
