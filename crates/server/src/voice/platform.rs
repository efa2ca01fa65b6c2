//! Retell and Vapi: how they authenticate, and what their requests look like (INTEGRATIONS.md,
//! sections 1 and 2). Parsing is lenient about what may be absent and strict about what must be
//! right (signatures).

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

/// Checks `X-Retell-Signature: v=<unix ms>,d=<hex HMAC-SHA256(key, body ‖ ms)>`.
pub fn verify_retell(
    secret: &str,
    header: Option<&str>,
    body: &[u8],
    now_ms: i64,
) -> Result<(), &'static str> {
    let header = header.ok_or("missing X-Retell-Signature")?;
    let (v, d) = header
        .strip_prefix("v=")
        .and_then(|rest| rest.split_once(",d="))
        .ok_or("malformed X-Retell-Signature")?;
    if v.is_empty()
        || !v.bytes().all(|b| b.is_ascii_digit())
        || d.len() != 64
        || !d.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return Err("malformed X-Retell-Signature");
    }
    let ts: i64 = v.parse().map_err(|_| "malformed X-Retell-Signature")?;
    if (now_ms - ts).abs() > TOLERANCE_MS {
        return Err("stale X-Retell-Signature");
    }
    let expected = hex_hmac(secret.as_bytes(), &[body, v.as_bytes()]).ok_or("bad key")?;
    if same(&expected, d) { Ok(()) } else { Err("wrong X-Retell-Signature") }
}

/// Signs like Retell does (for tests and stand-ins).
pub fn sign_retell(secret: &str, body: &[u8], ts_ms: i64) -> String {
    let ts = ts_ms.to_string();
    format!("v={ts},d={}", hex_hmac(secret.as_bytes(), &[body, ts.as_bytes()]).unwrap_or_default())
}

/// Checks a Vapi request: the secret in `header` (default `x-vapi-secret`) or as a bearer token,
/// or an HMAC-SHA256 `x-signature` (hex, optionally `sha256=`) of `{timestamp}.{body}` with an
/// `x-timestamp` (seconds or milliseconds) within 5 minutes.
pub fn verify_vapi(
    secret: &str,
    header_name: &str,
    headers: &axum::http::HeaderMap,
    body: &[u8],
    now_ms: i64,
) -> Result<(), &'static str> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(given) = get(header_name) {
        return if same(given.strip_prefix("Bearer ").unwrap_or(given), secret) {
            Ok(())
        } else {
            Err("wrong Vapi secret")
        };
    }
    if let Some(given) = get("authorization").and_then(|a| a.strip_prefix("Bearer ")) {
        return if same(given, secret) { Ok(()) } else { Err("wrong Vapi secret") };
    }
    if let (Some(sig), Some(ts)) = (get("x-signature"), get("x-timestamp")) {
        let n: i64 = ts.parse().map_err(|_| "malformed x-timestamp")?;
        let ms = if n > 100_000_000_000 { n } else { n * 1_000 };
        if (now_ms - ms).abs() > TOLERANCE_MS {
            return Err("stale x-timestamp");
        }
        let expected = hex_hmac(secret.as_bytes(), &[ts.as_bytes(), b".", body]).ok_or("bad key")?;
        let sig = sig.strip_prefix("sha256=").unwrap_or(sig);
        return if same(&expected, &sig.to_ascii_lowercase()) { Ok(()) } else { Err("wrong x-signature") };
    }
    Err("missing Vapi credentials")
}

/// What Retell sent.
#[derive(Clone, Debug, PartialEq)]
pub enum RetellRequest {
    /// A custom function call (`{name, args, call}`, or the args alone with the name in the URL).
    Tool { call: ToolCall, info: CallInfo },
    /// A call event (`call_started`, `call_ended`, `call_analyzed`, ...).
    Event { event: String, info: CallInfo, call: Value },
}

/// Reads a Retell request; `tool_in_path` is the function named by the URL, if any.
pub fn parse_retell(body: &Value, tool_in_path: Option<&str>) -> Result<RetellRequest, String> {
    if let Some(event) = body.get("event").and_then(Value::as_str)
        && body.get("args").is_none()
        && tool_in_path.is_none()
    {
        let call = body.get("call").cloned().unwrap_or(Value::Null);
        return Ok(RetellRequest::Event { event: event.to_owned(), info: retell_info(&call), call });
    }
    let wrapped = body.get("args").is_some() || body.get("call").is_some() || body.get("name").is_some();
    let name = tool_in_path
        .map(str::to_owned)
        .or_else(|| body.get("name").and_then(Value::as_str).map(str::to_owned))
        .ok_or("the request names no function (send {name, args, call} or use the per-function URL)")?;
    let (args, call) = if wrapped {
        (
            body.get("args").cloned().unwrap_or(Value::Object(Default::default())),
            body.get("call").cloned().unwrap_or(Value::Null),
        )
    } else {
        (body.clone(), Value::Null)
    };
    Ok(RetellRequest::Tool {
        call: ToolCall { id: None, name, args: object(args) },
        info: retell_info(&call),
    })
}

