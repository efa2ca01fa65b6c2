//! Idempotent changes: a key the caller chose plus a fingerprint of what it asked.
//!
//! The first successful answer is stored in the same transaction as the change it reports. The
//! same key with the same fingerprint replays that answer; with another fingerprint it is
//! [`AppError::IdempotencyMismatch`]. Failed attempts store nothing, so they can be retried with
//! the same key. Each door decides what its fingerprint covers (HTTP: method, path and body; a
//! voice tool: the tool and its arguments), so one door's key never replays another's request.

use sha2::{Digest, Sha256};
use sked_core::ids::TenantId;
use sked_store::IdempotentResponse;

use crate::App;
use crate::error::{AppError, AppResult};

/// How long keys are kept before they may be purged (at least the 24 hours promised).
pub const RETENTION_SECS: i64 = 48 * 3_600;

/// Longest key taken.
pub const MAX_KEY_LEN: usize = 255;

/// What the first answer was, kept with the key so a replay answers the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Something was created.
    Created,
    /// Something existing was changed.
    Changed,
}

impl Outcome {
    /// The code stored with the answer (the HTTP status the first answer had: 201 or 200).
    pub fn code(self) -> i64 {
        match self {
            Self::Created => 201,
            Self::Changed => 200,
        }
    }
}

/// An idempotency key with the fingerprint of its request.
#[derive(Clone, Debug)]
pub struct Idempotency {
    key: String,
    fingerprint: Vec<u8>,
}

impl Idempotency {
    /// A key (trimmed; 1 to 255 visible ASCII characters) and the parts its request is made of.
    pub fn new(key: &str, parts: &[&[u8]]) -> Result<Self, String> {
        let key = key.trim();
        if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Err(format!("must be 1 to {MAX_KEY_LEN} visible ASCII characters"));
        }
        let mut h = Sha256::new();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                h.update([0]);
            }
            h.update(part);
        }
        Ok(Self { key: key.to_owned(), fingerprint: h.finalize().to_vec() })
    }

    /// The stored answer to this key if the request matches it (a mismatch is refused).
    pub async fn stored(&self, app: &App, tenant: TenantId) -> AppResult<Option<IdempotentResponse>> {
        let stored = app.store.idempotent_response(tenant, &self.key).await?;
        match stored {
            Some(s) if s.request_hash != self.fingerprint => Err(AppError::IdempotencyMismatch),
            other => Ok(other),
        }
    }

    /// The record to store with the change.
    pub fn record(&self, tenant: TenantId, outcome: Outcome, body: &str, now: i64) -> IdempotentResponse {
        IdempotentResponse {
            tenant_id: tenant,
            key: self.key.clone(),
            request_hash: self.fingerprint.clone(),
            status: outcome.code(),
            response: body.to_owned(),
            created_at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_of_bounded_length() {
        assert!(Idempotency::new("  order-17  ", &[b"x"]).is_ok_and(|k| k.key == "order-17"));
        for bad in ["", "   ", "caf\u{e9}", "a\tb", &"k".repeat(MAX_KEY_LEN + 1)] {
            assert!(Idempotency::new(bad, &[b"x"]).is_err(), "{bad:?}");
        }
        assert!(Idempotency::new(&"k".repeat(MAX_KEY_LEN), &[b"x"]).is_ok());
    }

    #[test]
    fn the_fingerprint_tells_requests_apart_and_matches_what_was_stored_before() {
        let a = Idempotency::new("k", &[b"POST", b"/v1/bookings", b"{}"]).unwrap();
        let b = Idempotency::new("k", &[b"POST", b"/v1/bookings", b"{ }"]).unwrap();
        // Parts are separated, so moving a byte from one part to the next is another request.
        let c = Idempotency::new("k", &[b"POST", b"/v1/booking", b"s{}"]).unwrap();
        assert_ne!(a.fingerprint, b.fingerprint);
        assert_ne!(a.fingerprint, c.fingerprint);
        // Records written before the application layer hashed `method \0 path \0 body`.
        let mut h = Sha256::new();
        h.update(b"POST\0/v1/bookings\0{}");
        assert_eq!(a.fingerprint, h.finalize().to_vec());
    }
}
