//! Endpoint secrets and the `webhook-signature` over a message: HMAC-SHA256 of
//! `{msg_id}.{timestamp}.{body}`, keyed by the secret's bytes, written `v1,<base64>`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, ExposeSecretMut, SecretBox};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The prefix of a secret's string form.
const PREFIX: &str = "whsec_";
/// Bytes in a generated secret.
const GENERATED_LEN: usize = 32;
/// The spec's bounds on a key's length, in bytes. The upper one is also SHA-256's block size,
/// which lets every key live zero-padded in one block (see [`Secret::mac`]).
const MIN_LEN: usize = 24;
const MAX_LEN: usize = 64;

/// Why a secret's string form was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// It does not start with `whsec_`.
    #[error("a webhook secret starts with `whsec_`")]
    Prefix,
    /// The rest is not standard, padded base64.
    #[error("a webhook secret is `whsec_` followed by standard base64")]
    Base64,
    /// The key is shorter than 24 or longer than 64 bytes.
    #[error("a webhook secret's key has 24 to 64 bytes, not {0}")]
    Length(usize),
}

/// An endpoint's signing secret. Its string form (`whsec_` + base64 of the key) comes out only
/// through [`Secret::expose_whsec`]; `Debug` shows nothing of it.
pub struct Secret {
    /// The key zero-padded to one SHA-256 block, which HMAC does to short keys anyway.
    block: SecretBox<[u8; MAX_LEN]>,
    len: usize,
}

impl Secret {
    /// A fresh secret of 32 random bytes from the thread's CSPRNG.
    pub fn generate() -> Self {
        let mut block = SecretBox::new(Box::new([0u8; MAX_LEN]));
        rand::rng().fill_bytes(&mut block.expose_secret_mut()[..GENERATED_LEN]);
        Self { block, len: GENERATED_LEN }
    }

    /// Reads the string form, `whsec_` + standard padded base64 of 24 to 64 bytes.
    pub fn parse(s: &str) -> Result<Self, SecretError> {
        let b64 = s.strip_prefix(PREFIX).ok_or(SecretError::Prefix)?;
        let key = secrecy::zeroize::Zeroizing::new(STANDARD.decode(b64).map_err(|_| SecretError::Base64)?);
        if !(MIN_LEN..=MAX_LEN).contains(&key.len()) {
            return Err(SecretError::Length(key.len()));
        }
        let mut block = SecretBox::new(Box::new([0u8; MAX_LEN]));
        block.expose_secret_mut()[..key.len()].copy_from_slice(&key);
        Ok(Self { block, len: key.len() })
    }

    /// The string form, `whsec_...`: to show once at creation, or to store sealed.
    pub fn expose_whsec(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(self.key()))
    }

    fn key(&self) -> &[u8] {
        &self.block.expose_secret()[..self.len]
    }

    /// An HMAC-SHA256 keyed by the secret. Built from the padded block so that it cannot fail
    /// (`new_from_slice` returns a `Result` although every length is valid for HMAC).
    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as hmac::digest::KeyInit>::new(self.block.expose_secret().into())
    }

    fn tag(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> [u8; 32] {
        let mut mac = self.mac();
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(whsec_[redacted])")
    }
}

/// The `webhook-signature` value for one attempt: `v1,` + base64 of the HMAC-SHA256 over
/// `{msg_id}.{timestamp}.{body}`.
pub fn sign(secret: &Secret, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    format!("v1,{}", STANDARD.encode(secret.tag(msg_id, timestamp, body)))
}

