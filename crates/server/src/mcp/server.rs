//! The MCP server itself: `tools/list` and `tools/call` over the voice tools, for whichever
//! transport carries them (streamable HTTP in [`super::serve`], stdio in [`super::stdio`]).

use std::sync::Arc;

use rmcp::model::{
    CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    JsonObject, ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{Value, json};
use sked_voice::{CallInfo, ToolCall};
use sked_voice_tools::{self as tools, Ctx, speech::Voice};

use super::scope::{self, Refusal, Scope};
use crate::state::Services;

/// The MCP server over one store. Over HTTP each request brings its own [`Scope`] (put in the
/// request's extensions after its key was checked); over stdio it is fixed at start.
#[derive(Clone, Debug)]
pub struct SkedMcp {
    services: Arc<Services>,
    fixed: Option<Arc<Scope>>,
}

impl SkedMcp {
    /// A server whose requests carry their scope (HTTP).
    pub fn per_request(services: Arc<Services>) -> Self {
        Self { services, fixed: None }
    }

    /// A server acting for one scope (stdio).
    pub fn fixed(services: Arc<Services>, scope: Scope) -> Self {
        Self { services, fixed: Some(Arc::new(scope)) }
    }

    fn scope(&self, ctx: &RequestContext<RoleServer>) -> Result<Arc<Scope>, ErrorData> {
        if let Some(s) = &self.fixed {
            return Ok(s.clone());
        }
        ctx.extensions
            .get::<axum::http::request::Parts>()
            .and_then(|p| p.extensions.get::<Arc<Scope>>())
            .cloned()
            .ok_or_else(|| ErrorData::internal_error("the request was not authorized", None))
    }

    async fn tools(&self, scope: &Scope) -> Result<Vec<Tool>, ErrorData> {
        let agent = scope.agent.is_some();
        let several =
            !agent && scope::has_several(&self.services.store, scope.tenant).await.map_err(internal)?;
        let language = scope.agent.as_ref().map(|a| a.language).unwrap_or_default();
        Ok(scope::definitions(agent, several, language)
            .into_iter()
            .map(|(name, description, schema)| {
                let schema: JsonObject = match schema {
                    Value::Object(o) => o,
                    _ => JsonObject::default(),
                };
                Tool::new(name, description, schema)
            })
            .collect())
    }

    async fn call(&self, scope: &Scope, name: &str, args: JsonObject) -> Result<CallToolResult, ErrorData> {
        if !tools::NAMES.contains(&name) {
            return Err(ErrorData::invalid_params(format!("`{name}` is not a Sked tool"), None));
        }
        metrics::counter!("sked_voice_tool_calls_total", "platform" => "mcp", "tool" => tools::label(name))
            .increment(1);
        let (extra, args) = match scope::split_args(args, scope.agent.is_some()) {
            Ok(split) => split,
            Err(r) => return Ok(refused(r)),
        };
        let agent = match scope::agent_for(&self.services.store, scope, &extra).await.map_err(internal)? {
            Ok(a) => a,
            Err(r) => return Ok(refused(r)),
        };
        let tz = agent.time_zone.tz().clone();
        // The key stands in for the platform's call id: the voice tools derive their own
        // idempotency key from it, the tool and its arguments.
        let info = CallInfo {
            call_id: extra.idempotency_key.filter(|_| scope::CHANGING.contains(&name)),
            from_number: None,
            caller_zone: None,
        };
        let ctx = Ctx {
            app: &self.services.app,
            agent: &agent,
            platform: "mcp",
            info: &info,
            voice: Voice {
                tz,
                caller_tz: None,
                clock_24h: agent.clock == sked_core::local::HourClock::H24,
                max_options: usize::try_from(agent.max_options_spoken).unwrap_or(3).clamp(1, 6),
                now: self.services.clock.now_second(),
                language: agent.language,
            },
            actor: sked_app::Actor { tenant: scope.tenant, name: scope.actor.clone() },
        };
        let call = ToolCall { id: None, name: name.to_owned(), args };
        let Some(answer) = tools::run(&ctx, &call).await else {
            return Err(ErrorData::invalid_params(format!("`{name}` is not a Sked tool"), None));
        };
        let failed = answer.data.get("error").and_then(Value::as_str) == Some("internal");
        let data = match answer.data {
            Value::Object(_) => answer.data,
            other => json!({"data": other}),
        };
        let mut result = if failed {
            CallToolResult::error(vec![ContentBlock::text(answer.speech)])
        } else {
            CallToolResult::success(vec![ContentBlock::text(answer.speech)])
        };
        result.structured_content = Some(data);
        Ok(result)
    }
}

/// A call the adapter refuses before the tool runs: a tool error naming the argument.
fn refused(r: Refusal) -> CallToolResult {
    let mut result = CallToolResult::error(vec![ContentBlock::text(format!("`{}` {}", r.field, r.message))]);
    result.structured_content =
        Some(json!({"error": "invalid_argument", "field": r.field, "message": r.message}));
    result
}

fn internal(e: impl Into<anyhow::Error>) -> ErrorData {
    let e = e.into();
    tracing::error!(error = ?e, "mcp request failed");
    ErrorData::internal_error("internal error", None)
}

impl ServerHandler for SkedMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("sked", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Sked books appointments. Find times with check_availability or \
                 find_earliest_availability, then book one with book_appointment using a `start` it \
                 returned; find, move or cancel a booking by its confirmation code. Each answer's \
                 text is a sentence to say to the customer.",
            )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let scope = self.scope(&ctx)?;
        // Each account's list is its own: never shared between clients.
        Ok(ListToolsResult::with_all_items(self.tools(&scope).await?).with_cache_scope(CacheScope::Private))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let scope = self.scope(&ctx)?;
        let args = request.arguments.unwrap_or_default();
        Ok(self.call(&scope, &request.name, args).await?.into())
    }
}
