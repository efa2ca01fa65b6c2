//! Voice agents, what platforms reported about their calls, and the record of signed requests
//! already seen (platform webhooks are signed; a replay is refused).

use async_trait::async_trait;
use sked_core::ids::{TenantId, VoiceAgentId};

use crate::{Page, StoreResult, VoiceAgent, VoiceCall};

/// Voice agents, their calls, and signed requests seen.
#[async_trait]
pub trait VoiceStore: Send + Sync {
    /// Creates a voice agent.
    async fn insert_voice_agent(&self, a: &VoiceAgent) -> StoreResult<()>;
    /// Replaces a voice agent's fields.
    async fn update_voice_agent(&self, a: &VoiceAgent) -> StoreResult<()>;
    /// A voice agent of a tenant.
    async fn voice_agent(&self, tenant: TenantId, id: VoiceAgentId) -> StoreResult<VoiceAgent>;
    /// A voice agent by id alone: platform requests carry no API key, they prove themselves
    /// with the agent's secret, and the agent names the tenant.
    async fn find_voice_agent(&self, id: VoiceAgentId) -> StoreResult<VoiceAgent>;
    /// A page of a tenant's voice agents.
    async fn list_voice_agents(&self, tenant: TenantId, page: Page) -> StoreResult<Vec<VoiceAgent>>;
    /// Deletes a voice agent.
    async fn delete_voice_agent(&self, tenant: TenantId, id: VoiceAgentId) -> StoreResult<()>;
    /// Records what a platform reported about a call: the caller's number is kept once known,
    /// and an event and report replace the previous ones.
    async fn note_voice_call(&self, call: &VoiceCall) -> StoreResult<VoiceCall>;
    /// A call of a voice agent.
    async fn voice_call(
        &self,
        tenant: TenantId,
        agent: VoiceAgentId,
        call_id: &str,
    ) -> StoreResult<VoiceCall>;

    /// Records `key` (a signed request) until `expires_at`; answers false when it is already
    /// recorded and not expired, true when this is the first time. Atomic across processes;
    /// entries expired before `now` are forgotten on the way.
    async fn first_seen(&self, key: &str, expires_at: i64, now: i64) -> StoreResult<bool>;
}
