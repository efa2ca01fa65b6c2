//! Voice agents through HTTP: signed Retell and Vapi requests, the six tools, retries, reports.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sked_core::Clock;
use sked_server::voice::platform::{sign_retell, sign_vapi};

use crate::helpers::*;

pub(crate) const RETELL_KEY: &str = "key_retell_webhook_0123456789";
const VAPI_SECRET: &str = "vapi-shared-secret-0123";

pub(crate) async fn agent(app: &TestApp, w: &World, platform: &str, secret: &str) -> Value {
    let r = app
        .post(
            "/v1/voice-agents",
            json!({"platform": platform, "platform_agent_id": "agent_1", "event_type_ids": [w.event_type],
            "time_zone": "America/New_York", "secret": secret}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

/// Posts a Retell request signed at the app's current time.
pub(crate) async fn retell(
    app: &TestApp,
    path: &str,
    body: &Value,
    sign_with: Option<&str>,
    skew_ms: i64,
) -> Res {
    let raw = serde_json::to_vec(body).unwrap();
    let mut req = app
        .client
        .post(format!("{}{path}", app.base))
        .header("content-type", "application/json")
        .body(raw.clone());
    if let Some(key) = sign_with {
        let now = app.clock.now().as_millisecond() + skew_ms;
        req = req.header("x-retell-signature", sign_retell(key, &raw, now));
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let text = res.text().await.unwrap();
    Res { status, body: serde_json::from_str(&text).unwrap_or(Value::String(text)), headers }
}

pub(crate) fn tool(name: &str, args: Value, call_id: &str) -> Value {
    json!({"name": name, "args": args, "call": {"call_id": call_id, "call_type": "phone_call", "from_number": "+15551234567",
        "to_number": "+15550000000", "agent_id": "agent_1", "call_status": "ongoing"}})
}

pub(crate) fn speech(r: &Res) -> String {
    r.body["result"].as_str().unwrap_or_else(|| panic!("no result in {}", r.body)).to_owned()
}

#[tokio::test]
async fn voice_agents_are_configured_and_keep_their_secret() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let a = agent(&app, &w, "retell", RETELL_KEY).await;
        assert_eq!((a["has_secret"].as_bool(), a["max_options_spoken"].as_i64(), a["clock"].as_str()), (Some(true), Some(3), Some("12h")));
        assert!(a.get("secret").is_none() && !a.to_string().contains(RETELL_KEY), "the secret is write-only");
        let bad = app.post("/v1/voice-agents", json!({"platform": "zoom", "event_type_ids": [], "time_zone": "Moon", "secret": "x", "clock": "7h"})).await;
        let mut f = bad.fields();
        f.sort();
        assert_eq!(f, vec!["clock", "event_type_ids", "platform", "secret", "time_zone"]);
        let tools = app.get(&format!("/v1/voice-agents/{}/tools", a["id"].as_str().unwrap())).await;
        let names: Vec<&str> = tools.body["tools"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, vec!["check_availability", "find_earliest_availability", "book_appointment", "find_appointment", "reschedule_appointment", "cancel_appointment"]);
        let book = &tools.body["tools"][2];
        assert_eq!((book["type"].as_str(), book["parameters"]["type"].as_str()), (Some("custom"), Some("object")));
        assert!(book["url"].as_str().unwrap().ends_with("/book_appointment"));
        let v = agent(&app, &w, "vapi", VAPI_SECRET).await;
        let tools = app.get(&format!("/v1/voice-agents/{}/tools", v["id"].as_str().unwrap())).await;
        assert_eq!(tools.body["tools"][0]["type"], "function");
        assert_eq!(tools.body["tools"][0]["function"]["name"], "check_availability");
        assert!(tools.body["tools"][0]["server"]["url"].as_str().unwrap().contains("/v1/voice/vapi/"));
        let other = app.new_tenant("Other").await;
        let r = app.call_with("GET", &format!("/v1/voice-agents/{}", a["id"].as_str().unwrap()), None, &other, &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        app
    })
    .await;
}

#[tokio::test]
async fn unsigned_stale_and_forged_requests_do_nothing() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let a = agent(&app, &w, "retell", RETELL_KEY).await;
        let path = format!("/v1/voice/retell/{}", a["id"].as_str().unwrap());
        let book =
            tool("book_appointment", json!({"start": "2026-03-03T14:00:00Z", "name": "Pat"}), "call_x");
        for (key, skew) in [
            (None, 0),
            (Some(RETELL_KEY), 301_000),
            (Some(RETELL_KEY), -301_000),
            (Some("another-key-entirely"), 0),
        ] {
            let r = retell(&app, &path, &book, key, skew).await;
            assert_eq!((r.status, r.code()), (StatusCode::UNAUTHORIZED, "unauthorized"), "{key:?} {skew}");
        }
        assert_eq!(app.get("/v1/bookings").await.body["data"], json!([]), "nothing was booked");
        // Right key, but the agent is a Vapi agent: not found.
        let v = agent(&app, &w, "vapi", VAPI_SECRET).await;
        let r = retell(
            &app,
            &format!("/v1/voice/retell/{}", v["id"].as_str().unwrap()),
            &book,
            Some(VAPI_SECRET),
            0,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        app
    })
    .await;
}

