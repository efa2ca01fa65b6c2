//! Retell's and Vapi's requests: their bodies and their signatures.
//!
//! Input: the first byte picks what is tried.
//! - Bodies (`0`): the rest, when it is JSON, is read as a Retell request (on the shared URL and
//!   on a per-function one) and as a Vapi message. Nothing panics; every tool call's arguments
//!   are an object; call details are short single lines.
//! - Retell (`1`) and Vapi (`2`) signatures: 8 bytes of `now` (Unix ms, little-endian), then
//!   fields separated by 0xFF, the last one the body. Retell: the `X-Retell-Signature` header.
//!   Vapi: the agent's secret header name, then up to three header names and values. Nothing
//!   panics; a request is accepted only when it carries the secret itself or the right
//!   HMAC-SHA256 (computed here, independently) of a fresh timestamp; the genuine signature of
//!   the same body at `now` is accepted, and refused under another key.

#![no_main]

use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use sha2::Sha256;
use sked_voice::{
    CallInfo, RetellRequest, TOLERANCE_MS, VapiRequest, parse_retell, parse_vapi, sign_retell, sign_vapi,
    verify_retell, verify_vapi,
};

const KEY: &str = "key_5f2c8e1a9b7d4c3e";
const OTHER_KEY: &str = "key_5f2c8e1a9b7d4c3f";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 3 {
        0 => bodies(rest),
        1 => retell(rest),
        _ => vapi(rest),
    }
});

fn bodies(data: &[u8]) {
    let Ok(v) = serde_json::from_slice::<Value>(data) else { return };
    for tool in [None, Some("book_appointment")] {
        match parse_retell(&v, tool) {
            Ok(RetellRequest::Tool { call, info }) => {
                assert!(call.args.is_object(), "arguments not an object: {call:?}");
                check_info(&info);
            }
            Ok(RetellRequest::Event { info, .. }) => check_info(&info),
            Err(_) => {}
        }
    }
    match parse_vapi(&v) {
        Ok(VapiRequest::ToolCalls { calls, info }) => {
            assert!(calls.iter().all(|c| c.args.is_object()), "arguments not an object: {calls:?}");
            check_info(&info);
        }
        Ok(VapiRequest::EndOfCall { info, .. }) => check_info(&info),
        Ok(VapiRequest::Other(_)) | Err(_) => {}
    }
}

fn check_info(info: &CallInfo) {
    for s in [&info.call_id, &info.from_number, &info.caller_zone].into_iter().flatten() {
        assert!(!s.is_empty() && s.chars().count() <= 200, "call detail {s:?}");
        assert!(!s.chars().any(char::is_control), "control character in {s:?}");
    }
}

/// `now` and the fields after it; the body is the last field.
fn fields(data: &[u8], n: usize) -> Option<(i64, Vec<&[u8]>)> {
    let (now, rest) = data.split_first_chunk::<8>()?;
    Some((i64::from_le_bytes(*now), rest.splitn(n, |&b| b == 0xFF).collect()))
}

fn mac(key: &str, parts: &[&[u8]]) -> String {
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(key.as_bytes()) else {
        unreachable!("HMAC takes any key")
    };
    parts.iter().for_each(|p| m.update(p));
    hex::encode(m.finalize().into_bytes())
}

fn fresh(now_ms: i64, ts_ms: i64) -> bool {
    now_ms.abs_diff(ts_ms) <= TOLERANCE_MS.unsigned_abs()
}

fn retell(data: &[u8]) {
    let Some((now, f)) = fields(data, 2) else { return };
    let header = std::str::from_utf8(f[0]).ok();
    let body = f.last().copied().unwrap_or_default();
    if let Ok(signed) = verify_retell(KEY, header, body, now) {
        // Accepted: `v=<digits>,d=<the HMAC of body ‖ digits>`, fresh.
        let (v, d) = header.and_then(|h| h.strip_prefix("v=")?.split_once(",d=")).unwrap_or_default();
        assert_eq!(d, mac(KEY, &[body, v.as_bytes()]), "accepted a wrong signature {header:?}");
        assert!(v.parse::<i64>().is_ok_and(|ts| fresh(now, ts)), "accepted a stale signature {header:?}");
        assert_eq!(signed.digest, d);
    }
    // Negative times cannot be written as Retell's digits.
    if now >= 0 {
        let genuine = sign_retell(KEY, body, now);
        assert!(verify_retell(KEY, Some(&genuine), body, now).is_ok(), "refused {genuine}");
        assert!(verify_retell(OTHER_KEY, Some(&genuine), body, now).is_err(), "another key took {genuine}");
    }
}

fn vapi(data: &[u8]) {
    let Some((now, f)) = fields(data, 8) else { return };
    let Some((&body, rest)) = f.split_last() else { return };
    let Some((name, pairs)) = rest.split_first() else { return };
    let secret_header = String::from_utf8_lossy(name).to_ascii_lowercase();
    let mut headers = HeaderMap::new();
    for pair in pairs.chunks(2) {
        if let [n, v] = pair
            && let (Ok(n), Ok(v)) = (HeaderName::from_bytes(n), HeaderValue::from_bytes(v))
        {
            headers.append(n, v);
        }
    }
    let values: Vec<&str> = headers.values().filter_map(|v| v.to_str().ok()).map(str::trim).collect();
    match verify_vapi(KEY, &secret_header, &headers, body, now) {
        Ok(None) => assert!(
            values.iter().any(|v| *v == KEY || v.strip_prefix("Bearer ") == Some(KEY)),
            "accepted without the secret: {headers:?}"
        ),
        Ok(Some(signed)) => {
            // Some x-timestamp, fresh, and an x-signature that is its HMAC with the body.
            let all = |n: &str| headers.get_all(n).iter().filter_map(|v| v.to_str().ok()).map(str::trim);
            let genuine = all("x-timestamp").any(|ts| {
                let ms =
                    ts.parse::<i64>().map(|n| if n > 100_000_000_000 { n } else { n.saturating_mul(1_000) });
                let digest = mac(KEY, &[ts.as_bytes(), b".", body]);
                ms.is_ok_and(|ms| fresh(now, ms))
                    && digest == signed.digest
                    && all("x-signature")
                        .any(|s| s.strip_prefix("sha256=").unwrap_or(s).eq_ignore_ascii_case(&digest))
            });
            assert!(genuine, "accepted a wrong signature: {headers:?}");
        }
        Err(_) => {}
    }
    // The genuine HMAC of this body, at `now` in seconds (larger numbers are taken as ms).
    let seconds = now.div_euclid(1_000);
    if seconds > 100_000_000_000 {
        return;
    }
    let ts = seconds.to_string();
    let mut signed = HeaderMap::new();
    let (Ok(t), Ok(s)) = (HeaderValue::from_str(&ts), HeaderValue::from_str(&sign_vapi(KEY, body, &ts)))
    else {
        return;
    };
    signed.insert("x-timestamp", t);
    signed.insert("x-signature", s);
    assert!(verify_vapi(KEY, "x-vapi-secret", &signed, body, now).is_ok(), "refused the genuine HMAC");
    assert!(verify_vapi(OTHER_KEY, "x-vapi-secret", &signed, body, now).is_err(), "another key took it");
}
