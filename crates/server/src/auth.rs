//! API keys and who a request acts for.
//!
//! Tenant keys are `sk_` plus 32 random characters; only their SHA-256 is stored. The operator
//! key manages tenants. Every authenticated request also passes the per-key rate limiter; a
//! wrong, unknown or missing key counts against the client's address ([`crate::guard`]).

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand::Rng;
use sha2::{Digest, Sha256};
use sked_core::ids::{ApiKeyId, TenantId};
use sked_store::ApiKey;
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::guard::{ClientAddr, Door};
use crate::state::AppState;

/// A new secret key with a prefix (`sk_` for tenant keys, `op_` for the operator key).
pub fn generate_key(prefix: &str) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let body: String = (0..32).map(|_| CHARS[rng.random_range(0..CHARS.len())] as char).collect();
    format!("{prefix}{body}")
}

/// A short stable fingerprint of some text (first 16 hex digits of its SHA-256).
pub fn short_hash(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes())[..8])
}

/// SHA-256 of a key.
pub fn hash_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Who is calling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// A tenant's API key.
    Key { tenant: TenantId, key: ApiKeyId },
    /// The operator.
    Operator,
    /// A voice agent, on a call.
    Voice { agent: sked_core::ids::VoiceAgentId },
    /// A host's connected calendar (a change the host made there).
    Calendar { provider: &'static str },
}

impl Caller {
    /// How history records this caller.
    pub fn actor(&self) -> String {
        match self {
            Self::Key { key, .. } => format!("api_key:{key}"),
            Self::Operator => "operator".into(),
            Self::Voice { agent } => format!("voice_agent:{agent}"),
            Self::Calendar { provider } => (*provider).to_owned(),
        }
    }
}

/// A request authenticated with a tenant key.
#[derive(Clone, Copy, Debug)]
pub struct TenantAuth {
    /// The tenant it acts for.
    pub tenant: TenantId,
    /// The caller, for history.
    pub caller: Caller,
}

impl TenantAuth {
    /// The caller as the booking flows record it.
    pub fn actor(&self) -> sked_app::Actor {
        sked_app::Actor { tenant: self.tenant, name: self.caller.actor() }
    }
}

/// A request authenticated with the operator key.
#[derive(Clone, Copy, Debug)]
pub struct OperatorAuth;

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("send an API key as `Authorization: Bearer <key>`"))?;
    value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be `Bearer <key>`"))
}

impl FromRequestParts<AppState> for TenantAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let door = Door::new(state, ClientAddr::of(parts, state.settings.trust_forwarded_for), "api_key");
        let key = bearer(parts).map_err(|e| door.refuse(e))?;
        let hash = hash_key(key);
        // A key seen lately costs nothing to check, and works even from an address that failed
        // too often (a shared NAT); only the database lookup is guarded.
        let found = match state.keys.get(&hash) {
            Some(k) => k,
            None => {
                door.check()?;
                let k = state
                    .store
                    .api_key_by_hash(&hash)
                    .await
                    .map_err(|e| ApiError::Internal(e.into()))?
                    .ok_or_else(|| door.refuse(ApiError::unauthorized("unknown or revoked API key")))?;
                let k = Arc::new(k);
                state.keys.put(hash, k.clone());
                k
            }
        };
        state.limiter.check(found.id.0.as_u128())?;
        crate::audit::note(parts, found.tenant_id, || format!("api_key:{}", found.id));
        Ok(TenantAuth {
            tenant: found.tenant_id,
            caller: Caller::Key { tenant: found.tenant_id, key: found.id },
        })
    }
}

impl FromRequestParts<AppState> for OperatorAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // The operator may choose their own key, so a guessing address is stopped before the
        // comparison, not after it.
        let door =
            Door::enter(state, ClientAddr::of(parts, state.settings.trust_forwarded_for), "operator_key")?;
        let key = bearer(parts).map_err(|e| door.refuse(e))?;
        if !bool::from(hash_key(key).ct_eq(&state.operator_key_hash)) {
            return Err(door.refuse(ApiError::unauthorized("this endpoint needs the operator key")));
        }
        state.limiter.check(0)?;
        Ok(OperatorAuth)
    }
}

/// Recently seen keys, so a busy key costs no database read per request. Entries live 30 s;
/// revoking a key through this server drops its entry at once, and a revocation made elsewhere
/// (another process, the CLI) takes effect within 30 s. At most 10,000 keys are kept, the least
/// used leaving first.
#[derive(Debug)]
pub struct KeyCache {
    entries: moka::sync::Cache<[u8; 32], Arc<ApiKey>>,
}

const KEY_TTL: Duration = Duration::from_secs(30);

impl Default for KeyCache {
    fn default() -> Self {
        Self { entries: moka::sync::Cache::builder().max_capacity(10_000).time_to_live(KEY_TTL).build() }
    }
}

impl KeyCache {
    fn get(&self, hash: &[u8; 32]) -> Option<Arc<ApiKey>> {
        self.entries.get(hash)
    }

    fn put(&self, hash: [u8; 32], key: Arc<ApiKey>) {
        self.entries.insert(hash, key);
    }

    /// Forgets a key (after revoking it).
    pub fn forget(&self, id: ApiKeyId) {
        for (hash, key) in &self.entries {
            if key.id == id {
                self.entries.invalidate(&*hash);
            }
        }
    }
}

/// Per-key request limits (a token bucket per key).
#[derive(Debug, Clone)]
pub struct Limiter(Option<Arc<DefaultKeyedRateLimiter<u128>>>);

impl Limiter {
    /// `per_second` on average with bursts of `burst`; 0 turns limiting off.
    pub fn new(per_second: u32, burst: u32) -> Self {
        let Some(rate) = NonZeroU32::new(per_second) else { return Self(None) };
        let burst = NonZeroU32::new(burst.max(per_second)).unwrap_or(rate);
        Self(Some(Arc::new(RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst)))))
    }

    /// Forgets keys whose buckets are full again (governor never drops keys by itself).
    pub fn shrink(&self) {
        if let Some(l) = &self.0 {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }

    /// Spends one request of `key`'s bucket, or says how long to wait.
    pub fn check(&self, key: u128) -> Result<(), ApiError> {
        let Some(limiter) = &self.0 else { return Ok(()) };
        limiter.check_key(&key).map_err(|not_until| {
            let wait = not_until
                .wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
            ApiError::RateLimited { retry_after: wait.as_secs_f64().ceil().max(1.0) as u64 }
        })
    }
}
