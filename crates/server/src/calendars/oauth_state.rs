//! The OAuth `state`: `<id>.<tenant>.<host>.<expiry>.<signature>`, checked on its own (no store
//! read) before the authorization it names is used up.

use sked_core::ids::{HostId, TenantId};
use sked_store::OAuthState;

use crate::secrets::Sealer;

fn signed_part(provider: &str, id: &str, tenant: TenantId, host: HostId, expires_at: i64) -> Vec<u8> {
    format!("{provider}|{id}|{tenant}|{host}|{expires_at}").into_bytes()
}

/// What a `state` claims; believed only once [`StateClaim::verify`] says so.
#[derive(Debug, PartialEq)]
pub struct StateClaim<'a> {
    /// The stored authorization's id.
    pub id: &'a str,
    tenant: TenantId,
    host: HostId,
    expires_at: i64,
    signature: &'a str,
}

impl<'a> StateClaim<'a> {
    /// The signed state for a stored authorization with `provider`.
    pub fn encode(
        sealer: &Sealer,
        provider: &str,
        id: &str,
        tenant: TenantId,
        host: HostId,
        expires_at: i64,
    ) -> String {
        let signature = sealer.sign(&signed_part(provider, id, tenant, host, expires_at));
        format!("{id}.{tenant}.{host}.{expires_at}.{signature}")
    }

    /// What a state says, if it has the shape of one.
    pub fn parse(state: &'a str) -> Option<Self> {
        let mut parts = state.split('.');
        let claim = Self {
            id: parts.next().filter(|id| !id.is_empty())?,
            tenant: parts.next()?.parse().ok()?,
            host: parts.next()?.parse().ok()?,
            expires_at: parts.next()?.parse().ok()?,
            signature: parts.next()?,
        };
        parts.next().is_none().then_some(claim)
    }

    /// Signed by this server for `provider`, and not expired: checked without the store.
    pub fn verify(&self, sealer: &Sealer, provider: &str, now: i64) -> bool {
        now <= self.expires_at
            && sealer.verify(
                &signed_part(provider, self.id, self.tenant, self.host, self.expires_at),
                self.signature,
            )
    }

    /// The stored authorization is the one the state was signed for.
    pub fn matches(&self, record: &OAuthState, provider: &str) -> bool {
        record.provider == provider
            && record.id == self.id
            && record.tenant_id == self.tenant
            && record.host_id == self.host
            && record.expires_at == self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn a_state_is_believed_only_when_signed_and_unexpired() {
        let sealer = Sealer::new(KEY, &[]).unwrap();
        let (tenant, host) = (TenantId::new(), HostId::new());
        let state = StateClaim::encode(&sealer, "google", "abc_-9", tenant, host, 1_000);
        let claim = StateClaim::parse(&state).unwrap();
        assert_eq!((claim.id, claim.tenant, claim.host, claim.expires_at), ("abc_-9", tenant, host, 1_000));
        assert!(claim.verify(&sealer, "google", 1_000));
        assert!(!claim.verify(&sealer, "google", 1_001), "expired");
        let other = Sealer::new(&KEY.replace("00", "ff"), &[]).unwrap();
        assert!(!claim.verify(&other, "google", 0), "another key");
        assert!(!claim.verify(&sealer, "microsoft", 0), "another provider's");
        // Any part changed breaks the signature.
        let (signed, signature) = state.rsplit_once('.').unwrap();
        for forged in [
            format!("{signed}.AAAA"),
            state.replacen("abc_-9", "abc_-8", 1),
            state.replacen(&host.to_string(), &HostId::new().to_string(), 1),
            state.replacen(".1000.", ".9999.", 1),
        ] {
            assert!(StateClaim::parse(&forged).is_some_and(|c| !c.verify(&sealer, "google", 0)), "{forged}");
        }
        for malformed in ["", "abc", signed, &format!("{state}.x"), &format!(".{signature}")] {
            assert!(
                StateClaim::parse(malformed).is_none_or(|c| !c.verify(&sealer, "google", 0)),
                "{malformed}"
            );
        }
        let record = |host| OAuthState {
            id: "abc_-9".into(),
            tenant_id: tenant,
            host_id: host,
            provider: "google".into(),
            verifier: String::new(),
            redirect_to: None,
            expires_at: 1_000,
            created_at: 400,
        };
        assert!(claim.matches(&record(host), "google"));
        assert!(!claim.matches(&record(host), "microsoft"));
        assert!(!claim.matches(&record(HostId::new()), "google"));
    }
}
