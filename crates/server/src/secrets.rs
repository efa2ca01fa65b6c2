//! Secrets at rest: AES-256-GCM with a key-id byte.
//!
//! A sealed value is `base64url(key_id ‖ nonce[12] ‖ ciphertext+tag)`. The key id is the first
//! byte of the SHA-256 of the key, so a value says which key sealed it and keys can be rotated:
//! the current key seals, every known key opens. One byte is a hint, not a name: two keys share
//! it once in 256, so opening tries every key with that id, and the GCM tag tells which one
//! sealed the value (a wrong key never opens anything).

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, Generate, KeyInit};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Why a value could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The key is not 32 bytes of hex.
    #[error("the secret key must be 64 hex characters (32 bytes)")]
    BadKey,
    /// No known key has this value's key id.
    #[error("sealed with an unknown key (id {0})")]
    UnknownKey(u8),
    /// The value is damaged or was not sealed by us.
    #[error("the sealed value is damaged")]
    Damaged,
}

/// Seals and opens secrets, and signs short values.
#[derive(Clone)]
pub struct Sealer {
    /// `(id, cipher)`, the current key first.
    keys: Vec<(u8, Aes256Gcm)>,
    /// Signing key, derived from the current key (never the key itself).
    mac_key: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer")
            .field("key_ids", &self.keys.iter().map(|(id, _)| *id).collect::<Vec<_>>())
            .finish()
    }
}

impl Sealer {
    /// A sealer whose current key is `current` (hex), also opening values of `older` keys.
    pub fn new(current: &str, older: &[&str]) -> Result<Self, SealError> {
        let keys = std::iter::once(current)
            .chain(older.iter().copied())
            .map(|hex_key| {
                let bytes = hex::decode(hex_key.trim()).map_err(|_| SealError::BadKey)?;
                if bytes.len() != 32 {
                    return Err(SealError::BadKey);
                }
                let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| SealError::BadKey)?;
                Ok((Sha256::digest(&bytes)[0], cipher))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let current_bytes = hex::decode(current.trim()).map_err(|_| SealError::BadKey)?;
        let mac_key =
            Sha256::new().chain_update(b"sked signing key\0").chain_update(&current_bytes).finalize().into();
        Ok(Self { keys, mac_key })
    }

    /// A signature of `data` (HMAC-SHA256 under a key derived from the current key), as
    /// unpadded base64url.
    pub fn sign(&self, data: &[u8]) -> String {
        self.mac(data).map(|m| URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())).unwrap_or_default()
    }

    /// True when `signature` is [`sign`](Self::sign)'s answer for `data` (compared in constant
    /// time).
    pub fn verify(&self, data: &[u8], signature: &str) -> bool {
        let Ok(given) = URL_SAFE_NO_PAD.decode(signature) else { return false };
        self.mac(data).is_some_and(|m| m.verify_slice(&given).is_ok())
    }

    fn mac(&self, data: &[u8]) -> Option<Hmac<Sha256>> {
        let mut m = Hmac::<Sha256>::new_from_slice(&self.mac_key).ok()?;
        m.update(data);
        Some(m)
    }

    /// Id of the current key.
    pub fn current_id(&self) -> u8 {
        self.keys[0].0
    }

