//! `/v1/users`: the dashboard's users, managed with the tenant's API key.
//!
//! API keys carry no user of their own (a key is the tenant's), so whoever holds a tenant key
//! manages that tenant's users, as the tenant's owner would in the dashboard.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sked_core::ids::{HostId, TenantId, UserId};
use sked_store::User;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{NewUser, Role, check_host, create_user};
use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath};
use crate::pagination::Paged;
use crate::state::AppState;
use crate::time::rfc3339;

/// Creates a user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// Unique in the tenant, whatever its case.
    #[schema(format = Email)]
    pub email: String,
    pub role: Role,
    /// The host a `host` user acts for (required for that role).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub host_id: Option<HostId>,
}

/// Changes a user's role or host.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub role: Option<Role>,
    /// `null` removes the host.
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub host_id: Option<Option<HostId>>,
}

/// A dashboard user; `password` only in the answer that created it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    #[schema(value_type = String, format = Uuid)]
    pub id: UserId,
    #[schema(value_type = String, format = Uuid)]
    pub tenant_id: TenantId,
    pub email: String,
    pub role: Role,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub host_id: Option<HostId>,
    /// The one-time password to sign in with first (shown once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// The outside view of a user.
pub fn view(u: User, password: Option<String>) -> UserView {
    UserView {
        id: u.id,
        tenant_id: u.tenant_id,
        email: u.email,
        role: Role::of(&u.role),
        host_id: u.host_id,
        password,
        created_at: rfc3339(u.created_at),
        updated_at: rfc3339(u.updated_at),
    }
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create, list)).routes(routes!(update, delete))
}

/// Create a dashboard user; the answer carries their one-time password.
#[utoipa::path(post, path = "/v1/users", tag = "users", request_body = CreateUser,
    responses((status = 201, body = UserView), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiJson(b): ApiJson<CreateUser>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let new = NewUser { email: b.email, role: b.role, host_id: b.host_id };
    let (u, password) = create_user(&state.store, auth.tenant, &new, state.clock.now_second()).await?;
    Ok((StatusCode::CREATED, Json(view(u, Some(password)))))
}

/// List the tenant's dashboard users.
#[utoipa::path(get, path = "/v1/users", tag = "users", responses((status = 200, body = Paged<UserView>)))]
async fn list(State(state): State<AppState>, auth: TenantAuth) -> ApiResult<Json<Paged<UserView>>> {
    let rows = state.store.list_users(auth.tenant).await.map_err(|e| ApiError::store("user", e))?;
    Ok(Json(Paged { data: rows.into_iter().map(|u| view(u, None)).collect(), next_cursor: None }))
}

/// Change a user's role or host.
#[utoipa::path(patch, path = "/v1/users/{id}", tag = "users", params(("id" = uuid::Uuid, Path)), request_body = UpdateUser,
    responses((status = 200, body = UserView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(b): ApiJson<UpdateUser>,
) -> ApiResult<Json<UserView>> {
    let old = state.store.user(auth.tenant, id).await.map_err(|e| ApiError::store("user", e))?;
    let role = b.role.unwrap_or(Role::of(&old.role));
    let host_id = b.host_id.unwrap_or(old.host_id);
    check_host(&state.store, auth.tenant, role, host_id).await?;
    let u = User { role: role.as_str().into(), host_id, updated_at: state.clock.now_second(), ..old };
    state.store.update_user(&u).await.map_err(|e| ApiError::store("user", e))?;
    Ok(Json(view(u, None)))
}

/// Delete a user (their sessions end).
#[utoipa::path(delete, path = "/v1/users/{id}", tag = "users", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn delete(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<StatusCode> {
    state.store.delete_user(auth.tenant, id).await.map_err(|e| ApiError::store("user", e))?;
    Ok(StatusCode::NO_CONTENT)
}
