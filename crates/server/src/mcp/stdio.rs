//! `sked mcp`: the MCP server over stdin and stdout, for an agent running on the same machine.
//! It acts for the tenant of the API key it is given; stdout carries protocol messages only
//! (logs go to stderr).

use std::sync::Arc;

use rmcp::ServiceExt;
use sked_core::ids::VoiceAgentId;

use super::{Scope, SkedMcp};
use crate::auth::{Caller, hash_key};
use crate::state::Services;

/// Serves MCP on stdin/stdout until the client closes stdin.
pub async fn run(services: Arc<Services>, api_key: &str, agent: Option<VoiceAgentId>) -> anyhow::Result<()> {
    let key = services
        .store
        .api_key_by_hash(&hash_key(api_key.trim()))
        .await?
        .ok_or_else(|| anyhow::anyhow!("unknown or revoked API key"))?;
    let agent = match agent {
        Some(id) => Some(
            services
                .store
                .voice_agent(key.tenant_id, id)
                .await
                .map_err(|_| anyhow::anyhow!("no voice agent {id} for this key's tenant"))?,
        ),
        None => None,
    };
    let actor = Caller::Key { tenant: key.tenant_id, key: key.id }.actor();
    let scope = Scope { tenant: key.tenant_id, actor, agent };
    tracing::info!(tenant = %key.tenant_id, "serving MCP on stdio");
    let running = SkedMcp::fixed(services, scope).serve(rmcp::transport::stdio()).await?;
    running.waiting().await?;
    Ok(())
}
