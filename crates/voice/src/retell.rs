//! Retell: the `X-Retell-Signature` check and the two shapes of a custom-function call.

use serde_json::Value;

use super::{CallInfo, Signed, TOLERANCE_MS, ToolCall, hex_hmac, hmac, mac_matches, object};

/// Checks `X-Retell-Signature: v=<unix ms>,d=<hex HMAC-SHA256(key, body ‖ ms)>`.
pub fn verify_retell(
    secret: &str,
    header: Option<&str>,
    body: &[u8],
    now_ms: i64,
) -> Result<Signed, &'static str> {
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
    if now_ms.abs_diff(ts) > TOLERANCE_MS.unsigned_abs() {
        return Err("stale X-Retell-Signature");
    }
    let expected = hmac(secret.as_bytes(), &[body, v.as_bytes()]).ok_or("bad key")?;
    if mac_matches(&expected, d) { Ok(Signed::new(&expected, ts)) } else { Err("wrong X-Retell-Signature") }
}

/// Signs like Retell does (for tests and stand-ins).
pub fn sign_retell(secret: &str, body: &[u8], ts_ms: i64) -> String {
    let ts = ts_ms.to_string();
    format!("v={ts},d={}", hex_hmac(secret.as_bytes(), &[body, ts.as_bytes()]).unwrap_or_default())
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
///
/// On the per-function URL the path names the function, and the body is Retell's wrapped form
/// only when it carries `args` or `call` as an object (Retell always sends `args`); otherwise it
/// is the arguments alone, where `name` is an argument (the caller's name), not the function.
pub fn parse_retell(body: &Value, tool_in_path: Option<&str>) -> Result<RetellRequest, String> {
    if let Some(event) = body.get("event").and_then(Value::as_str)
        && body.get("args").is_none()
        && tool_in_path.is_none()
    {
        let call = body.get("call").cloned().unwrap_or(Value::Null);
        return Ok(RetellRequest::Event { event: event.to_owned(), info: retell_info(&call), call });
    }
    let wrapped =
        body.get("args").is_some_and(Value::is_object) || body.get("call").is_some_and(Value::is_object);
    let part = |key: &str, default: Value| body.get(key).cloned().unwrap_or(default);
    let (name, args, call) = match tool_in_path {
        Some(tool) if !wrapped => (tool.to_owned(), body.clone(), Value::Null),
        Some(tool) => (tool.to_owned(), part("args", Value::Null), part("call", Value::Null)),
        None => {
            let name = body.get("name").and_then(Value::as_str).ok_or(
                "the request names no function (send {name, args, call} or use the per-function URL)",
            )?;
            (name.to_owned(), part("args", Value::Null), part("call", Value::Null))
        }
    };
    Ok(RetellRequest::Tool {
        call: ToolCall { id: None, name, args: object(args) },
        info: retell_info(&call),
    })
}

fn retell_info(call: &Value) -> CallInfo {
    let s = super::info_field;
    let vars = &call["retell_llm_dynamic_variables"];
    CallInfo {
        call_id: s(&call["call_id"]),
        from_number: s(&call["from_number"]),
        caller_zone: s(&vars["time_zone"]).or_else(|| s(&call["metadata"]["time_zone"])),
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
            Ok(Signed {
                digest: "07024cabe7dd8f6d1c6e4a8324ca92c812e6ad4a7ee506c04f7e462e3321823e".into(),
                until: 1_700_000_301
            })
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

    /// Which function, which arguments, which call: the wrapped form and the arguments alone,
    /// on the shared URL and on the per-function one.
    #[test]
    fn retell_bodies_are_read_as_wrapped_or_args_only() {
        let call = json!({"call_id": "c9"});
        // Body, tool in the path; the function, arguments and call id read.
        type Row = (Value, Option<&'static str>, &'static str, Value, Option<&'static str>);
        let table: Vec<Row> = vec![
            // The arguments alone, with the caller's `name` among them.
            (
                json!({"name": "Pat", "start": "2026-03-03T15:00:00Z"}),
                Some("book_appointment"),
                "book_appointment",
                json!({"name": "Pat", "start": "2026-03-03T15:00:00Z"}),
                None,
            ),
            (
                json!({"name": "Pat"}),
                Some("book_appointment"),
                "book_appointment",
                json!({"name": "Pat"}),
                None,
            ),
            (json!({}), Some("find_earliest_availability"), "find_earliest_availability", json!({}), None),
            // Wrapped on the per-function URL: the path names the function.
            (
                json!({"name": "book_appointment", "args": {"name": "Pat"}, "call": call}),
                Some("book_appointment"),
                "book_appointment",
                json!({"name": "Pat"}),
                Some("c9"),
            ),
            (
                json!({"name": "book", "args": {"name": "Pat"}}),
                Some("book_appointment"),
                "book_appointment",
                json!({"name": "Pat"}),
                None,
            ),
            (
                json!({"call": call, "name": "Pat"}),
                Some("book_appointment"),
                "book_appointment",
                json!({}),
                Some("c9"),
            ),
            // `args` that is not an object is an argument like any other.
            (
                json!({"name": "Pat", "args": "x"}),
                Some("book_appointment"),
                "book_appointment",
                json!({"name": "Pat", "args": "x"}),
                None,
            ),
            // The shared URL: always wrapped.
            (
                json!({"name": "book_appointment", "args": {"name": "Pat"}, "call": call}),
                None,
                "book_appointment",
                json!({"name": "Pat"}),
                Some("c9"),
            ),
            (
                json!({"name": "book_appointment", "args": "{\"name\":\"Pat\"}"}),
                None,
                "book_appointment",
                json!({"name": "Pat"}),
                None,
            ),
            (
                json!({"name": "find_earliest_availability"}),
                None,
                "find_earliest_availability",
                json!({}),
                None,
            ),
            (json!({"name": "Pat", "start": "2026-03-03T15:00:00Z"}), None, "Pat", json!({}), None),
        ];
        for (body, tool, name, args, call_id) in table {
            let Ok(RetellRequest::Tool { call, info }) = parse_retell(&body, tool) else {
                panic!("{body} on {tool:?} is not a tool call")
            };
            assert_eq!(
                (call.name.as_str(), &call.args, info.call_id.as_deref()),
                (name, &args, call_id),
                "{body} on {tool:?}"
            );
        }
        assert!(parse_retell(&json!({"start": "x"}), None).is_err(), "no function named");
        let event = json!({"event": "call_ended", "call": call});
        assert!(matches!(parse_retell(&event, None), Ok(RetellRequest::Event { .. })));
        assert!(matches!(parse_retell(&event, Some("find_appointment")), Ok(RetellRequest::Tool { .. })));
    }
}
