//! Voice agents on the phone: the agent configuration resource, the tool endpoints Retell and
//! Vapi call during a call, and their post-call events.
//!
//! - `POST /v1/voice/retell/{agent}` (and `/{agent}/{tool}` for Retell's args-only payloads):
//!   custom-function calls `{name, args, call}`, and call events `{event, call}`, signed with
//!   `X-Retell-Signature`.
//! - `POST /v1/voice/vapi/{agent}`: server messages; `tool-calls` are answered
//!   `{"results": [{"toolCallId", "name", "result"}]}`, `end-of-call-report` is stored.
//!
//! Requests are verified before anything else is done with them (only the agent is loaded and
//! its secret opened first): a bad or missing signature is a 401, counted against the client's
//! address ([`crate::guard`]), and spends nothing of the agent's own rate limit. A signature is
//! accepted once: the same signed request again, within its 5-minute window, is a 409
//! `replayed` (Retell signs each retry anew).

pub mod agents;
/// The tools a call can use, and the sentences they answer ([`sked_voice_tools`]).
pub use sked_voice_tools as tools;

/// Retell's and Vapi's request shapes and signatures ([`sked_voice`]).
pub use sked_voice as platform;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use sked_core::booking::BookingAction;
use sked_core::ids::VoiceAgentId;
use sked_core::local::HourClock;
use sked_store::{HistoryEntry, StoreError, VoiceAgent, VoiceCall};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiPath, JsonBytes, parse_json};
use crate::guard::{ClientAddr, Door};
use crate::state::AppState;
use platform::{CallInfo, Platform, RetellRequest, Signed, VapiRequest};
use tools::Ctx;
use tools::speech::Voice;

/// Routes of voice agents and their platforms.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(agents::router())
        .routes(routes!(retell))
        .routes(routes!(retell_tool))
        .routes(routes!(vapi))
}

#[derive(Debug, Deserialize)]
struct ToolPath {
    id: VoiceAgentId,
    tool: String,
}

/// The agent a platform request is for, with its platform checked and its secret opened. An
/// unknown agent counts as a failure at the door.
async fn agent(door: &Door<'_>, id: VoiceAgentId, platform: Platform) -> ApiResult<(VoiceAgent, String)> {
    let state = door.state();
    let a = match state.store.find_voice_agent(id).await {
        Ok(a) if a.platform == platform => a,
        Ok(_) | Err(StoreError::NotFound) => return Err(door.refuse(ApiError::not_found("voice agent"))),
        Err(e) => return Err(ApiError::Internal(e.into())),
    };
    let secret = state
        .sealer
        .as_ref()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("SKED_SECRET_KEY is not set")))?
        .open(&a.secret)
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok((a, secret))
}

fn context<'a>(
    state: &'a AppState,
    a: &'a VoiceAgent,
    platform: &'static str,
    info: &'a CallInfo,
) -> ApiResult<Ctx<'a>> {
    let tz = a.time_zone.tz().clone();
    let caller_tz =
        info.caller_zone.as_deref().and_then(|z| sked_core::local::parse_zone("time_zone", z).ok());
    Ok(Ctx {
        app: &state.app,
        agent: a,
        platform,
        info,
        voice: Voice {
            tz,
            caller_tz,
            clock_24h: a.clock == HourClock::H24,
            max_options: usize::try_from(a.max_options_spoken).unwrap_or(3).clamp(1, 6),
            now: state.clock.now_second(),
            language: a.language,
        },
        actor: sked_app::Actor { tenant: a.tenant_id, name: Caller::Voice { agent: a.id }.actor() },
    })
}

/// Retell: a custom-function call (`{name, args, call}`) or a call event (`{event, call}`).
#[utoipa::path(post, path = "/v1/voice/retell/{id}", tag = "voice", security(()), params(("id" = uuid::Uuid, Path),
    ("X-Retell-Signature" = String, Header, description = "v=<unix ms>,d=<hex HMAC-SHA256(API key, body ‖ ms)>")),
    request_body(content = Object, description = "A Retell custom-function call or call event"),
    responses((status = 200, description = "The tool's answer: {result, data}", body = Object),
        (status = 204, description = "A call event was stored"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "the signature is missing, wrong or stale", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such voice agent on this platform", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`replayed`: this signed request was received before", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "the agent's rate limit, or too many failures from this address", body = Problem, content_type = "application/problem+json")))]
