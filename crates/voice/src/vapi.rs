//! Vapi: its three ways to authenticate, and its server messages.

use serde_json::Value;

use super::{CallInfo, Signed, TOLERANCE_MS, ToolCall, hex_hmac, hmac, mac_matches, object, secret_matches};

/// Checks a Vapi request: the secret in `header` (default `x-vapi-secret`) or as a bearer token,
/// or an HMAC-SHA256 `x-signature` (hex, optionally `sha256=`) of `{timestamp}.{body}` with an
/// `x-timestamp` (seconds or milliseconds) within 5 minutes. An HMAC answers its [`Signed`]
/// (a shared secret is the same on every request, so it identifies none).
pub fn verify_vapi(
    secret: &str,
    header_name: &str,
    headers: &http::HeaderMap,
    body: &[u8],
    now_ms: i64,
) -> Result<Option<Signed>, &'static str> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(given) = get(header_name) {
        return if secret_matches(given.strip_prefix("Bearer ").unwrap_or(given), secret) {
            Ok(None)
        } else {
            Err("wrong Vapi secret")
        };
    }
    if let Some(given) = get("authorization").and_then(|a| a.strip_prefix("Bearer ")) {
        return if secret_matches(given, secret) { Ok(None) } else { Err("wrong Vapi secret") };
    }
    if let (Some(sig), Some(ts)) = (get("x-signature"), get("x-timestamp")) {
        let n: i64 = ts.parse().map_err(|_| "malformed x-timestamp")?;
        let ms = if n > 100_000_000_000 { n } else { n.saturating_mul(1_000) };
        if now_ms.abs_diff(ms) > TOLERANCE_MS.unsigned_abs() {
            return Err("stale x-timestamp");
        }
        let expected = hmac(secret.as_bytes(), &[ts.as_bytes(), b".", body]).ok_or("bad key")?;
        let sig = sig.strip_prefix("sha256=").unwrap_or(sig);
        return if mac_matches(&expected, sig) {
            Ok(Some(Signed::new(&expected, ms)))
        } else {
            Err("wrong x-signature")
        };
    }
    Err("missing Vapi credentials")
}

/// Signs like Vapi's HMAC plan does (`x-signature` over `{timestamp}.{body}`; for tests).
pub fn sign_vapi(secret: &str, body: &[u8], ts: &str) -> String {
    hex_hmac(secret.as_bytes(), &[ts.as_bytes(), b".", body]).unwrap_or_default()
}

/// What Vapi sent.
#[derive(Clone, Debug, PartialEq)]
pub enum VapiRequest {
    /// `tool-calls`: every call in the message.
    ToolCalls { calls: Vec<ToolCall>, info: CallInfo },
    /// `end-of-call-report`.
    EndOfCall { info: CallInfo, report: Value },
    /// Any other message type (acknowledged and ignored).
    Other(String),
}

/// Most tool calls one message may carry: each can book, so a message is bounded like any
/// other request (an assistant calls one or two tools at a time).
pub const MAX_TOOL_CALLS: usize = 16;

