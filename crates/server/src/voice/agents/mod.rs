//! `/v1/voice-agents`: which voice agent answers for which event types, in which zone, and how
//! its platform proves itself.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sked_core::FieldError;
use sked_core::Zone;
use sked_core::ids::{EventTypeId, TenantId, VoiceAgentId};
use sked_core::local::HourClock;
use sked_store::{Ids, StoreError, VoiceAgent};
use sked_voice::Platform;
use sked_when::Language;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TenantAuth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::pagination::{ListQuery, Paged};
use crate::state::AppState;
use crate::time::rfc3339;

mod formats;
mod shapes;

pub use formats::{ToolFormat, ToolsQuery};

pub use shapes::*;

/// The URL a platform calls for an agent.
pub fn agent_url(state: &AppState, a: &VoiceAgent) -> String {
    format!("{}/v1/voice/{}/{}", state.base_url, a.platform, a.id)
}

/// An agent as the API shows it.
pub(crate) fn view(state: &AppState, a: VoiceAgent) -> VoiceAgentView {
    VoiceAgentView {
        url: agent_url(state, &a),
        id: a.id,
        platform: a.platform.as_str().to_owned(),
        platform_agent_id: a.platform_agent_id,
        event_type_ids: a.event_type_ids.0,
        default_event_type_id: a.default_event_type_id,
        time_zone: a.time_zone.as_str().to_owned(),
        has_secret: !a.secret.is_empty(),
        auth_header: a.auth_header,
        max_options_spoken: a.max_options_spoken,
        clock: a.clock.as_str().to_owned(),
        language: a.language.as_str().to_owned(),
        created_at: rfc3339(a.created_at),
        updated_at: rfc3339(a.updated_at),
    }
}

/// The fields of a voice agent to validate.
struct Draft {
    platform: String,
    platform_agent_id: Option<String>,
    event_type_ids: Vec<String>,
    default_event_type_id: Option<String>,
    time_zone: String,
    secret: Option<String>,
    auth_header: Option<String>,
    max_options_spoken: i64,
    clock: String,
    language: String,
}

/// What validation makes of a draft.
struct Checked {
    platform: Platform,
    event_type_ids: Vec<EventTypeId>,
    default_event_type_id: EventTypeId,
    time_zone: Zone,
    /// The new secret, sealed.
    sealed: Option<String>,
    clock: HourClock,
    language: Language,
}

async fn validate(state: &AppState, tenant: TenantId, d: &Draft) -> ApiResult<Checked> {
    let mut errors = Vec::new();
    let platform = d.platform.parse::<Platform>().ok();
    if platform.is_none() {
        errors.push(FieldError::new("platform", "must be retell or vapi"));
    }
    let time_zone = Zone::parse("time_zone", &d.time_zone).map_err(|e| errors.push(e)).ok();
    if let Some(Err(e)) =
        d.platform_agent_id.as_deref().map(|p| sked_core::text::line("platform_agent_id", p, 200))
    {
        errors.push(e);
    }
    if !(1..=6).contains(&d.max_options_spoken) {
        errors.push(FieldError::new("max_options_spoken", "must be between 1 and 6"));
    }
    let clock = HourClock::parse(&d.clock);
    if clock.is_none() {
        errors.push(FieldError::new("clock", "must be 12h or 24h"));
    }
    let language = d.language.parse::<Language>().ok();
    if language.is_none() {
        errors.push(FieldError::new("language", "must be en or es"));
    }
    if d.secret.as_ref().is_some_and(|s| s.chars().count() < 8 || s.chars().count() > 512) {
        errors.push(FieldError::new("secret", "must be 8 to 512 characters"));
    }
    if d.auth_header.as_ref().is_some_and(|h| {
        h.is_empty() || h.len() > 100 || !h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    }) {
        errors.push(FieldError::new("auth_header", "must be a header name of at most 100 characters"));
    }
    let mut ids = Vec::new();
    if d.event_type_ids.is_empty() || d.event_type_ids.len() > 50 {
        errors.push(FieldError::new("event_type_ids", "must name 1 to 50 event types"));
    }
    let listed = if d.event_type_ids.len() > 50 { &[][..] } else { &d.event_type_ids[..] };
    for (i, text) in listed.iter().enumerate() {
        match text.parse::<EventTypeId>() {
            Err(_) => errors.push(FieldError::new(format!("event_type_ids[{i}]"), "is not an id")),
            Ok(id) => match state.store.event_type(tenant, id).await {
                Ok(_) if !ids.contains(&id) => ids.push(id),
                Ok(_) => errors.push(FieldError::new(format!("event_type_ids[{i}]"), "is listed twice")),
                Err(StoreError::NotFound) => {
                    errors.push(FieldError::new(format!("event_type_ids[{i}]"), "no such event type"))
                }
                Err(e) => return Err(ApiError::Internal(e.into())),
            },
        }
    }
    let default = match d.default_event_type_id.as_deref().map(str::parse::<EventTypeId>) {
        None => ids.first().copied(),
        Some(Ok(id)) if ids.contains(&id) => Some(id),
        Some(_) => {
            errors.push(FieldError::new("default_event_type_id", "must be one of event_type_ids"));
            None
        }
    };
    let sealed = match &d.secret {
        Some(s) => Some(
            state
                .sealer
                .as_ref()
                .ok_or_else(|| ApiError::Client {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    code: "secret_key_missing",
                    detail: "set SKED_SECRET_KEY so secrets can be stored encrypted".into(),
                })?
                .seal(s)
                .map_err(|e| ApiError::Internal(e.into()))?,
        ),
        None => None,
    };
    match (platform, default, time_zone, clock, language) {
        (Some(platform), Some(default), Some(time_zone), Some(clock), Some(language))
            if errors.is_empty() =>
        {
            Ok(Checked {
                platform,
                event_type_ids: ids,
                default_event_type_id: default,
                time_zone,
                sealed,
                clock,
                language,
            })
        }
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Routes of this resource.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get, update, delete))
        .routes(routes!(tools))
}

