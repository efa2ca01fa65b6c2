//! The voice tools over the Model Context Protocol, for language-model agents.
//!
//! - `POST /mcp`: the streamable HTTP transport ([`rmcp`]'s, stateless: every POST stands
//!   alone, answered with JSON), behind a tenant API key as a bearer token. The key is checked
//!   before anything else; the body is then read (at most [`MAX_BODY`] bytes) and must be one
//!   JSON-RPC message, else a JSON-RPC error answers with 400.
//! - `?agent={voice_agent_id}`: the tools act as that voice agent of the key's tenant (its
//!   event types, zone and language); without it they take `event_type_id` and `time_zone`.
//! - [`stdio`]: the same server over stdin and stdout (`sked mcp`).
//!
//! The tools, their schemas and sentences are the voice tools' ([`sked_voice_tools`]); this
//! module adds the arguments MCP needs ([`scope`]) and maps answers to text plus
//! `structuredContent`.

pub mod scope;
pub mod server;
pub mod stdio;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rmcp::model::{ClientJsonRpcMessage, ErrorData, JsonRpcError, RequestId};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde::Deserialize;
use serde_json::Value;
use sked_core::ids::VoiceAgentId;
use tower::ServiceExt;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::TenantAuth;
use crate::error::{ApiError, Problem};
use crate::extract::ApiQuery;
use crate::state::AppState;
pub use scope::Scope;
pub use server::SkedMcp;

/// Largest MCP message taken: tool arguments are a few short strings.
pub const MAX_BODY: usize = 64 * 1024;

/// The route of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(serve))
}

/// `POST /mcp`'s query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct McpQuery {
    /// A voice agent of the key's tenant: its event types, zone and language are used.
    #[param(value_type = Option<String>, format = Uuid)]
    pub agent: Option<VoiceAgentId>,
}

/// The MCP server (streamable HTTP): the voice tools for language-model agents.
#[utoipa::path(post, path = "/mcp", tag = "voice", params(McpQuery),
    request_body(content = Object, description = "One JSON-RPC 2.0 message of the Model Context Protocol \
        (`initialize`, `tools/list`, `tools/call`, a notification, ...)",
        example = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})),
    responses((status = 200, description = "The JSON-RPC response", body = Object),
        (status = 202, description = "A notification or response was accepted"),
        (status = 400, description = "Not a JSON-RPC message of the protocol: a JSON-RPC error", body = Object),
        (status = 404, description = "`agent` is not a voice agent of this tenant", body = Problem, content_type = "application/problem+json")))]
async fn serve(
    State(state): State<AppState>,
    auth: TenantAuth,
    ApiQuery(q): ApiQuery<McpQuery>,
    req: Request,
) -> Result<Response, ApiError> {
    let agent = match q.agent {
        Some(id) => Some(
            state.store.voice_agent(auth.tenant, id).await.map_err(|e| ApiError::store("voice agent", e))?,
        ),
        None => None,
    };
    let scope = Scope { tenant: auth.tenant, actor: auth.caller.actor(), agent };
    let (mut parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return Err(ApiError::Client {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                code: "payload_too_large",
                detail: format!("an MCP message is at most {MAX_BODY} bytes"),
            });
        }
    };
    if let Some(ct) = parts.headers.get(header::CONTENT_TYPE)
        && !ct.to_str().is_ok_and(|ct| {
            ct.split(';').next().is_some_and(|e| e.trim().eq_ignore_ascii_case("application/json"))
        })
    {
        return Err(ApiError::Client {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code: "unsupported_media_type",
            detail: "send the MCP message as JSON with Content-Type: application/json".into(),
        });
    }
    if let Some(refused) = refusal(&bytes) {
        return Ok(refused);
    }
    // Lenient with plain HTTP clients: JSON is what every answer here is.
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.insert(header::ACCEPT, HeaderValue::from_static("application/json, text/event-stream"));
    parts.extensions.insert(Arc::new(scope));
    let service = http_service(&state);
    let res = match service.oneshot(Request::from_parts(parts, Body::from(bytes))).await {
        Ok(res) => res.map(Body::new),
        Err(never) => match never {},
    };
    Ok(plain(res).await)
}

/// The rmcp service over this server's state: stateless, JSON answers, any `Host` (the key,
/// not the address, is what authorizes, so DNS rebinding gains nothing).
fn http_service(state: &AppState) -> StreamableHttpService<SkedMcp, NeverSessionManager> {
    let services = state.services.clone();
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_sse_retry(None)
        .disable_allowed_hosts()
        .with_max_request_body_bytes(MAX_BODY);
    StreamableHttpService::new(
        move || Ok(SkedMcp::per_request(services.clone())),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}

/// The refusal of what is not one JSON-RPC message of the protocol: a JSON-RPC error (parse
/// error or invalid request) with 400.
fn refusal(bytes: &[u8]) -> Option<Response> {
    let value: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return Some(jsonrpc_error(None, ErrorData::parse_error(format!("not JSON: {e}"), None))),
    };
    let id = value.get("id").cloned().and_then(|id| serde_json::from_value::<RequestId>(id).ok());
    match serde_json::from_value::<ClientJsonRpcMessage>(value) {
        Ok(_) => None,
        Err(e) => Some(jsonrpc_error(
            id,
            ErrorData::invalid_request(format!("not an MCP JSON-RPC message: {e}"), None),
        )),
    }
}

fn jsonrpc_error(id: Option<RequestId>, error: ErrorData) -> Response {
    let body = serde_json::to_vec(&JsonRpcError::new(id, error)).unwrap_or_default();
    (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The transport's answer, with its plain-text refusals made JSON-RPC errors like ours.
async fn plain(res: Response) -> Response {
    let (parts, body) = res.into_parts();
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if parts.status.is_success() || is_json {
        return Response::from_parts(parts, body);
    }
    let text = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(_) => String::new(),
    };
    if parts.status.is_server_error() {
        tracing::error!(status = %parts.status, %text, "the MCP transport failed");
        return ApiError::Internal(anyhow::anyhow!("mcp transport: {text}")).into_response();
    }
    jsonrpc_error(None, ErrorData::invalid_request(text, None))
}