/// Reads a Vapi server message (`{"message": {...}}`).
pub fn parse_vapi(body: &Value) -> Result<VapiRequest, String> {
    let m = body.get("message").ok_or("the body has no `message`")?;
    let kind = m.get("type").and_then(Value::as_str).ok_or("the message has no `type`")?;
    let s = super::info_field;
    let info = CallInfo {
        call_id: s(&m["call"]["id"]),
        from_number: s(&m["call"]["customer"]["number"]).or_else(|| s(&m["customer"]["number"])),
        caller_zone: s(&m["call"]["assistantOverrides"]["variableValues"]["time_zone"])
            .or_else(|| s(&m["call"]["metadata"]["time_zone"])),
    };
    match kind {
        "tool-calls" => {
            let list = m
                .get("toolCallList")
                .or_else(|| m.get("toolCalls"))
                .and_then(Value::as_array)
                .ok_or("`tool-calls` without `toolCallList`")?;
            if list.len() > MAX_TOOL_CALLS {
                return Err(format!("a message carries at most {MAX_TOOL_CALLS} tool calls"));
            }
            let calls = list
                .iter()
                .map(|c| {
                    let f = c.get("function").unwrap_or(c);
                    let name = s(&f["name"]).or_else(|| s(&c["name"])).ok_or("a tool call has no name")?;
                    let raw = f
                        .get("arguments")
                        .or_else(|| c.get("arguments"))
                        .or_else(|| f.get("parameters"))
                        .or_else(|| c.get("parameters"))
                        .cloned()
                        .unwrap_or(Value::Null);
                    Ok(ToolCall { id: s(&c["id"]), name, args: object(raw) })
                })
                .collect::<Result<Vec<_>, &str>>()?;
            Ok(VapiRequest::ToolCalls { calls, info })
        }
        "end-of-call-report" => Ok(VapiRequest::EndOfCall { info, report: m.clone() }),
        other => Ok(VapiRequest::Other(other.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn vapi_tool_calls_in_every_documented_shape() {
        let msg = json!({"message": {"type": "tool-calls", "call": {"id": "v1", "customer": {"number": "+15550001111"}},
        "toolCallList": [
            {"id": "a", "type": "function", "function": {"name": "check_availability", "arguments": {"when": "friday"}}},
            {"id": "b", "function": {"name": "find_appointment", "arguments": "{\"phone\":\"+1555\"}"}},
            {"id": "c", "name": "cancel_appointment", "parameters": {"confirmation_code": "K7M"}},
            {"id": "d", "name": "find_earliest_availability"}
        ]}});
        let VapiRequest::ToolCalls { calls, info } = parse_vapi(&msg).unwrap() else { panic!() };
        assert_eq!(info.call_id.as_deref(), Some("v1"));
        assert_eq!(info.from_number.as_deref(), Some("+15550001111"));
        assert_eq!(
            calls.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            vec![
                "check_availability",
                "find_appointment",
                "cancel_appointment",
                "find_earliest_availability"
            ]
        );
        assert_eq!(
            (
                calls[0].args["when"].as_str(),
                calls[1].args["phone"].as_str(),
                calls[2].args["confirmation_code"].as_str()
            ),
            (Some("friday"), Some("+1555"), Some("K7M"))
        );
        assert_eq!(calls[3].args, json!({}));
        assert!(matches!(
            parse_vapi(&json!({"message": {"type": "status-update"}})).unwrap(),
            VapiRequest::Other(_)
        ));
        assert!(parse_vapi(&json!({"nope": 1})).is_err());
    }

    #[test]
    fn a_message_carries_a_bounded_number_of_tool_calls() {
        let call = json!({"id": "t", "function": {"name": "check_availability", "arguments": {}}});
        let many = |n| json!({"message": {"type": "tool-calls", "toolCallList": vec![call.clone(); n]}});
        assert!(parse_vapi(&many(MAX_TOOL_CALLS)).is_ok());
        assert!(parse_vapi(&many(MAX_TOOL_CALLS + 1)).unwrap_err().contains("at most"));
    }

    #[test]
    fn vapi_secrets_and_hmac() {
        let mut h = http::HeaderMap::new();
        h.insert("x-vapi-secret", "s3cret-value".parse().unwrap());
        assert_eq!(verify_vapi("s3cret-value", "x-vapi-secret", &h, b"{}", 0), Ok(None));
        // Other secrets, prefixes, extensions and empty ones alike are refused.
        for wrong in ["other", "s3cret", "s3cret-value-and-more", "", "S3CRET-VALUE"] {
            assert!(verify_vapi(wrong, "x-vapi-secret", &h, b"{}", 0).is_err(), "{wrong}");
        }
        let mut h = http::HeaderMap::new();
        h.insert("authorization", "Bearer s3cret-value".parse().unwrap());
        assert_eq!(verify_vapi("s3cret-value", "x-vapi-secret", &h, b"{}", 0), Ok(None));
        let mut h = http::HeaderMap::new();
        let body = br#"{"message":{}}"#;
        let sig = sign_vapi("k", body, "1700000000");
        h.insert("x-timestamp", "1700000000".parse().unwrap());
        h.insert("x-signature", format!("sha256={}", sig.to_uppercase()).parse().unwrap());
        let signed = verify_vapi("k", "x-vapi-secret", &h, body, 1_700_000_000_000).unwrap().unwrap();
        assert_eq!((signed.digest, signed.until), (sig.clone(), 1_700_000_301));
        assert!(
            verify_vapi("k", "x-vapi-secret", &h, body, 1_700_000_000_000 + TOLERANCE_MS + 1_000).is_err()
        );
        h.insert("x-signature", sig[..62].parse().unwrap());
        assert!(verify_vapi("k", "x-vapi-secret", &h, body, 1_700_000_000_000).is_err(), "a short digest");
        h.insert("x-signature", sig.parse().unwrap());
        h.insert("x-timestamp", "-9223372036854775808".parse().unwrap());
        assert!(verify_vapi("k", "x-vapi-secret", &h, body, 1_700_000_000_000).is_err(), "no overflow");
        assert!(verify_vapi("k", "x-vapi-secret", &http::HeaderMap::new(), body, 0).is_err());
    }
}