#[tokio::test]
async fn a_call_checks_books_finds_moves_and_cancels() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let a = agent(&app, &w, "retell", RETELL_KEY).await;
        let path = format!("/v1/voice/retell/{}", a["id"].as_str().unwrap());
        // Monday 07:00 New York. "tomorrow afternoon" is Tuesday 13:00-17:00.
        let r = retell(&app, &path, &tool("check_availability", json!({"when": "tomorrow afternoon"}), "call_1"), Some(RETELL_KEY), 0).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(speech(&r), "Tomorrow I have 1, 1:30, or 2 in the afternoon. Which works for you?");
        let first = r.body["data"]["slots"][0]["start"].as_str().unwrap().to_owned();
        assert_eq!(first, "2026-03-03T18:00:00Z");
        // Book it; the phone defaults to the caller's number.
        let book = tool("book_appointment", json!({"start": first, "name": "Pat Lee"}), "call_1");
        let r = retell(&app, &path, &book, Some(RETELL_KEY), 0).await;
        let said = speech(&r);
        assert!(said.starts_with("You're all set for tomorrow at 1 in the afternoon with "), "{said}");
        let booking = r.body["data"]["booking"].clone();
        let code = booking["confirmation_code"].as_str().unwrap();
        assert!(said.ends_with(&format!("Your confirmation code is {}.", code.chars().map(String::from).collect::<Vec<_>>().join(" "))), "{said}");
        assert_eq!((booking["source"].as_str(), booking["attendee"]["phone"].as_str()), (Some("voice"), Some("+15551234567")));
        assert_eq!(booking["metadata"]["voice"]["call_id"], "call_1");
        // Retell retries the same call, signed anew: the same answer, one booking.
        app.clock.advance(jiff::SignedDuration::from_millis(1_500));
        let again = retell(&app, &path, &book, Some(RETELL_KEY), 0).await;
        assert_eq!(speech(&again), said);
        assert_eq!(app.get("/v1/bookings").await.body["data"].as_array().unwrap().len(), 1);
        // A window is not a time: options and a question, no booking.
        let vague = retell(&app, &path, &tool("book_appointment", json!({"when": "Wednesday morning", "name": "Sam"}), "call_2"), Some(RETELL_KEY), 0).await;
                assert!(speech(&vague).starts_with("This Wednesday I have 9, 9:30, or 10 in the morning"), "{}", speech(&vague));
        assert_eq!(vague.body["data"]["booked"], false);
        assert_eq!(app.get("/v1/bookings").await.body["data"].as_array().unwrap().len(), 1);
        // Find it by the caller's number, move it by code, cancel it.
        let found = retell(&app, &path, &tool("find_appointment", json!({}), "call_3"), Some(RETELL_KEY), 0).await;
        assert!(speech(&found).starts_with("I found it: tomorrow at 1 in the afternoon with "), "{}", speech(&found));
        let moved = retell(&app, &path, &tool("reschedule_appointment", json!({"confirmation_code": code.to_lowercase(), "when": "Thursday at 10am"}), "call_3"), Some(RETELL_KEY), 0).await;
                assert!(speech(&moved).starts_with("Done. You're now booked for this Thursday at 10 in the morning with "), "{}", speech(&moved));
        assert_eq!(moved.body["data"]["booking"]["start"], "2026-03-05T15:00:00Z");
        let gone = retell(&app, &path, &tool("cancel_appointment", json!({"phone": "+1 555 123 4567"}), "call_3"), Some(RETELL_KEY), 0).await;
                assert_eq!(speech(&gone), "Your appointment this Thursday at 10 in the morning is cancelled. Is there anything else I can help with?");
        let b = app.get(&format!("/v1/bookings/{}", booking["id"].as_str().unwrap())).await;
        assert_eq!(b.body["status"], "cancelled");
        app
    })
    .await;
}

