//! `/v1/tenants` and their API keys: operator only.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sked_core::ids::{ApiKeyId, TenantId};
use sked_store::{ApiKey, DynStore, StoreError, Tenant};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{OperatorAuth, TenantAuth, generate_key, hash_key};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::pagination::{ListQuery, Paged};
use crate::state::AppState;
use crate::time::rfc3339;

/// Creates a tenant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTenant {
    /// 1 to 200 characters, not all white space (kept trimmed).
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
}

/// A tenant; `api_key` only in the answer that created it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantView {
    #[schema(value_type = String, format = Uuid)]
    pub id: TenantId,
    pub name: String,
    /// In public URLs: lower-case letters, digits and dashes, unique; made from the name at
    /// creation, changeable with `PATCH /v1/tenant`.
    pub slug: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// Changes the caller's tenant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTenant {
    /// 1 to 63 lower-case letters, digits and dashes, not starting or ending with a dash; unique.
    #[schema(pattern = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    pub slug: String,
}

fn view(t: Tenant, api_key: Option<String>) -> TenantView {
    TenantView { id: t.id, name: t.name, slug: t.slug, api_key, created_at: rfc3339(t.created_at) }
}

/// Creates an API key.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    /// A label (default `api`): 1 to 200 characters, not all white space (kept trimmed).
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: Option<String>,
}

/// An API key; `key` only in the answer that created it.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    #[schema(value_type = String, format = Uuid)]
    pub id: ApiKeyId,
    #[schema(value_type = String, format = Uuid)]
    pub tenant_id: TenantId,
    pub name: String,
    /// The first characters of the key.
    pub prefix: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
}

fn key_view(k: ApiKey, secret: Option<String>) -> KeyView {
    KeyView {
        id: k.id,
        tenant_id: k.tenant_id,
        name: k.name,
        prefix: k.prefix,
        key: secret,
        created_at: rfc3339(k.created_at),
        revoked_at: k.revoked_at.map(rfc3339),
    }
}

/// Creates a tenant and its first key (used by the API and the CLI). Its slug is made from the
/// name: the first of `name`, `name-2`, `name-3`, ... no other tenant has.
pub async fn create_tenant(store: &DynStore, name: &str, now: i64) -> anyhow::Result<(Tenant, String)> {
    let base = sked_core::slug::from_name(name);
    let id = TenantId::new();
    let mut n = 1;
    let tenant = loop {
        let tenant = Tenant {
            id,
            name: name.trim().to_owned(),
            slug: sked_core::slug::candidate(&base, n),
            created_at: now,
        };
        match store.insert_tenant(&tenant).await {
            Ok(()) => break tenant,
            Err(StoreError::Duplicate("slug")) if n < 1_000 => n += 1,
            Err(e) => return Err(e.into()),
        }
    };
    let (_, secret) = create_key(store, tenant.id, "default", now).await?;
    Ok((tenant, secret))
}

/// Creates an API key; the secret is returned once and never stored.
pub async fn create_key(
    store: &DynStore,
    tenant: TenantId,
    name: &str,
    now: i64,
) -> anyhow::Result<(ApiKey, String)> {
    let secret = generate_key("sk_");
    let key = ApiKey {
        id: ApiKeyId::new(),
        tenant_id: tenant,
        name: name.to_owned(),
        prefix: secret.chars().take(8).collect(),
        created_at: now,
        revoked_at: None,
    };
    store.insert_api_key(&key, &hash_key(&secret)).await?;
    Ok((key, secret))
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(create_api_key, list_keys))
        .routes(routes!(revoke_key))
        .routes(routes!(get_own, update_own))
}

/// The caller's tenant.
#[utoipa::path(get, path = "/v1/tenant", tag = "tenants",
    responses((status = 200, body = TenantView)))]
async fn get_own(State(state): State<AppState>, auth: TenantAuth) -> ApiResult<Json<TenantView>> {
    let t = state.store.tenant(auth.tenant).await.map_err(|e| ApiError::store("tenant", e))?;
    Ok(Json(view(t, None)))
}

