//! Request shapes for Retell and Vapi, the voice platforms whose agents call Sked's tools: how
//! each authenticates (Retell's `X-Retell-Signature`; Vapi's shared secret, bearer token or
//! HMAC `x-signature`), and what their tool calls and call events look like. Parsing is lenient
//! about what may be absent and strict about what must be right (signatures, compared in
//! constant time). Pure: no I/O, `now` is passed in.

#![forbid(unsafe_code)]

mod retell;
mod vapi;

pub use retell::{RetellRequest, parse_retell, sign_retell, verify_retell};
pub use vapi::{VapiRequest, parse_vapi, sign_vapi, verify_vapi};

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The voice platform an agent runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Platform {
    /// Retell AI.
    Retell,
    /// Vapi.
    Vapi,
}

impl Platform {
    /// Every platform.
    pub const ALL: [Platform; 2] = [Platform::Retell, Platform::Vapi];

    /// As stored, shown and in the tools' URL: `retell`, `vapi`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Platform::Retell => "retell",
            Platform::Vapi => "vapi",
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not a known voice platform"))
    }
}

/// How the store reads a stored name back.
impl TryFrom<String> for Platform {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

/// Signatures older or newer than this are refused (Retell: 5 minutes).
pub const TOLERANCE_MS: i64 = 300_000;

/// The caller and the call, as far as a platform tells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallInfo {
    /// The platform's call id.
    pub call_id: Option<String>,
    /// The caller's number (E.164) on phone calls.
    pub from_number: Option<String>,
    /// The caller's zone when the agent passes one (`time_zone` dynamic variable or metadata).
    pub caller_zone: Option<String>,
}

/// Longest call id, number or zone name taken from a platform.
const MAX_INFO_LEN: usize = 200;

/// A piece of call information: a non-empty string of at most [`MAX_INFO_LEN`] characters with
/// no control character, or nothing (it is stored and quoted back, so what cannot be is
/// dropped rather than refusing the caller's request).
pub(crate) fn info_field(v: &Value) -> Option<String> {
    v.as_str()
        .filter(|s| !s.is_empty() && s.chars().count() <= MAX_INFO_LEN && !s.chars().any(char::is_control))
        .map(str::to_owned)
}

/// One tool call.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolCall {
    /// Vapi's tool call id (echoed in the answer).
    pub id: Option<String>,
    /// The function's name.
    pub name: String,
    /// Its arguments (an object; `{}` when none were sent).
    pub args: Value,
}

/// A verified signature: what identifies the request (to refuse it a second time) and until
/// when it would be accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    /// The signature's digest, lower-case hex.
    pub digest: String,
    /// Unix seconds after which the signature is refused as stale anyway.
    pub until: i64,
}

impl Signed {
    pub(crate) fn new(mac: &[u8], ts_ms: i64) -> Self {
        // Saturating: a timestamp is only as sane as the clock it is checked against.
        Self { digest: hex::encode(mac), until: ts_ms.saturating_add(TOLERANCE_MS).div_euclid(1_000) + 1 }
    }
}

pub(crate) fn hmac(key: &[u8], parts: &[&[u8]]) -> Option<[u8; 32]> {
    let mut mac = HmacSha256::new_from_slice(key).ok()?;
    for p in parts {
        mac.update(p);
    }
    Some(mac.finalize().into_bytes().into())
}

pub(crate) fn hex_hmac(key: &[u8], parts: &[&[u8]]) -> Option<String> {
    hmac(key, parts).map(hex::encode)
}

/// A MAC against a hex digest someone sent, in constant time.
pub(crate) fn mac_matches(expected: &[u8; 32], given_hex: &str) -> bool {
    let mut given = [0u8; 32];
    hex::decode_to_slice(given_hex.to_ascii_lowercase(), &mut given).is_ok()
        && bool::from(expected.ct_eq(&given))
}

/// A shared secret against what someone sent. Both are hashed to 32 bytes first and compared
/// in constant time, so neither the secret's content nor its length shows in the time taken.
pub(crate) fn secret_matches(given: &str, secret: &str) -> bool {
    Sha256::digest(given.as_bytes()).ct_eq(&Sha256::digest(secret.as_bytes())).into()
}

/// Arguments as an object: a JSON string is parsed, anything else becomes `{}`.
pub(crate) fn object(v: Value) -> Value {
    match v {
        Value::Object(_) => v,
        Value::String(s) => match serde_json::from_str::<Value>(&s) {
            Ok(o @ Value::Object(_)) => o,
            _ => Value::Object(Default::default()),
        },
        _ => Value::Object(Default::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_as_fixed_size_digests() {
        assert!(secret_matches("s3cret-value", "s3cret-value"));
        for given in ["", "s", "s3cret-valu", "s3cret-value ", &"s3cret-value".repeat(100)] {
            assert!(!secret_matches(given, "s3cret-value"), "{given}");
        }
        let mac = hmac(b"k", &[b"body"]).unwrap();
        assert!(mac_matches(&mac, &hex::encode(mac)));
        assert!(mac_matches(&mac, &hex::encode(mac).to_uppercase()));
        assert!(!mac_matches(&mac, &hex::encode(&mac[..31])));
        assert!(!mac_matches(&mac, "zz"));
    }

    #[test]
    fn signatures_at_the_end_of_time_do_not_overflow() {
        // Found by the `voice` fuzz target: `until` overflowed for a clock near i64::MAX.
        let now = i64::MAX - 0x92;
        let header = sign_retell("k", b"{}", now);
        let signed = verify_retell("k", Some(&header), b"{}", now).unwrap();
        assert_eq!(signed.until, i64::MAX / 1_000 + 1);
        let ts = now.to_string();
        let mut h = http::HeaderMap::new();
        h.insert("x-timestamp", ts.parse().unwrap());
        h.insert("x-signature", sign_vapi("k", b"{}", &ts).parse().unwrap());
        assert!(verify_vapi("k", "x-vapi-secret", &h, b"{}", now).unwrap().is_some());
    }
}