#[tokio::test]
async fn voice_answers_say_what_is_wrong_and_never_guess() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let a = agent(&app, &w, "retell", RETELL_KEY).await;
        let path = format!("/v1/voice/retell/{}", a["id"].as_str().unwrap());
        let say = |name: &'static str, args: Value| {
            let body = tool(name, args, "call_9");
            let (app, path) = (&app, path.clone());
            async move { speech(&retell(app, &path, &body, Some(RETELL_KEY), 0).await) }
        };
        assert_eq!(say("check_availability", json!({"when": "my name is April"})).await, "I didn't catch a day or time in \"my name is April\". What day works for you?");
        assert_eq!(say("book_appointment", json!({"start": "2026-03-03T14:00:00Z"})).await, "What name should I put the appointment under?");
        assert!(say("find_appointment", json!({"confirmation_code": "ZZZZZZ"})).await.starts_with("I couldn't find a booking with the code Z Z Z Z Z Z."));
        assert!(say("cancel_appointment", json!({"phone": "+15559990000"})).await.starts_with("I couldn't find an upcoming appointment for that phone number."));
        // A taken time offers the nearest free ones.
        app.post(&format!("/v1/hosts/{}/blocks", w.hosts[0]), json!({"start": "2026-03-03T14:00:00Z", "end": "2026-03-03T16:00:00Z"})).await;
        app.post(&format!("/v1/hosts/{}/blocks", w.hosts[1]), json!({"start": "2026-03-03T14:00:00Z", "end": "2026-03-03T16:00:00Z"})).await;
        let r = say("check_availability", json!({"when": "tomorrow at 9"})).await;
                assert_eq!(r, "Tomorrow at 9 in the morning isn't available. Tomorrow I have 11 or 11:30 in the morning or 1 in the afternoon. Would one of those work?");
        let r = say("book_appointment", json!({"when": "tomorrow at 9", "name": "Pat"})).await;
                assert!(r.starts_with("Sorry, tomorrow at 9 in the morning is taken. Tomorrow I have 11"), "{r}");
        // Unknown tools are refused.
        let r = retell(&app, &path, &tool("order_pizza", json!({}), "call_9"), Some(RETELL_KEY), 0).await;
        assert_eq!((r.status, r.code()), (StatusCode::BAD_REQUEST, "unknown_tool"));
        assert_eq!(app.get("/v1/bookings").await.body["data"], json!([]));
        app
    })
    .await;
}

#[tokio::test]
async fn args_only_payloads_and_post_call_reports() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let a = agent(&app, &w, "retell", RETELL_KEY).await;
        let id = a["id"].as_str().unwrap();
        let r = retell(&app, &format!("/v1/voice/retell/{id}/find_earliest_availability"), &json!({}), Some(RETELL_KEY), 0).await;
                assert_eq!(speech(&r), "Today I have 9, 9:30, or 10 in the morning. Those are the earliest times I have. Which works for you?");
        let path = format!("/v1/voice/retell/{id}");
        let r = retell(&app, &path, &tool("book_appointment", json!({"start": "2026-03-03T15:00:00Z", "name": "Pat"}), "call_7"), Some(RETELL_KEY), 0).await;
        let booking_id = r.body["data"]["booking"]["id"].as_str().unwrap().to_owned();
        let analyzed = json!({"event": "call_analyzed", "call": {"call_id": "call_7", "from_number": "+15551234567", "duration_ms": 93000,
            "call_analysis": {"call_summary": "Booked a consultation.", "user_sentiment": "Positive", "call_successful": true}}});
        let r = retell(&app, &path, &analyzed, Some(RETELL_KEY), 0).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        let h = app.get(&format!("/v1/bookings/{booking_id}/history")).await;
        let last = h.body["data"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["action"], "call_analyzed");
        assert_eq!(last["after"]["report"]["call_analysis"]["call_summary"], "Booked a consultation.");
        assert_eq!(last["actor"], "voice:retell");
        app
    })
    .await;
}