/// Change the caller's tenant: its slug (public URLs change with it).
#[utoipa::path(patch, path = "/v1/tenant", tag = "tenants", request_body = UpdateTenant,
    responses((status = 200, body = TenantView), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update_own(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiJson(b): ApiJson<UpdateTenant>,
) -> ApiResult<Json<TenantView>> {
    sked_core::slug::check("slug", &b.slug)?;
    state.store.set_tenant_slug(auth.tenant, &b.slug).await.map_err(|e| ApiError::store("tenant", e))?;
    let t = state.store.tenant(auth.tenant).await.map_err(|e| ApiError::store("tenant", e))?;
    Ok(Json(view(t, None)))
}

/// Create a tenant (operator key). The answer carries the tenant's API key, shown only once.
#[utoipa::path(post, path = "/v1/tenants", tag = "tenants", security(("operator" = [])), request_body = CreateTenant,
    responses((status = 201, body = TenantView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(state): State<AppState>,
    _: OperatorAuth,
    ApiJson(b): ApiJson<CreateTenant>,
) -> ApiResult<(StatusCode, Json<TenantView>)> {
    let name = sked_core::text::line("name", &b.name, 200)?;
    let (t, key) = create_tenant(&state.store, &name, state.clock.now_second()).await?;
    Ok((StatusCode::CREATED, Json(view(t, Some(key)))))
}

/// List tenants (operator key).
#[utoipa::path(get, path = "/v1/tenants", tag = "tenants", security(("operator" = [])), params(ListQuery),
    responses((status = 200, body = Paged<TenantView>), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(state): State<AppState>,
    _: OperatorAuth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paged<TenantView>>> {
    let page = q.page()?;
    let rows = state.store.list_tenants(page).await.map_err(|e| ApiError::store("tenant", e))?;
    let next = Paged::<()>::next_id_cursor(&rows, page.limit, |t| t.id.0);
    let data = rows.into_iter().map(|t| view(t, None)).collect();
    Ok(Json(Paged { data, next_cursor: next }))
}

/// Create another API key for a tenant (operator key). The key is shown only once.
#[utoipa::path(post, path = "/v1/tenants/{id}/api-keys", tag = "tenants", security(("operator" = [])), params(("id" = uuid::Uuid, Path)),
    request_body = CreateKey,
    responses((status = 201, body = KeyView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn create_api_key(
    State(state): State<AppState>,
    _: OperatorAuth,
    ApiPath(id): ApiPath<TenantId>,
    ApiJson(b): ApiJson<CreateKey>,
) -> ApiResult<(StatusCode, Json<KeyView>)> {
    state.store.tenant(id).await.map_err(|e| ApiError::store("tenant", e))?;
    Ok((StatusCode::CREATED, Json(new_key(&state, id, b).await?)))
}

/// Checks a key's name and makes the key: the one path of the API and the dashboard.
pub(crate) async fn new_key(state: &AppState, tenant: TenantId, b: CreateKey) -> ApiResult<KeyView> {
    let name = b.name.unwrap_or_else(|| "api".into());
    if name.trim().is_empty() || name.chars().count() > 200 {
        return Err(ApiError::field("name", "must be 1 to 200 characters"));
    }
    let (key, secret) = create_key(&state.store, tenant, name.trim(), state.clock.now_second()).await?;
    Ok(key_view(key, Some(secret)))
}

/// A tenant's keys as the API shows them.
pub(crate) async fn tenant_keys(state: &AppState, tenant: TenantId) -> ApiResult<Vec<KeyView>> {
    let keys = state.store.list_api_keys(tenant).await.map_err(|e| ApiError::store("tenant", e))?;
    Ok(keys.into_iter().map(|k| key_view(k, None)).collect())
}

/// Revokes a key; it stops working at once on this server (the API and the dashboard).
pub(crate) async fn revoke(state: &AppState, id: ApiKeyId) -> ApiResult<KeyView> {
    let key = state
        .store
        .revoke_api_key(id, state.clock.now_second())
        .await
        .map_err(|e| ApiError::store("API key", e))?;
    state.keys.forget(id);
    Ok(key_view(key, None))
}

/// A tenant's API keys (operator key).
#[utoipa::path(get, path = "/v1/tenants/{id}/api-keys", tag = "tenants", security(("operator" = [])), params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = Paged<KeyView>), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn list_keys(
    State(state): State<AppState>,
    _: OperatorAuth,
    ApiPath(id): ApiPath<TenantId>,
) -> ApiResult<Json<Paged<KeyView>>> {
    state.store.tenant(id).await.map_err(|e| ApiError::store("tenant", e))?;
    Ok(Json(Paged { data: tenant_keys(&state, id).await?, next_cursor: None }))
}

/// Revoke an API key (operator key); it stops working at once on this server.
#[utoipa::path(post, path = "/v1/api-keys/{id}/revoke", tag = "tenants", security(("operator" = [])), params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = KeyView), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn revoke_key(
    State(state): State<AppState>,
    _: OperatorAuth,
    ApiPath(id): ApiPath<ApiKeyId>,
) -> ApiResult<Json<KeyView>> {
    Ok(Json(revoke(&state, id).await?))
}
