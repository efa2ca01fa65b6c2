//! `/v1/integrations/calcom`: a tenant's Cal.com integration. The webhook secret is sealed at
//! rest and never shown (answers say whether one is set); the event-type map says which Sked
//! event type each Cal.com event type is.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use sked_core::FieldError;
use sked_core::ids::{EventTypeId, TenantId};
use sked_store::{CalcomIntegration, StoreError};
use utoipa::ToSchema;
use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, SchemaFormat, Type};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiJson;
use crate::state::{AppState, Services};
use crate::time::rfc3339;

/// Shortest webhook secret taken: a short one could be guessed from one signed delivery.
pub const SECRET_MIN: usize = 16;
/// Longest webhook secret taken.
pub const SECRET_MAX: usize = 256;
/// What Cal.com signs with when a webhook has no secret: never a secret.
pub const NO_SECRET: &str = "no-secret-provided";
/// Most Cal.com event types one integration maps.
pub const MAX_EVENT_TYPES: usize = 200;
/// A Cal.com event type id as the map's keys hold it.
const CALCOM_ID: &str = "^[1-9][0-9]{0,18}$";

/// A tenant's Cal.com integration.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CalcomView {
    /// Whether a webhook secret is set (it is never shown). Without one every delivery is
    /// refused.
    pub webhook_secret_set: bool,
    /// Cal.com event type id -> Sked event type id.
    #[schema(schema_with = event_type_map)]
    pub event_types: BTreeMap<String, EventTypeId>,
    /// The URL to give Cal.com as the webhook's subscriber URL.
    pub webhook_url: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Sets a tenant's Cal.com integration.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutCalcom {
    /// The secret of the Cal.com webhook, 16 to 256 characters (`no-secret-provided` is what
    /// Cal.com sends without one, never a secret). Absent or `null` keeps the one set.
    #[schema(min_length = 16, max_length = 256)]
    pub webhook_secret: Option<String>,
    /// Cal.com event type id -> Sked event type id (of this tenant), at most 200. Bookings of
    /// event types not in it are not mirrored.
    #[schema(schema_with = event_type_map)]
    pub event_types: BTreeMap<String, String>,
}

/// `{"<Cal.com event type id>": "<Sked event type id>"}`.
pub fn event_type_map() -> Object {
    let id = ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)));
    let key = ObjectBuilder::new().schema_type(Type::String).pattern(Some(CALCOM_ID));
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(id))
        .property_names(Some(key))
        .max_properties(Some(MAX_EVENT_TYPES))
        .description(Some("Cal.com event type id -> Sked event type id."))
        .build()
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get, put, delete))
}

/// The event-type map as stored (what validation let through).
pub fn stored_map(stored: &str) -> BTreeMap<String, EventTypeId> {
    serde_json::from_str(stored).unwrap_or_default()
}

/// The URL Cal.com posts a tenant's deliveries to.
pub async fn webhook_url(s: &Services, tenant: TenantId) -> ApiResult<String> {
    let t = s.store.tenant(tenant).await.map_err(|e| ApiError::store("tenant", e))?;
    Ok(format!("{}/webhooks/calcom/{}", s.base_url.trim_end_matches('/'), t.slug))
}

async fn view(s: &Services, c: CalcomIntegration) -> ApiResult<CalcomView> {
    Ok(CalcomView {
        webhook_secret_set: c.webhook_secret.is_some(),
        event_types: stored_map(&c.event_types),
        webhook_url: webhook_url(s, c.tenant_id).await?,
        created_at: rfc3339(c.created_at),
        updated_at: rfc3339(c.updated_at),
    })
}

/// The tenant's Cal.com integration (its secret only as whether one is set).
#[utoipa::path(get, path = "/v1/integrations/calcom", tag = "calcom",
    responses((status = 200, body = CalcomView),
        (status = 404, description = "not_found: no Cal.com integration is set", body = Problem, content_type = "application/problem+json")))]
async fn get(State(state): State<AppState>, auth: TenantAuth) -> ApiResult<Json<CalcomView>> {
    let c = state
        .store
        .calcom_integration(auth.tenant)
        .await
        .map_err(|e| ApiError::store("Cal.com integration", e))?;
    Ok(Json(view(&state, c).await?))
}

