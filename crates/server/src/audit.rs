//! The audit log: who changed what in a tenant.
//!
//! Every successful change to a tenant's settings made through the API or the dashboard (hosts,
//! schedules, event types, blocks, keys, users, calendars, voice agents, webhooks, templates,
//! ...) is recorded by [`record`], a layer around every route: the caller's identity comes from
//! the request's authentication ([`note`]), the action from the method and route, the target
//! from the path. Booking changes are not recorded here, because each one's history row (written
//! in the booking's own transaction) already names who made it: an API key, a dashboard user, a
//! voice agent, a calendar, the attendee, Cal.com. `GET /v1/audit-log` reads both, newest first.
//!
//! A setting change is recorded after its answer is ready, in a write of its own: a process
//! killed between the two loses that one line, never the change.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use sked_core::ids::TenantId;
use sked_store::{AuditEntry, AuditRow, Page};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiQuery;
use crate::pagination::{ListQuery, Paged};
use crate::state::AppState;
use crate::time::rfc3339;

/// Who a request acts as, once its authentication is known; put on every change request.
#[derive(Clone, Debug, Default)]
pub struct Slot(Arc<Mutex<Option<(TenantId, String)>>>);

/// Says who the request acts as (called by the tenant key and dashboard session extractors);
/// `actor` is written only for a change request, the only kind recorded.
pub fn note(parts: &Parts, tenant: TenantId, actor: impl FnOnce() -> String) {
    if let Some(slot) = parts.extensions.get::<Slot>()
        && let Ok(mut who) = slot.0.lock()
    {
        *who = Some((tenant, actor()));
    }
}

/// Routes whose changes are recorded elsewhere (bookings, in their history) or that change
/// nothing (reading a phrase, MCP tool calls, which book through the booking flows).
fn audited(route: &str) -> bool {
    !(route.starts_with("/v1/bookings")
        || route.starts_with("/admin/bookings")
        || route.starts_with("/v1/time/")
        || route.starts_with("/mcp"))
}

/// Longest target kept (paths are short; a long one is cut).
const MAX_TARGET: usize = 300;

/// The layer: records a successful change by a known caller.
pub async fn record(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let change = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
    let route = req.extensions().get::<MatchedPath>().filter(|p| change && audited(p.as_str()));
    let Some(route) = route.map(|p| p.as_str().to_owned()) else { return next.run(req).await };
    let action = format!("{} {route}", req.method());
    let mut target = req.uri().path().to_owned();
    if target.len() > MAX_TARGET {
        let mut cut = MAX_TARGET;
        while !target.is_char_boundary(cut) {
            cut -= 1;
        }
        target.truncate(cut);
    }
    let slot = Slot::default();
    req.extensions_mut().insert(slot.clone());
    let res = next.run(req).await;
    let ok = res.status().is_success() || res.status().is_redirection();
    let who = slot.0.lock().ok().and_then(|mut who| who.take());
    if let (true, Some((tenant, actor))) = (ok, who) {
        let entry = AuditEntry {
            id: uuid::Uuid::now_v7(),
            tenant_id: tenant,
            at: state.clock.now_second(),
            actor,
            action,
            target,
        };
        if let Err(e) = state.store.record_audit(&entry).await {
            tracing::error!(error = %e, action = %entry.action, "the audit log could not record a change");
        }
    }
    res
}

/// One change: to a setting, or to a booking.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    #[schema(format = Uuid)]
    pub id: String,
    /// When.
    #[schema(format = DateTime)]
    pub at: String,
    /// Who: `api_key:<id>`, `user:<id>`, `voice_agent:<id>`, `attendee`, `google`,
    /// `microsoft`, `caldav`, `calcom`, `operator`, `system`.
    pub actor: String,
    /// What: the method and route of a setting change (`PATCH /v1/hosts/{id}`), or
    /// `booking.<action>` (`booking.created`, `booking.rescheduled`, `booking.cancelled`, ...).
    pub action: String,
    /// What it was done to: the path changed (`/v1/hosts/0190...`, `/v1/bookings/0190...`).
    pub target: String,
}

fn view(r: AuditRow) -> AuditView {
    let (action, target) = match r.booking_id {
        Some(b) => (format!("booking.{}", r.action), format!("/v1/bookings/{b}")),
        None => (r.action, r.target.unwrap_or_default()),
    };
    AuditView { id: r.id.to_string(), at: rfc3339(r.at), actor: r.actor, action, target }
}

/// Filters of the audit log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only this actor's changes (`api_key:<id>`, `user:<id>`, `attendee`, ...).
    #[param(max_length = 100)]
    pub actor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Routes of the audit log.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

/// Who changed what in the tenant, newest first: settings changed through the API or the
/// dashboard, and every booking change whoever made it.
#[utoipa::path(get, path = "/v1/audit-log", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Paged<AuditView>), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Paged<AuditView>>> {
    if q.actor.as_ref().is_some_and(|a| a.chars().count() > 100) {
        return Err(ApiError::field("actor", "must be at most 100 characters"));
    }
    let page: Page = ListQuery { limit: q.limit, cursor: q.cursor }.page()?;
    let rows = state
        .store
        .audit_log(auth.tenant, q.actor.as_deref(), page)
        .await
        .map_err(|e| ApiError::store("audit log", e))?;
    let next = Paged::<()>::next_id_cursor(&rows, page.limit, |r| r.id);
    Ok(Json(Paged { data: rows.into_iter().map(view).collect(), next_cursor: next }))
}