#[tokio::test]
async fn vapi_tool_calls_are_answered_per_call_id() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let a = agent(&app, &w, "vapi", VAPI_SECRET).await;
        let url = format!("{}/v1/voice/vapi/{}", app.base, a["id"].as_str().unwrap());
        let msg = json!({"message": {"type": "tool-calls", "call": {"id": "vc_1", "customer": {"number": "+15551234567"}},
            "toolCallList": [
                {"id": "t1", "type": "function", "function": {"name": "check_availability", "arguments": {"when": "tomorrow afternoon"}}},
                {"id": "t2", "type": "function", "function": {"name": "fly_to_mars", "arguments": "{}"}}]}});
        let r = app.client.post(&url).header("x-vapi-secret", VAPI_SECRET).json(&msg).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["results"][0]["toolCallId"], "t1");
        assert_eq!(body["results"][0]["result"], "Tomorrow I have 1, 1:30, or 2 in the afternoon. Which works for you?");
        assert_eq!((body["results"][1]["toolCallId"].as_str(), body["results"][1]["error"].is_string()), (Some("t2"), true));
        let r = app.client.post(&url).header("x-vapi-secret", "wrong").json(&msg).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let r = app.client.post(&url).json(&msg).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let report = json!({"message": {"type": "end-of-call-report", "endedReason": "customer-ended-call", "call": {"id": "vc_1"}}});
        let r = app.client.post(&url).header("authorization", format!("Bearer {VAPI_SECRET}")).json(&report).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        app
    })
    .await;
}

#[tokio::test]
async fn phrases_are_understood_over_http() {
    on_each_store(|app| async move {
        let r = app.post("/v1/time/understand", json!({"text": "next tuesday afternoon", "time_zone": "America/New_York", "now": "2026-03-02T12:00:00Z"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["best"]["kind"], "window");
        assert_eq!(r.body["best"]["start"], "2026-03-10T16:00:00Z");
        assert_eq!(r.body["best"]["end"], "2026-03-10T21:00:00Z");
        let r = app.post("/v1/time/understand", json!({"text": "my name is April", "time_zone": "America/New_York"})).await;
        assert!(r.body["best"].is_null());
        let r = app.post("/v1/time/understand", json!({"text": "today", "time_zone": "Nowhere/Land"})).await;
        assert_eq!(r.fields(), vec!["time_zone"]);
        app
    })
    .await;
}

#[tokio::test]
async fn unsigned_posts_never_spend_the_agents_rate_limit() {
    on_each_store_with(
        |s| {
            s.rate_limit_per_second = 1;
            s.rate_limit_burst = 10;
            s.trust_forwarded_for = true;
        },
        |app| async move {
            let w = world(&app).await;
            let a = agent(&app, &w, "retell", RETELL_KEY).await;
            let path = format!("/v1/voice/retell/{}", a["id"].as_str().unwrap());
            let body = tool("find_earliest_availability", json!({}), "call_lock");
            // Someone who knows the agent's id floods it with unsigned posts: refused, and soon
            // refused at their address before the agent is even loaded.
            let mut codes = std::collections::BTreeMap::new();
            for _ in 0..400 {
                let r = app
                    .client
                    .post(format!("{}{path}", app.base))
                    .header("x-forwarded-for", "203.0.113.9")
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                *codes.entry(r.status().as_u16()).or_insert(0) += 1;
            }
            assert_eq!(
                codes,
                [(401, 20), (429, 380)].into_iter().collect(),
                "20 failures, then the address waits"
            );
            // The genuine call still gets through: the flood spent nothing of the agent's limit.
            let r = retell(&app, &path, &body, Some(RETELL_KEY), 0).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            // Signed requests do spend it.
            let mut limited = 0;
            for _ in 0..20 {
                app.clock.advance(jiff::SignedDuration::from_millis(1));
                let r =
                    retell(&app, &path, &tool("order_pizza", json!({}), "call_lock"), Some(RETELL_KEY), 0)
                        .await;
                limited += usize::from(r.status == StatusCode::TOO_MANY_REQUESTS);
            }
            assert!(limited >= 5, "signed requests spend the agent's bucket ({limited} limited)");
            app
        },
    )
    .await;
}

#[tokio::test]
async fn args_only_book_appointment_reads_name_as_the_callers_name() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let a = agent(&app, &w, "retell", RETELL_KEY).await;
        let path = format!("/v1/voice/retell/{}/book_appointment", a["id"].as_str().unwrap());
        let args = json!({"start": "2026-03-03T15:00:00Z", "name": "Pat Lee", "phone": "+15551234567"});
        let r = retell(&app, &path, &args, Some(RETELL_KEY), 0).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["data"]["booked"], true, "{}", r.body);
        assert_eq!(r.body["data"]["booking"]["attendee"]["name"], "Pat Lee");
        assert_eq!(app.get("/v1/bookings").await.body["data"].as_array().unwrap().len(), 1);
        app
    })
    .await;
}

