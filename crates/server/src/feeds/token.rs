//! The secret in a host's feed URL: the tenant, the host and the host's feed version, and an
//! HMAC of them under a key derived from the secret key, both base64url. Nothing secret is
//! stored: a token is checked by its signature before the store is read, and a token signed with
//! an older feed version (the URL was rotated) names a version the host no longer has.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sked_core::ids::{HostId, TenantId};

use crate::secrets::Sealer;

/// What a feed token names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeedToken {
    pub tenant: TenantId,
    pub host: HostId,
    /// The host's feed version when the URL was made.
    pub version: i64,
}

/// Tenant id, host id, version: 16 + 16 + 8 bytes.
const RAW: usize = 40;

/// What is signed: the raw token behind a domain prefix, so no other signed value of the server
/// can pass for a feed token.
fn signed(raw: &[u8]) -> Vec<u8> {
    let mut data = b"feed:".to_vec();
    data.extend_from_slice(raw);
    data
}

impl FeedToken {
    /// The token: `<base64url of the ids and version>.<base64url HMAC-SHA256>`, 98 characters.
    pub fn sign(&self, sealer: &Sealer) -> String {
        let mut raw = Vec::with_capacity(RAW);
        raw.extend_from_slice(self.tenant.0.as_bytes());
        raw.extend_from_slice(self.host.0.as_bytes());
        raw.extend_from_slice(&self.version.to_be_bytes());
        format!("{}.{}", URL_SAFE_NO_PAD.encode(&raw), sealer.sign(&signed(&raw)))
    }

    /// What a token names, when the server signed it (compared in constant time).
    pub fn open(sealer: &Sealer, token: &str) -> Option<Self> {
        if token.len() > 128 {
            return None;
        }
        let (ids, mac) = token.split_once('.')?;
        let raw: [u8; RAW] = URL_SAFE_NO_PAD.decode(ids).ok()?.try_into().ok()?;
        if !sealer.verify(&signed(&raw), mac) {
            return None;
        }
        let (tenant, rest) = raw.split_at(16);
        let (host, version) = rest.split_at(16);
        Some(Self {
            tenant: TenantId(uuid::Uuid::from_slice(tenant).ok()?),
            host: HostId(uuid::Uuid::from_slice(host).ok()?),
            version: i64::from_be_bytes(version.try_into().ok()?),
        })
    }

    /// The feed's URL under `base` (where clients reach the server).
    pub fn url(&self, base: &str, sealer: &Sealer) -> String {
        format!("{base}/feeds/{}.ics", self.sign(sealer))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const K: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn tokens_verify_and_forged_or_changed_ones_do_not() {
        let s = Sealer::new(K, &[]).unwrap();
        let t = FeedToken { tenant: TenantId::new(), host: HostId::new(), version: 3 };
        let signed = t.sign(&s);
        assert_eq!(signed.len(), 98);
        assert_eq!(FeedToken::open(&s, &signed), Some(t));
        assert_eq!(t.url("https://x", &s), format!("https://x/feeds/{signed}.ics"));
        let other = Sealer::new(&K.replace('0', "f"), &[]).unwrap();
        assert_eq!(FeedToken::open(&other, &signed), None, "another key's token");
        let (ids, mac) = signed.split_once('.').unwrap();
        let next = FeedToken { version: 4, ..t }.sign(&s);
        let (next_ids, _) = next.split_once('.').unwrap();
        assert_eq!(FeedToken::open(&s, &format!("{next_ids}.{mac}")), None, "a version not signed");
        assert_eq!(FeedToken::open(&s, ids), None);
        assert_eq!(FeedToken::open(&s, &format!("{ids}.{}", &mac[..42])), None);
        assert_eq!(FeedToken::open(&s, &format!("{ids}x.{mac}")), None);
        assert_eq!(FeedToken::open(&s, ""), None);
        assert_eq!(FeedToken::open(&s, &"a.".repeat(100)), None);
        // A manage link's signature is not a feed token's.
        let m = crate::notify::links::manage_url("", &s, sked_core::ids::BookingId::new());
        assert_eq!(FeedToken::open(&s, m.trim_start_matches("/m/")), None);
    }
}
