//! The shapes of `/v1/voice-agents`: what requests send and answers show, with the rules the
//! document states.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sked_core::ids::{EventTypeId, VoiceAgentId};
use utoipa::ToSchema;

use crate::openapi::{TimeZoneName, event_type_ids};

/// A voice agent.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct VoiceAgentView {
    #[schema(value_type = String, format = Uuid)]
    pub id: VoiceAgentId,
    /// `retell` or `vapi`.
    #[schema(value_type = Platform)]
    pub platform: String,
    /// The agent's id on the platform.
    pub platform_agent_id: Option<String>,
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub event_type_ids: Vec<EventTypeId>,
    #[schema(value_type = String, format = Uuid)]
    pub default_event_type_id: EventTypeId,
    /// The business's zone: phrases are read and times spoken in it.
    pub time_zone: String,
    /// Whether a secret is set (the secret itself is never shown).
    pub has_secret: bool,
    /// Vapi: the header carrying the secret (default `x-vapi-secret`).
    pub auth_header: Option<String>,
    pub max_options_spoken: i64,
    /// `12h` or `24h`.
    #[schema(value_type = Clock)]
    pub clock: String,
    #[schema(value_type = Language)]
    pub language: String,
    /// Where the platform sends its requests.
    pub url: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Creates a voice agent.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVoiceAgent {
    #[schema(value_type = Platform)]
    pub platform: String,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub platform_agent_id: Option<String>,
    /// Distinct event types of the tenant, at least one.
    #[schema(schema_with = event_type_ids)]
    pub event_type_ids: Vec<String>,
    /// One of `event_type_ids` (default: the first).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub default_event_type_id: Option<String>,
    #[schema(value_type = TimeZoneName)]
    pub time_zone: String,
    /// Retell: the API key that signs webhooks. Vapi: the shared secret (or HMAC key). Write-only.
    #[schema(min_length = 8, max_length = 512)]
    pub secret: String,
    /// Vapi: the header carrying the secret (default `x-vapi-secret`).
    #[schema(min_length = 1, max_length = 100, pattern = "^[A-Za-z0-9-]+$")]
    pub auth_header: Option<String>,
    #[schema(minimum = 1, maximum = 6, default = 3)]
    pub max_options_spoken: Option<i64>,
    #[schema(value_type = Option<Clock>, default = "12h")]
    pub clock: Option<String>,
    #[schema(value_type = Option<Language>, default = "en")]
    pub language: Option<String>,
}

/// The voice platform calling the agent's tools.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
enum Platform {
    Retell,
    Vapi,
}

/// How times are spoken.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
enum Clock {
    #[schema(rename = "12h")]
    H12,
    #[schema(rename = "24h")]
    H24,
}

/// The language phrases are read and answers spoken in.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "snake_case")]
enum Language {
    En,
    Es,
}

/// Changes a voice agent; absent fields stay.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateVoiceAgent {
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200, pattern = "\\S")]
    pub platform_agent_id: Option<Option<String>>,
    #[schema(schema_with = event_type_ids)]
    pub event_type_ids: Option<Vec<String>>,
    /// One of `event_type_ids` (the new ones when they change).
    #[schema(value_type = Option<String>, format = Uuid)]
    pub default_event_type_id: Option<String>,
    #[schema(value_type = Option<TimeZoneName>)]
    pub time_zone: Option<String>,
    #[schema(min_length = 8, max_length = 512)]
    pub secret: Option<String>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 100, pattern = "^[A-Za-z0-9-]+$")]
    pub auth_header: Option<Option<String>>,
    #[schema(minimum = 1, maximum = 6)]
    pub max_options_spoken: Option<i64>,
    #[schema(value_type = Option<Clock>)]
    pub clock: Option<String>,
    #[schema(value_type = Option<Language>)]
    pub language: Option<String>,
}

/// Tool definitions to paste into the platform.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ToolsView {
    pub platform: String,
    #[schema(value_type = Vec<Object>)]
    pub tools: Vec<Value>,
}