async fn retell(
    State(state): State<AppState>,
    addr: ClientAddr,
    ApiPath(id): ApiPath<VoiceAgentId>,
    headers: HeaderMap,
    JsonBytes(body): JsonBytes,
) -> ApiResult<Response> {
    retell_call(&state, addr, id, None, &headers, &body).await
}

/// Retell, one function per URL (for tools sending their arguments alone).
#[utoipa::path(post, path = "/v1/voice/retell/{id}/{tool}", tag = "voice", security(()),
    params(("id" = uuid::Uuid, Path), ("tool" = String, Path), ("X-Retell-Signature" = String, Header)),
    request_body(content = Object, description = "The function's arguments, or {name, args, call}"),
    responses((status = 200, description = "The tool's answer: {result, data}", body = Object),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "the signature is missing, wrong or stale", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such voice agent on this platform", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`replayed`: this signed request was received before", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "the agent's rate limit, or too many failures from this address", body = Problem, content_type = "application/problem+json")))]
async fn retell_tool(
    State(state): State<AppState>,
    addr: ClientAddr,
    ApiPath(p): ApiPath<ToolPath>,
    headers: HeaderMap,
    JsonBytes(body): JsonBytes,
) -> ApiResult<Response> {
    retell_call(&state, addr, p.id, Some(&p.tool), &headers, &body).await
}