/// Connect a voice agent.
#[utoipa::path(post, path = "/v1/voice-agents", tag = "voice", request_body = CreateVoiceAgent,
    responses((status = 201, body = VoiceAgentView), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiJson(b): ApiJson<CreateVoiceAgent>,
) -> ApiResult<(StatusCode, Json<VoiceAgentView>)> {
    Ok((StatusCode::CREATED, Json(create_agent(&state, auth.tenant, b).await?)))
}

/// Validates and stores a new agent: the one path of the API and the dashboard.
pub(crate) async fn create_agent(
    state: &AppState,
    tenant: TenantId,
    b: CreateVoiceAgent,
) -> ApiResult<VoiceAgentView> {
    let d = Draft {
        platform: b.platform,
        platform_agent_id: b.platform_agent_id,
        event_type_ids: b.event_type_ids,
        default_event_type_id: b.default_event_type_id,
        time_zone: b.time_zone,
        secret: Some(b.secret),
        auth_header: b.auth_header,
        max_options_spoken: b.max_options_spoken.unwrap_or(3),
        clock: b.clock.unwrap_or_else(|| "12h".into()),
        language: b.language.unwrap_or_else(|| "en".into()),
    };
    let c = validate(state, tenant, &d).await?;
    let now = state.clock.now_second();
    let a = VoiceAgent {
        id: VoiceAgentId::new(),
        tenant_id: tenant,
        platform: c.platform,
        platform_agent_id: d.platform_agent_id,
        event_type_ids: Ids(c.event_type_ids),
        default_event_type_id: c.default_event_type_id,
        time_zone: c.time_zone,
        secret: c.sealed.unwrap_or_default(),
        auth_header: d.auth_header,
        max_options_spoken: d.max_options_spoken,
        clock: c.clock,
        language: c.language,
        created_at: now,
        updated_at: now,
    };
    state.store.insert_voice_agent(&a).await.map_err(|e| ApiError::store("voice agent", e))?;
    Ok(view(state, a))
}

/// List voice agents.
#[utoipa::path(get, path = "/v1/voice-agents", tag = "voice", params(ListQuery),
    responses((status = 200, body = Paged<VoiceAgentView>)))]
