//! Retell and Vapi: how they authenticate, and what their requests look like (INTEGRATIONS.md,
//! sections 1 and 2). Parsing is lenient about what may be absent and strict about what must be
//! right (signatures).

mod retell;
mod vapi;

pub use retell::{RetellRequest, parse_retell, sign_retell, verify_retell};
pub use vapi::{VapiRequest, parse_vapi, verify_vapi};

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

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

fn hex_hmac(key: &[u8], parts: &[&[u8]]) -> Option<String> {
    let mut mac = HmacSha256::new_from_slice(key).ok()?;
    for p in parts {
        mac.update(p);
    }
    Some(hex::encode(mac.finalize().into_bytes()))
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Arguments as an object: a JSON string is parsed, anything else becomes `{}`.
fn object(v: Value) -> Value {
    match v {
        Value::Object(_) => v,
        Value::String(s) => match serde_json::from_str::<Value>(&s) {
            Ok(o @ Value::Object(_)) => o,
            _ => Value::Object(Default::default()),
        },
        _ => Value::Object(Default::default()),
    }
}