/// Sets the tenant's Cal.com integration: the webhook secret (absent keeps the one set) and the
/// whole event-type map.
#[utoipa::path(put, path = "/v1/integrations/calcom", tag = "calcom", request_body = PutCalcom,
    responses((status = 200, body = CalcomView), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn put(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiJson(b): ApiJson<PutCalcom>,
) -> ApiResult<Json<CalcomView>> {
    let mut errors = Vec::new();
    if let Some(secret) = &b.webhook_secret
        && let Err(e) = check_secret(secret)
    {
        errors.push(e);
    }
    let map = check_map(&state, auth.tenant, &b.event_types, &mut errors).await?;
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = state.clock.now_second();
    let old = match state.store.calcom_integration(auth.tenant).await {
        Ok(c) => Some(c),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(ApiError::Internal(e.into())),
    };
    let webhook_secret = match b.webhook_secret {
        Some(secret) => {
            let sealer =
                state.sealer.as_ref().ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no secret key")))?;
            Some(sealer.seal(&secret).map_err(|e| ApiError::Internal(e.into()))?)
        }
        None => old.as_ref().and_then(|c| c.webhook_secret.clone()),
    };
    let c = CalcomIntegration {
        tenant_id: auth.tenant,
        webhook_secret,
        event_types: serde_json::to_string(&map).map_err(anyhow::Error::from)?,
        created_at: old.map_or(now, |c| c.created_at),
        updated_at: now,
    };
    state.store.put_calcom_integration(&c).await.map_err(|e| ApiError::store("Cal.com integration", e))?;
    Ok(Json(view(&state, c).await?))
}

/// Removes the tenant's Cal.com integration: deliveries are refused from then on. Bookings
/// mirrored so far stay, and so does what the mirror knows of them.
#[utoipa::path(delete, path = "/v1/integrations/calcom", tag = "calcom",
    responses((status = 204),
        (status = 404, description = "not_found: no Cal.com integration is set", body = Problem, content_type = "application/problem+json")))]
async fn delete(State(state): State<AppState>, auth: TenantAuth) -> ApiResult<StatusCode> {
    state
        .store
        .delete_calcom_integration(auth.tenant)
        .await
        .map_err(|e| ApiError::store("Cal.com integration", e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// A webhook secret's rules.
fn check_secret(secret: &str) -> Result<(), FieldError> {
    let n = secret.chars().count();
    if secret == NO_SECRET {
        Err(FieldError::new(
            "webhook_secret",
            format!("`{NO_SECRET}` is what Cal.com sends without a secret"),
        ))
    } else if !(SECRET_MIN..=SECRET_MAX).contains(&n) {
        Err(FieldError::new("webhook_secret", format!("must be {SECRET_MIN} to {SECRET_MAX} characters")))
    } else {
        Ok(())
    }
}

/// The event-type map checked: Cal.com ids as keys, event types of the tenant as values; every
/// invalid entry is reported (`event_types.<id>`).
async fn check_map(
    s: &Services,
    tenant: TenantId,
    given: &BTreeMap<String, String>,
    errors: &mut Vec<FieldError>,
) -> ApiResult<BTreeMap<String, EventTypeId>> {
    let mut map = BTreeMap::new();
    if given.len() > MAX_EVENT_TYPES {
        errors
            .push(FieldError::new("event_types", format!("must map at most {MAX_EVENT_TYPES} event types")));
        return Ok(map);
    }
    for (key, value) in given {
        let field = format!("event_types.{key}");
        let digits =
            (1..=19).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_digit()) && !key.starts_with('0');
        if !digits {
            errors.push(FieldError::new(field, "the key must be a Cal.com event type id (digits)"));
            continue;
        }
        let Ok(id) = value.parse::<EventTypeId>() else {
            errors.push(FieldError::new(field, "is not an id"));
            continue;
        };
        match s.store.event_type(tenant, id).await {
            Ok(_) => {
                map.insert(key.clone(), id);
            }
            Err(StoreError::NotFound) => errors.push(FieldError::new(field, "no such event type")),
            Err(e) => return Err(ApiError::Internal(e.into())),
        }
    }
    Ok(map)
}