fn retell_info(call: &Value) -> CallInfo {
    let s = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let vars = &call["retell_llm_dynamic_variables"];
    CallInfo {
        call_id: s(&call["call_id"]),
        from_number: s(&call["from_number"]),
        caller_zone: s(&vars["time_zone"]).or_else(|| s(&call["metadata"]["time_zone"])),
    }
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

/// Reads a Vapi server message (`{"message": {...}}`).
pub fn parse_vapi(body: &Value) -> Result<VapiRequest, String> {
    let m = body.get("message").ok_or("the body has no `message`")?;
    let kind = m.get("type").and_then(Value::as_str).ok_or("the message has no `type`")?;
    let s = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn retell_signatures_match_the_documented_vector() {
        let body = br#"{"event":"call_ended"}"#;
        let header = "v=1700000000000,d=07024cabe7dd8f6d1c6e4a8324ca92c812e6ad4a7ee506c04f7e462e3321823e";
        assert_eq!(sign_retell("test-api-key", body, 1_700_000_000_000), header);
        assert_eq!(
            verify_retell("test-api-key", Some(header), body, 1_700_000_000_000 + TOLERANCE_MS),
            Ok(())
        );
        assert!(
            verify_retell("test-api-key", Some(header), body, 1_700_000_000_000 + TOLERANCE_MS + 1).is_err()
        );
        assert!(verify_retell("other-key", Some(header), body, 1_700_000_000_000).is_err());
        assert!(
            verify_retell("test-api-key", Some(header), br#"{"event":"call_started"}"#, 1_700_000_000_000)
                .is_err()
        );
        assert!(
            verify_retell("test-api-key", Some(&header.to_uppercase()), body, 1_700_000_000_000).is_err()
        );
        assert!(verify_retell("test-api-key", None, body, 1_700_000_000_000).is_err());
    }

    #[test]
    fn retell_tool_calls_in_both_forms() {
        let wrapped = json!({"name": "book_appointment", "args": {"name": "Pat"}, "call": {"call_id": "c1", "from_number": "+15551234567",
            "retell_llm_dynamic_variables": {"time_zone": "America/Denver"}}});
        let RetellRequest::Tool { call, info } = parse_retell(&wrapped, None).unwrap() else { panic!() };
        assert_eq!((call.name.as_str(), call.args["name"].as_str()), ("book_appointment", Some("Pat")));
        assert_eq!(
            info,
            CallInfo {
                call_id: Some("c1".into()),
                from_number: Some("+15551234567".into()),
                caller_zone: Some("America/Denver".into())
            }
        );
        let bare = json!({"when": "tomorrow"});
        let RetellRequest::Tool { call, info } = parse_retell(&bare, Some("check_availability")).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (call.name.as_str(), call.args["when"].as_str(), info.call_id),
            ("check_availability", Some("tomorrow"), None)
        );
        assert!(parse_retell(&bare, None).is_err());
        let event = json!({"event": "call_analyzed", "call": {"call_id": "c1", "call_analysis": {"call_summary": "booked"}}});
        assert!(
            matches!(parse_retell(&event, None).unwrap(), RetellRequest::Event { event, .. } if event == "call_analyzed")
        );
    }

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
    fn vapi_secrets_and_hmac() {
        let mut h = axum::http::HeaderMap::new();
        h.insert("x-vapi-secret", "s3cret-value".parse().unwrap());
        assert_eq!(verify_vapi("s3cret-value", "x-vapi-secret", &h, b"{}", 0), Ok(()));
        assert!(verify_vapi("other", "x-vapi-secret", &h, b"{}", 0).is_err());
        let mut h = axum::http::HeaderMap::new();
        h.insert("authorization", "Bearer s3cret-value".parse().unwrap());
        assert_eq!(verify_vapi("s3cret-value", "x-vapi-secret", &h, b"{}", 0), Ok(()));
        let mut h = axum::http::HeaderMap::new();
        let body = br#"{"message":{}}"#;
        let sig = hex_hmac(b"k", &[b"1700000000", b".", body]).unwrap();
        h.insert("x-timestamp", "1700000000".parse().unwrap());
        h.insert("x-signature", format!("sha256={sig}").parse().unwrap());
        assert_eq!(verify_vapi("k", "x-vapi-secret", &h, body, 1_700_000_000_000), Ok(()));
        assert!(
            verify_vapi("k", "x-vapi-secret", &h, body, 1_700_000_000_000 + TOLERANCE_MS + 1_000).is_err()
        );
        assert!(verify_vapi("k", "x-vapi-secret", &axum::http::HeaderMap::new(), body, 0).is_err());
    }
}