/// Checks a received `webhook-signature` header, as a receiver would: true when `timestamp` is
/// within `tolerance_secs` of `now` (either way) and one of the header's space-separated
/// signatures is a `v1` signature of this message. Signatures of other versions are skipped.
pub fn verify(
    secret: &Secret,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
    header_value: &str,
    now: i64,
    tolerance_secs: u64,
) -> bool {
    if now.abs_diff(timestamp) > tolerance_secs {
        return false;
    }
    let expected = secret.tag(msg_id, timestamp, body);
    // Every candidate is compared, so the time taken does not tell which one matched.
    header_value
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .filter_map(|b64| STANDARD.decode(b64).ok())
        .fold(false, |found, sig| found | bool::from(sig.as_slice().ct_eq(&expected)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TS: i64 = 1614265330;
    const SPEC_BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SPEC_SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn the_spec_vector_signs_and_verifies() {
        let s = Secret::parse(SPEC_SECRET).unwrap();
        assert_eq!(sign(&s, SPEC_ID, SPEC_TS, SPEC_BODY), SPEC_SIG);
        assert!(verify(&s, SPEC_ID, SPEC_TS, SPEC_BODY, SPEC_SIG, SPEC_TS, 300));
        assert_eq!(s.expose_whsec(), SPEC_SECRET);
    }

    #[test]
    fn a_64_byte_key_signs_like_plain_hmac() {
        let key = [7u8; 64];
        let s = Secret::parse(&format!("whsec_{}", STANDARD.encode(key))).unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(b"msg_1.5.{}");
        let want = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        assert_eq!(sign(&s, "msg_1", 5, b"{}"), want);
    }

    #[test]
    fn round_trip_and_tampering() {
        let s = Secret::generate();
        let body = br#"{"type":"booking.created"}"#;
        let sig = sign(&s, "msg_a", 1000, body);
        assert!(verify(&s, "msg_a", 1000, body, &sig, 1000, 300));
        assert!(!verify(&s, "msg_a", 1000, br#"{"type":"booking.cancelled"}"#, &sig, 1000, 300));
        assert!(!verify(&s, "msg_b", 1000, body, &sig, 1000, 300));
        assert!(!verify(&s, "msg_a", 1001, body, &sig, 1001, 300));
        assert!(!verify(&Secret::generate(), "msg_a", 1000, body, &sig, 1000, 300));
        assert!(!verify(&s, "msg_a", 1000, body, "v2,abc", 1000, 300));
        assert!(!verify(&s, "msg_a", 1000, body, "", 1000, 300));
    }

    #[test]
    fn timestamps_outside_the_tolerance_are_refused() {
        let s = Secret::generate();
        let sig = sign(&s, "msg_a", 10_000, b"{}");
        assert!(verify(&s, "msg_a", 10_000, b"{}", &sig, 10_300, 300));
        assert!(verify(&s, "msg_a", 10_000, b"{}", &sig, 9_700, 300));
        assert!(!verify(&s, "msg_a", 10_000, b"{}", &sig, 10_301, 300));
        assert!(!verify(&s, "msg_a", 10_000, b"{}", &sig, 9_699, 300));
        assert!(!verify(&s, "msg_a", i64::MIN, b"{}", &sig, i64::MAX, 300));
    }

    #[test]
    fn any_of_several_signatures_may_match() {
        let old = Secret::generate();
        let new = Secret::generate();
        let header =
            format!("v1a,xyz {} v1,!!notbase64 {}", sign(&old, "m", 5, b"x"), sign(&new, "m", 5, b"x"));
        assert!(verify(&old, "m", 5, b"x", &header, 5, 0));
        assert!(verify(&new, "m", 5, b"x", &header, 5, 0));
        assert!(!verify(&Secret::generate(), "m", 5, b"x", &header, 5, 0));
    }

    #[test]
    fn parsing_refuses_bad_secrets_and_debug_hides_them() {
        assert_eq!(Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap_err(), SecretError::Prefix);
        assert_eq!(Secret::parse("whsec_***").unwrap_err(), SecretError::Base64);
        assert_eq!(Secret::parse("whsec_AAAA").unwrap_err(), SecretError::Length(3));
        let long = format!("whsec_{}", STANDARD.encode([1u8; 65]));
        assert_eq!(Secret::parse(&long).unwrap_err(), SecretError::Length(65));
        let s = Secret::generate();
        let shown = s.expose_whsec();
        assert!(shown.starts_with("whsec_") && STANDARD.decode(&shown[6..]).unwrap().len() == 32);
        assert_eq!(Secret::parse(&shown).unwrap().expose_whsec(), shown);
        assert!(!format!("{s:?}").contains(&shown[6..]));
    }
}