#[tokio::test]
async fn a_replayed_signed_booking_is_refused_and_books_once() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let a = agent(&app, &w, "retell", RETELL_KEY).await;
        let path = format!("/v1/voice/retell/{}", a["id"].as_str().unwrap());
        let count = || async { app.get("/v1/bookings").await.body["data"].as_array().unwrap().len() };
        // A wrapped call without `call.call_id`: nothing to key a retry on but the signature.
        let args = json!({"start": "2026-03-03T15:00:00Z", "name": "Pat"});
        let book = json!({"name": "book_appointment", "args": args, "call": {"from_number": "+15551234567"}});
        let first = retell(&app, &path, &book, Some(RETELL_KEY), 0).await;
        assert_eq!(first.body["data"]["booked"], true, "{}", first.body);
        let replay = retell(&app, &path, &book, Some(RETELL_KEY), 0).await;
        assert_eq!((replay.status, replay.code()), (StatusCode::CONFLICT, "replayed"), "{}", replay.body);
        assert_eq!(count().await, 1);

        // Another server process on the same database refuses it as well.
        let (other, server) = app.second_server().await;
        let args = json!({"start": "2026-03-03T16:00:00Z", "name": "Sam"});
        let raw = serde_json::to_vec(&json!({"name": "book_appointment", "args": args, "call": {}})).unwrap();
        let sig = sign_retell(RETELL_KEY, &raw, app.clock.now().as_millisecond());
        let mut answers = vec![];
        for base in [&other, &app.base, &other] {
            let req = app.client.post(format!("{base}{path}")).header("x-retell-signature", &sig);
            answers.push(req.body(raw.clone()).send().await.unwrap().status().as_u16());
        }
        server.abort();
        assert_eq!(answers, vec![200, 409, 409]);
        assert_eq!(count().await, 2);

        // Vapi's HMAC signatures, likewise.
        let v = agent(&app, &w, "vapi", VAPI_SECRET).await;
        let url = format!("{}/v1/voice/vapi/{}", app.base, v["id"].as_str().unwrap());
        let args = json!({"start": "2026-03-03T18:00:00Z", "name": "Lee"});
        let function = json!({"name": "book_appointment", "arguments": args});
        let call = json!({"id": "t1", "type": "function", "function": function});
        let msg = json!({"message": {"type": "tool-calls", "call": {}, "toolCallList": [call]}});
        let raw = serde_json::to_vec(&msg).unwrap();
        let ts = app.clock.now().as_second().to_string();
        let sig = sign_vapi(VAPI_SECRET, &raw, &ts);
        let post = || {
            let req = app.client.post(&url).header("x-timestamp", &ts).header("x-signature", &sig);
            req.body(raw.clone()).send()
        };
        let first = post().await.unwrap();
        assert_eq!(first.status(), StatusCode::OK);
        let said = first.text().await.unwrap();
        assert!(said.contains("all set"), "{said}");
        assert_eq!(post().await.unwrap().status(), StatusCode::CONFLICT);
        assert_eq!(count().await, 3);
        // Once the window has closed, the signature is stale anyway.
        app.clock.advance(jiff::SignedDuration::from_secs(301));
        assert_eq!(post().await.unwrap().status(), StatusCode::UNAUTHORIZED);
        app
    })
    .await;
}

#[tokio::test]
async fn unknown_tool_names_are_counted_under_one_label() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let a = agent(&app, &w, "vapi", VAPI_SECRET).await;
        let url = format!("{}/v1/voice/vapi/{}", app.base, a["id"].as_str().unwrap());
        let made_up = format!("exfil_{}", uuid::Uuid::now_v7().simple());
        let msg = json!({"message": {"type": "tool-calls", "call": {"id": "vc_m"},
            "toolCallList": [{"id": "t1", "type": "function", "function": {"name": made_up, "arguments": {}}}]}});
        let r = app.client.post(&url).header("x-vapi-secret", VAPI_SECRET).json(&msg).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let m = app.client.get(format!("{}/metrics", app.base)).send().await.unwrap().text().await.unwrap();
        assert!(!m.contains(&made_up), "a made-up tool name became a label");
        assert!(m.contains(r#"sked_voice_tool_calls_total{platform="vapi",tool="unknown"}"#), "{m}");
        app
    })
    .await;
}