    /// Seals `plaintext` with the current key.
    pub fn seal(&self, plaintext: &str) -> Result<String, SealError> {
        let (id, cipher) = &self.keys[0];
        let nonce = aes_gcm::Nonce::generate();
        let ciphertext = cipher.encrypt(&nonce, plaintext.as_bytes()).map_err(|_| SealError::Damaged)?;
        let mut out = Vec::with_capacity(1 + nonce.len() + ciphertext.len());
        out.push(*id);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        Ok(URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens a sealed value.
    pub fn open(&self, sealed: &str) -> Result<String, SealError> {
        let raw = URL_SAFE_NO_PAD.decode(sealed).map_err(|_| SealError::Damaged)?;
        if raw.len() < 1 + 12 + 16 {
            return Err(SealError::Damaged);
        }
        let (id, rest) = (raw[0], &raw[1..]);
        let nonce = aes_gcm::Nonce::try_from(&rest[..12]).map_err(|_| SealError::Damaged)?;
        let mut candidates = self.keys.iter().filter(|(k, _)| *k == id).peekable();
        if candidates.peek().is_none() {
            return Err(SealError::UnknownKey(id));
        }
        let plain = candidates
            .find_map(|(_, cipher)| cipher.decrypt(&nonce, &rest[12..]).ok())
            .ok_or(SealError::Damaged)?;
        String::from_utf8(plain).map_err(|_| SealError::Damaged)
    }

    /// The key id a sealed value was sealed with.
    pub fn key_id(sealed: &str) -> Option<u8> {
        URL_SAFE_NO_PAD.decode(sealed).ok().and_then(|raw| raw.first().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const K2: &str = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";

    #[test]
    fn seals_and_opens_and_never_repeats_itself() {
        let s = Sealer::new(K1, &[]).unwrap();
        let a = s.seal("retell-api-key").unwrap();
        let b = s.seal("retell-api-key").unwrap();
        assert_ne!(a, b, "a fresh nonce every time");
        assert!(!a.contains("retell"));
        assert_eq!(s.open(&a).unwrap(), "retell-api-key");
        assert_eq!(Sealer::key_id(&a), Some(s.current_id()));
    }

    #[test]
    fn rotation_opens_old_values_and_seals_with_the_new_key() {
        let old = Sealer::new(K1, &[]).unwrap();
        let sealed = old.seal("token").unwrap();
        let new = Sealer::new(K2, &[K1]).unwrap();
        assert_eq!(new.open(&sealed).unwrap(), "token");
        assert_ne!(Sealer::key_id(&new.seal("t").unwrap()), Sealer::key_id(&sealed));
        assert!(matches!(Sealer::new(K2, &[]).unwrap().open(&sealed), Err(SealError::UnknownKey(_))));
    }

    #[test]
    fn keys_whose_ids_collide_each_open_their_own_values() {
        let id = |hex_key: &str| Sha256::digest(hex::decode(hex_key).unwrap())[0];
        // One key in 256 shares K1's id byte: find one.
        let twin = (0u32..)
            .map(|i| format!("{:064x}", u128::from(i) + 1))
            .find(|k| k != K1 && id(k) == id(K1))
            .unwrap();
        let by_k1 = Sealer::new(K1, &[]).unwrap().seal("sealed under k1").unwrap();
        let by_twin = Sealer::new(&twin, &[]).unwrap().seal("sealed under the twin").unwrap();
        assert_eq!(Sealer::key_id(&by_k1), Sealer::key_id(&by_twin));
        for s in [Sealer::new(&twin, &[K1]).unwrap(), Sealer::new(K1, &[&twin]).unwrap()] {
            assert_eq!(s.open(&by_k1).unwrap(), "sealed under k1");
            assert_eq!(s.open(&by_twin).unwrap(), "sealed under the twin");
        }
        assert!(matches!(Sealer::new(K1, &[]).unwrap().open(&by_twin), Err(SealError::Damaged)));
    }

    #[test]
    fn signatures_verify_only_for_their_data_and_key() {
        let s = Sealer::new(K1, &[]).unwrap();
        let sig = s.sign(b"state|tenant|host");
        assert!(s.verify(b"state|tenant|host", &sig));
        assert!(!s.verify(b"state|tenant|other", &sig));
        assert!(!Sealer::new(K2, &[]).unwrap().verify(b"state|tenant|host", &sig));
        assert!(!s.verify(b"state|tenant|host", "not base64 !"));
    }

    #[test]
    fn tampering_and_bad_keys_are_refused() {
        let s = Sealer::new(K1, &[]).unwrap();
        let mut sealed = s.seal("token").unwrap().into_bytes();
        let last = sealed.len() - 1;
        sealed[last] = if sealed[last] == b'A' { b'B' } else { b'A' };
        assert!(s.open(&String::from_utf8(sealed).unwrap()).is_err());
        assert!(s.open("not base64 !").is_err());
        assert!(Sealer::new("abcd", &[]).is_err());
    }
}