/// Verifies a signed request before anything else: the signature, then that it is new, then the
/// agent's rate limit (only genuine requests spend it).
async fn verified<F>(door: &Door<'_>, a: &VoiceAgent, verify: F) -> ApiResult<()>
where
    F: FnOnce(i64) -> Result<Option<Signed>, &'static str>,
{
    let state = door.state();
    let signed =
        verify(state.clock.now().as_millisecond()).map_err(|m| door.refuse(ApiError::unauthorized(m)))?;
    if let Some(s) = signed {
        door.once(&format!("{}:{}", a.platform, s.digest), s.until).await?;
    }
    state.limiter.check(a.id.0.as_u128())
}

async fn retell_call(
    state: &AppState,
    addr: ClientAddr,
    id: VoiceAgentId,
    tool: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiResult<Response> {
    let door = Door::enter(state, addr, "retell")?;
    let (a, secret) = agent(&door, id, Platform::Retell).await?;
    let sig = headers.get("x-retell-signature").and_then(|v| v.to_str().ok());
    verified(&door, &a, |now_ms| platform::verify_retell(&secret, sig, body, now_ms).map(Some)).await?;
    let json: Value = if body.is_empty() { json!({}) } else { parse_json(body)? };
    match platform::parse_retell(&json, tool).map_err(|m| bad_request("malformed_request", m))? {
        RetellRequest::Tool { call, info } => {
            let ctx = context(state, &a, "retell", &info)?;
            metrics::counter!("sked_voice_tool_calls_total", "platform" => "retell", "tool" => tools::label(&call.name)).increment(1);
            let answer = tools::run(&ctx, &call)
                .await
                .ok_or_else(|| bad_request("unknown_tool", format!("`{}` is not a Sked tool", call.name)))?;
            Ok(Json(json!({"result": answer.speech, "data": answer.data})).into_response())
        }
        RetellRequest::Event { event, info, call } => {
            let report = json!({
                "call_analysis": call.get("call_analysis"),
                "disconnection_reason": call.get("disconnection_reason"),
                "duration_ms": call.get("duration_ms"),
                "recording_url": call.get("recording_url"),
                "end_timestamp": call.get("end_timestamp"),
            });
            let action = match event.as_str() {
                "call_ended" => Some(BookingAction::CallEnded),
                "call_analyzed" => Some(BookingAction::CallAnalyzed),
                _ => None,
            };
            if let Some(action) = action {
                store_report(state, &a, &info, (&event, action), report).await?;
            }
            Ok(StatusCode::NO_CONTENT.into_response())
        }
    }
}

/// Vapi: server messages. Tool calls are answered; an end-of-call report is stored; other
/// messages are acknowledged.
#[utoipa::path(post, path = "/v1/voice/vapi/{id}", tag = "voice", security(()), params(("id" = uuid::Uuid, Path)),
    request_body(content = Object, description = "A Vapi server message ({\"message\": {...}})"),
    responses((status = 200, description = "{\"results\": [{toolCallId, name, result}]} for tool-calls", body = Object),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "the signature is missing, wrong or stale", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "no such voice agent on this platform", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`replayed`: this signed request was received before", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "the agent's rate limit, or too many failures from this address", body = Problem, content_type = "application/problem+json")))]
async fn vapi(
    State(state): State<AppState>,
    addr: ClientAddr,
    ApiPath(id): ApiPath<VoiceAgentId>,
    headers: HeaderMap,
    JsonBytes(body): JsonBytes,
) -> ApiResult<Response> {
    let door = Door::enter(&state, addr, "vapi")?;
    let (a, secret) = agent(&door, id, Platform::Vapi).await?;
    let header = a.auth_header.as_deref().unwrap_or("x-vapi-secret").to_ascii_lowercase();
    verified(&door, &a, |now_ms| platform::verify_vapi(&secret, &header, &headers, &body, now_ms)).await?;
    let json: Value = parse_json(&body)?;
    match platform::parse_vapi(&json).map_err(|m| bad_request("malformed_request", m))? {
        VapiRequest::ToolCalls { calls, info } => {
            let ctx = context(&state, &a, "vapi", &info)?;
            let mut results = Vec::with_capacity(calls.len());
            for call in &calls {
                metrics::counter!("sked_voice_tool_calls_total", "platform" => "vapi", "tool" => tools::label(&call.name)).increment(1);
                let id = call.id.clone().unwrap_or_default();
                results.push(match tools::run(&ctx, call).await {
                    // Vapi wants one line of text per result.
                    Some(answer) => json!({"toolCallId": id, "name": call.name, "result": answer.speech.replace('\n', " "), "metadata": answer.data}),
                    None => json!({"toolCallId": id, "name": call.name, "error": format!("{} is not a Sked tool", call.name)}),
                });
            }
            Ok(Json(json!({"results": results})).into_response())
        }
        VapiRequest::EndOfCall { info, report } => {
            let report = json!({
                "ended_reason": report.get("endedReason"),
                "analysis": report.get("analysis"),
                "recording_url": report["artifact"].get("recordingUrl"),
                "duration_seconds": report.get("durationSeconds"),
            });
            store_report(&state, &a, &info, ("end-of-call-report", BookingAction::EndOfCallReport), report)
                .await?;
            Ok(Json(json!({})).into_response())
        }
        VapiRequest::Other(_) => Ok(Json(json!({})).into_response()),
    }
}

fn bad_request(code: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::Client { status: StatusCode::BAD_REQUEST, code, detail: detail.into() }
}

/// Stores a post-call report on the call and in the history of every booking made in it (they
/// carry the call id in `external_ref`).
async fn store_report(
    state: &AppState,
    a: &VoiceAgent,
    info: &CallInfo,
    (event, action): (&str, BookingAction),
    report: Value,
) -> ApiResult<()> {
    let Some(call_id) = &info.call_id else { return Ok(()) };
    let now = state.clock.now_second();
    let call = VoiceCall {
        voice_agent_id: a.id,
        call_id: call_id.clone(),
        tenant_id: a.tenant_id,
        from_number: info.from_number.clone(),
        last_event: Some(event.to_owned()),
        report: Some(report.to_string()),
        created_at: now,
        updated_at: now,
    };
    state.store.note_voice_call(&call).await.map_err(|e| ApiError::Internal(e.into()))?;
    let filter =
        sked_store::BookingFilter { external_ref: Some(call_id.clone()), limit: 50, ..Default::default() };
    let made =
        state.store.list_bookings(a.tenant_id, &filter).await.map_err(|e| ApiError::Internal(e.into()))?;
    for b in made.iter().filter(|b| b.source == sked_core::booking::BookingSource::Voice) {
        let entry = HistoryEntry {
            id: uuid::Uuid::now_v7(),
            booking_id: b.id,
            tenant_id: a.tenant_id,
            at: now,
            actor: format!("voice:{}", a.platform),
            action,
            before: None,
            after: Some(json!({"call_id": call_id, "report": report}).to_string()),
            reason: None,
        };
        state.store.add_history(&entry).await.map_err(|e| ApiError::Internal(e.into()))?;
    }
    Ok(())
}
