//! The shapes tool definitions are given in: Retell custom functions, Vapi function tools,
//! OpenAI Chat Completions tools and Anthropic tools.

use serde::Deserialize;
use serde_json::{Value, json};
use sked_store::VoiceAgent;
use utoipa::{IntoParams, ToSchema};

use sked_when::Language;

use crate::error::ApiError;
use crate::voice::tools::definitions_in;

/// `GET /v1/voice-agents/{id}/tools`'s query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ToolsQuery {
    /// The shape of the definitions (default: the agent's platform). `openai` and `anthropic`
    /// are the tools of `POST /mcp?agent={id}`, for a model calling them through MCP.
    #[param(value_type = Option<ToolFormat>, inline)]
    pub format: Option<String>,
}

/// A shape of tool definitions.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
pub enum ToolFormat {
    Retell,
    Vapi,
    Openai,
    Anthropic,
}

/// The agent's tools in `format` (default: its platform's), in its language; an unknown format
/// is refused.
pub fn render(a: &VoiceAgent, url: &str, format: Option<&str>) -> Result<Vec<Value>, ApiError> {
    let language = a.language;
    match format.unwrap_or(a.platform.as_str()) {
        "retell" => Ok(definitions_in(language).into_iter().map(|(n, d, p)| retell(url, n, d, p)).collect()),
        "vapi" => Ok(definitions_in(language).into_iter().map(|(n, d, p)| vapi(url, n, d, p)).collect()),
        "openai" => Ok(mcp(language).map(|(name, description, parameters)| {
            json!({"type": "function", "function": {"name": name, "description": description, "parameters": parameters}})
        }).collect()),
        "anthropic" => Ok(mcp(language)
            .map(|(name, description, schema)| json!({"name": name, "description": description, "input_schema": schema}))
            .collect()),
        _ => Err(ApiError::field("format", "must be retell, vapi, openai or anthropic")),
    }
}

/// The tools as `POST /mcp?agent=` lists them.
fn mcp(language: Language) -> impl Iterator<Item = (&'static str, &'static str, Value)> {
    crate::mcp::scope::definitions(true, false, language).into_iter()
}

fn retell(url: &str, name: &str, description: &str, parameters: Value) -> Value {
    json!({
        "type": "custom",
        "name": name,
        "description": description,
        "url": format!("{url}/{name}"),
        "method": "POST",
        "speak_during_execution": true,
        "speak_after_execution": true,
        "execution_message_description": "Tell the caller you are checking the calendar.",
        "timeout_ms": 10_000,
        "parameters": parameters,
    })
}

fn vapi(url: &str, name: &str, description: &str, parameters: Value) -> Value {
    json!({
        "type": "function",
        "async": false,
        "function": {"name": name, "description": description, "parameters": parameters},
        "server": {"url": url, "timeoutSeconds": 20},
    })
}