async fn list(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paged<VoiceAgentView>>> {
    let page = q.page()?;
    let rows = state
        .store
        .list_voice_agents(auth.tenant, page)
        .await
        .map_err(|e| ApiError::store("voice agent", e))?;
    let next = Paged::<()>::next_id_cursor(&rows, page.limit, |a| a.id.0);
    Ok(Json(Paged { data: rows.into_iter().map(|a| view(&state, a)).collect(), next_cursor: next }))
}

/// Get a voice agent.
#[utoipa::path(get, path = "/v1/voice-agents/{id}", tag = "voice", params(("id" = uuid::Uuid, Path)),
    responses((status = 200, body = VoiceAgentView), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<VoiceAgentId>,
) -> ApiResult<Json<VoiceAgentView>> {
    let a = state.store.voice_agent(auth.tenant, id).await.map_err(|e| ApiError::store("voice agent", e))?;
    Ok(Json(view(&state, a)))
}

/// Change a voice agent (send `secret` to replace it).
#[utoipa::path(patch, path = "/v1/voice-agents/{id}", tag = "voice", params(("id" = uuid::Uuid, Path)), request_body = UpdateVoiceAgent,
    responses((status = 200, body = VoiceAgentView), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<VoiceAgentId>,
    ApiJson(b): ApiJson<UpdateVoiceAgent>,
) -> ApiResult<Json<VoiceAgentView>> {
    Ok(Json(update_agent(&state, auth.tenant, id, b).await?))
}

/// Validates and stores a change to an agent: the one path of the API and the dashboard.
pub(crate) async fn update_agent(
    state: &AppState,
    tenant: TenantId,
    id: VoiceAgentId,
    b: UpdateVoiceAgent,
) -> ApiResult<VoiceAgentView> {
    let old = state.store.voice_agent(tenant, id).await.map_err(|e| ApiError::store("voice agent", e))?;
    let d = Draft {
        platform: old.platform.as_str().to_owned(),
        platform_agent_id: b.platform_agent_id.unwrap_or(old.platform_agent_id.clone()),
        event_type_ids: b
            .event_type_ids
            .unwrap_or_else(|| old.event_type_ids.iter().map(ToString::to_string).collect()),
        default_event_type_id: Some(
            b.default_event_type_id.unwrap_or_else(|| old.default_event_type_id.to_string()),
        ),
        time_zone: b.time_zone.unwrap_or_else(|| old.time_zone.as_str().to_owned()),
        secret: b.secret,
        auth_header: b.auth_header.unwrap_or(old.auth_header.clone()),
        max_options_spoken: b.max_options_spoken.unwrap_or(old.max_options_spoken),
        clock: b.clock.unwrap_or_else(|| old.clock.as_str().to_owned()),
        language: b.language.unwrap_or_else(|| old.language.as_str().to_owned()),
    };
    let c = validate(state, tenant, &d).await?;
    let a = VoiceAgent {
        platform_agent_id: d.platform_agent_id,
        event_type_ids: Ids(c.event_type_ids),
        default_event_type_id: c.default_event_type_id,
        time_zone: c.time_zone,
        secret: c.sealed.unwrap_or(old.secret.clone()),
        auth_header: d.auth_header,
        max_options_spoken: d.max_options_spoken,
        clock: c.clock,
        language: c.language,
        updated_at: state.clock.now_second(),
        ..old
    };
    state.store.update_voice_agent(&a).await.map_err(|e| ApiError::store("voice agent", e))?;
    Ok(view(state, a))
}

/// Disconnect a voice agent.
#[utoipa::path(delete, path = "/v1/voice-agents/{id}", tag = "voice", params(("id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn delete(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<VoiceAgentId>,
) -> ApiResult<StatusCode> {
    state.store.delete_voice_agent(auth.tenant, id).await.map_err(|e| ApiError::store("voice agent", e))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The agent's tool definitions, ready to paste into Retell (custom functions), Vapi (function
/// tools), OpenAI (Chat Completions tools) or Anthropic (tools).
#[utoipa::path(get, path = "/v1/voice-agents/{id}/tools", tag = "voice", params(("id" = uuid::Uuid, Path), ToolsQuery),
    responses((status = 200, body = ToolsView), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`format` is not one of the shapes", body = Problem, content_type = "application/problem+json")))]
async fn tools(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiPath(id): ApiPath<VoiceAgentId>,
    ApiQuery(q): ApiQuery<ToolsQuery>,
) -> ApiResult<Json<ToolsView>> {
    let a = state.store.voice_agent(auth.tenant, id).await.map_err(|e| ApiError::store("voice agent", e))?;
    let tools = formats::render(&a, &agent_url(&state, &a), q.format.as_deref())?;
    Ok(Json(ToolsView { platform: a.platform.as_str().to_owned(), tools }))
}
