//! The voice tools over MCP: `POST /mcp` spoken to as JSON-RPC, the official Python SDK over
//! HTTP and over `sked mcp`'s stdio, and the tool definitions in other shapes.

use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::helpers::*;

/// A JSON-RPC message to `/mcp` (with a query) under `key`.
async fn rpc_at(app: &TestApp, query: &str, key: &str, body: Value) -> Res {
    let req = app
        .client
        .post(format!("{}/mcp{query}", app.base))
        .bearer_auth(key)
        .header("accept", "application/json, text/event-stream")
        .json(&body);
    TestApp::send(req).await
}

async fn rpc(app: &TestApp, body: Value) -> Res {
    rpc_at(app, "", &app.key, body).await
}

fn call(name: &str, args: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": name, "arguments": args}})
}

fn list() -> Value {
    json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}})
}

/// A tool's answer: its text, its structured content, whether it is an error.
async fn tool(app: &TestApp, query: &str, name: &str, args: Value) -> (String, Value, bool) {
    let r = rpc_at(app, query, &app.key, call(name, args)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let result = &r.body["result"];
    let text =
        result["content"][0]["text"].as_str().unwrap_or_else(|| panic!("no text in {}", r.body)).to_owned();
    (text, result["structuredContent"].clone(), result["isError"].as_bool().unwrap_or(false))
}

fn names(tools: &Value) -> Vec<&str> {
    tools.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect()
}

const TOOLS: [&str; 6] = [
    "check_availability",
    "find_earliest_availability",
    "book_appointment",
    "find_appointment",
    "reschedule_appointment",
    "cancel_appointment",
];

#[tokio::test]
async fn mcp_books_moves_and_cancels_and_a_retried_call_changes_nothing() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let init = rpc(&app, json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}})).await;
        assert_eq!(init.status, StatusCode::OK, "{}", init.body);
        assert_eq!(init.body["result"]["serverInfo"]["name"], "sked");
        assert!(init.body["result"]["capabilities"]["tools"].is_object(), "{}", init.body);
        let r = rpc(&app, json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
        // One event type: `event_type_id` is offered, not required.
        let tools = rpc(&app, list()).await.body["result"]["tools"].clone();
        assert_eq!(names(&tools), TOOLS);
        let book = &tools[2]["inputSchema"];
        assert_eq!(book["required"], json!(["name"]));
        for field in ["start", "name", "event_type_id", "time_zone", "idempotency_key"] {
            assert_eq!(book["properties"][field]["type"], "string", "{field} in {book}");
        }
        assert!(tools[0]["inputSchema"]["properties"].get("idempotency_key").is_none(), "only changes take a key");
        let ny = json!("America/New_York");
        let (said, data, _) = tool(&app, "", "check_availability", json!({"when": "tomorrow afternoon", "time_zone": ny})).await;
        assert_eq!(said, "Tomorrow I have 1, 1:30, or 2 in the afternoon. Which works for you?");
        assert_eq!(data["slots"][0]["start"], "2026-03-03T18:00:00Z");
        // Booked once, however often the call is retried.
        let args = json!({"start": "2026-03-03T18:00:00Z", "name": "Pat Lee", "email": "pat@example.test",
            "time_zone": ny, "idempotency_key": "mcp-book-1"});
        let (said, first, err) = tool(&app, "", "book_appointment", args.clone()).await;
        assert!(!err && said.starts_with("You're all set for tomorrow at 1 in the afternoon with "), "{said}");
        let (said_again, again, _) = tool(&app, "", "book_appointment", args).await;
        assert_eq!((said_again, &again), (said, &first));
        let code = first["booking"]["confirmation_code"].as_str().unwrap().to_owned();
        let listed = app.get("/v1/bookings").await.body["data"].clone();
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
        assert_eq!(listed[0]["event_type_id"], w.event_type.as_str());
        // The same key with other arguments is another call (it books the other time).
        let other = json!({"start": "2026-03-03T18:30:00Z", "name": "Pat Lee", "time_zone": ny, "idempotency_key": "mcp-book-1"});
        let (_, d, _) = tool(&app, "", "book_appointment", other).await;
        assert_eq!(d["booked"], true);
        assert_ne!(d["booking"]["id"], first["booking"]["id"]);
        let (said, found, _) = tool(&app, "", "find_appointment", json!({"confirmation_code": code, "time_zone": ny})).await;
        assert!(said.starts_with("I found it: tomorrow at 1 in the afternoon"), "{said}");
        assert_eq!(found["booking"]["id"], first["booking"]["id"]);
        let mv = json!({"confirmation_code": code, "when": "2026-03-04T15:00:00Z", "time_zone": ny, "idempotency_key": "mcp-move-1"});
        let (said, moved, _) = tool(&app, "", "reschedule_appointment", mv.clone()).await;
        assert!(said.starts_with("Done. You're now booked for this Wednesday at 10 in the morning"), "{said}");
        assert_eq!(moved["booking"]["start"], "2026-03-04T15:00:00Z");
        let (again, moved_again, _) = tool(&app, "", "reschedule_appointment", mv).await;
        assert_eq!((again, moved_again["booking"]["start"].clone()), (said, json!("2026-03-04T15:00:00Z")));
        let cancel = json!({"confirmation_code": code, "reason": "plans changed", "time_zone": ny, "idempotency_key": "mcp-cancel-1"});
        let (said, cancelled, _) = tool(&app, "", "cancel_appointment", cancel.clone()).await;
        assert!(said.starts_with("Your appointment this Wednesday at 10 in the morning is cancelled."), "{said}");
        assert_eq!(cancelled["booking"]["status"], "cancelled");
        let (said_again, again, _) = tool(&app, "", "cancel_appointment", cancel).await;
        assert_eq!(again["cancelled"], true);
        assert_eq!(said_again, said, "a retried cancel answers as the first did");
        let b = app.get(&format!("/v1/bookings/{}", first["booking"]["id"].as_str().unwrap())).await;
        assert_eq!((b.body["status"].as_str(), b.body["start"].as_str()), (Some("cancelled"), Some("2026-03-04T15:00:00Z")));
        let history = app.get(&format!("/v1/bookings/{}/history", first["booking"]["id"].as_str().unwrap())).await;
        let actions: Vec<&str> =
            history.body["data"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
        assert_eq!(actions.iter().filter(|a| **a == "rescheduled").count(), 1, "{actions:?}");
        app
    })
    .await;
}

#[tokio::test]
async fn mcp_wants_the_tenant_key_and_a_message() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let bare = app.client.post(format!("{}/mcp", app.base)).json(&list()).send().await.unwrap();
        assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(rpc_at(&app, "", "sk_not_a_key_at_all_0123456789", list()).await.status, StatusCode::UNAUTHORIZED);
        // Another tenant's agent is not found.
        let a = app.post("/v1/voice-agents", json!({"platform": "vapi", "event_type_ids": [w.event_type],
            "time_zone": "America/New_York", "secret": "vapi-shared-secret-0123"})).await;
        let other = app.new_tenant("Other").await;
        let r = rpc_at(&app, &format!("?agent={}", a.id()), &other, list()).await;
        assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"));
        // What is not one JSON-RPC message gets a JSON-RPC error.
        let raw = |body: &'static str| {
            app.client.post(format!("{}/mcp", app.base)).bearer_auth(&app.key).header("content-type", "application/json").body(body)
        };
        for (body, code) in [("{not json", -32700), ("", -32700), ("[]", -32600), (r#"{"jsonrpc":"2.0","id":1}"#, -32600),
            (r#"{"jsonrpc":"1.0","id":1,"method":"tools/list"}"#, -32600), ("{\"a\":1}", -32600)] {
            let r = TestApp::send(raw(body)).await;
            assert_eq!((r.status, r.body["error"]["code"].as_i64()), (StatusCode::BAD_REQUEST, Some(code)), "{body}: {}", r.body);
        }
        let big = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "book_appointment",
            "arguments": {"name": "x".repeat(70_000)}}});
        assert_eq!(rpc(&app, big).await.status, StatusCode::PAYLOAD_TOO_LARGE);
        let text = app.client.post(format!("{}/mcp", app.base)).bearer_auth(&app.key).header("content-type", "text/plain");
        let r = TestApp::send(text.body("x")).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        // Plain HTTP clients need not name both media types.
        let r = TestApp::send(app.client.post(format!("{}/mcp", app.base)).bearer_auth(&app.key).json(&list())).await;
        assert_eq!(names(&r.body["result"]["tools"]).len(), 6, "{}", r.body);
        // An unknown tool is a JSON-RPC error; bad MCP arguments are tool errors naming them.
        let r = rpc(&app, call("order_pizza", json!({}))).await;
        assert_eq!(r.body["error"]["code"], -32602, "{}", r.body);
        for (args, field) in [(json!({"idempotency_key": 12, "name": "Pat"}), "idempotency_key"),
            (json!({"idempotency_key": "caf\u{e9}", "name": "Pat"}), "idempotency_key"),
            (json!({"time_zone": "Mars/Olympus", "name": "Pat"}), "time_zone"),
            (json!({"event_type_id": "nope", "name": "Pat"}), "event_type_id"),
            (json!({"event_type_id": uuid::Uuid::now_v7(), "name": "Pat"}), "event_type_id")] {
            let (_, data, err) = tool(&app, "", "book_appointment", args).await;
            assert!(err && data["field"] == field, "{data}");
        }
        let r = rpc(&app, json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "find_appointment", "arguments": "x"}})).await;
        assert!(r.body["error"]["code"].is_i64(), "a JSON-RPC error: {}", r.body);
        assert_eq!(app.get("/v1/bookings").await.body["data"], json!([]));
        app
    })
    .await;
}

#[tokio::test]
async fn an_agent_brings_its_event_types_and_zone_and_without_one_the_tools_ask() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let second = app.post("/v1/event-types", json!({"slug": "long", "title": "Long visit", "duration_minutes": 60,
            "host_ids": w.hosts, "assignment": "round_robin"})).await;
        assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
        // Without an agent, two event types make `event_type_id` required.
        let tools = rpc(&app, list()).await.body["result"]["tools"].clone();
        assert_eq!(tools[0]["inputSchema"]["required"], json!(["event_type_id"]));
        assert_eq!(tools[2]["inputSchema"]["required"], json!(["name", "event_type_id"]));
        let (said, data, err) = tool(&app, "", "check_availability", json!({"when": "tomorrow afternoon"})).await;
        assert!(err && data["field"] == "event_type_id", "{said} {data}");
        // The zone is the first host's unless told; times are said in the one given.
        let et = json!(w.event_type);
        let (said, _, _) = tool(&app, "", "check_availability", json!({"when": "tomorrow afternoon", "event_type_id": et})).await;
        assert_eq!(said, "Tomorrow I have 1, 1:30, or 2 in the afternoon. Which works for you?");
        let (said, _, _) = tool(&app, "", "find_earliest_availability", json!({"event_type_id": et, "time_zone": "Europe/London"})).await;
        assert!(said.starts_with("Today I have 2, 2:30, or 3 in the afternoon."), "{said}");
        let (_, data, _) = tool(&app, "", "find_earliest_availability", json!({"event_type_id": second.id()})).await;
        let (start, end) = (&data["slots"][0]["start"], &data["slots"][0]["end"]);
        let minutes = |t: &Value| t.as_str().unwrap().parse::<jiff::Timestamp>().unwrap().as_second() / 60;
        assert_eq!(minutes(end) - minutes(start), 60, "the long visit's slots: {data}");
        // An agent of the tenant: its event types and zone, no MCP-only settings offered.
        let a = app.post("/v1/voice-agents", json!({"platform": "retell", "event_type_ids": [w.event_type, second.id()],
            "default_event_type_id": second.id(), "time_zone": "America/Chicago", "secret": "key_retell_webhook_0123"})).await;
        let q = format!("?agent={}", a.id());
        let tools = rpc_at(&app, &q, &app.key, list()).await.body["result"]["tools"].clone();
        assert_eq!(names(&tools), TOOLS);
        for t in tools.as_array().unwrap() {
            let props = &t["inputSchema"]["properties"];
            assert!(props.get("event_type_id").is_none() && props.get("time_zone").is_none(), "{t}");
        }
        assert_eq!(tools[2]["inputSchema"]["required"], json!(["name"]));
        let (said, data, _) = tool(&app, &q, "check_availability", json!({"when": "tomorrow afternoon", "event_type": "consult"})).await;
        assert_eq!(said, "Tomorrow I have noon or 12:30 or 1 in the afternoon. Which works for you?");
        assert_eq!(data["slots"][0]["start"], "2026-03-03T18:00:00Z");
        let (said, data, _) = tool(&app, &q, "book_appointment", json!({"when": "tomorrow at noon", "name": "Ray", "event_type": "consult", "idempotency_key": "a1"})).await;
        assert_eq!(data["booked"], true, "{said}");
        assert_eq!(data["booking"]["metadata"]["voice"]["voice_agent_id"], a.id().as_str());
        // An agent speaking Spanish: its tools are described, and answer, in Spanish.
        let es = app.patch(&format!("/v1/voice-agents/{}", a.id()), json!({"language": "es"})).await;
        assert_eq!(es.status, StatusCode::OK, "{}", es.body);
        let spanish = rpc_at(&app, &q, &app.key, list()).await.body["result"]["tools"].clone();
        assert_eq!(names(&spanish), TOOLS);
        assert_ne!(spanish[2]["description"], tools[2]["description"]);
        assert_eq!(spanish[2]["inputSchema"]["properties"]["idempotency_key"]["type"], "string");
        let (said, _, _) = tool(&app, &q, "book_appointment", json!({"start": "2026-03-03T19:00:00Z", "event_type": "consult"})).await;
        assert_eq!(said, "¿A nombre de quién pongo la cita?");
        let r = rpc_at(&app, "?agent=not-a-uuid", &app.key, list()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        app
    })
    .await;
}

#[tokio::test]
async fn tool_definitions_come_in_each_shape() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let a = app
            .post(
                "/v1/voice-agents",
                json!({"platform": "retell", "event_type_ids": [w.event_type],
            "time_zone": "America/New_York", "secret": "key_retell_webhook_0123"}),
            )
            .await;
        let path = format!("/v1/voice-agents/{}/tools", a.id());
        let default = app.get(&path).await.body;
        assert_eq!(
            (default["platform"].as_str(), default["tools"][0]["type"].as_str()),
            (Some("retell"), Some("custom"))
        );
        assert_eq!(app.get(&format!("{path}?format=retell")).await.body, default);
        let vapi = app.get(&format!("{path}?format=vapi")).await.body;
        assert_eq!(
            (vapi["platform"].as_str(), vapi["tools"][0]["server"]["url"].is_string()),
            (Some("retell"), true)
        );
        let openai = app.get(&format!("{path}?format=openai")).await.body["tools"].clone();
        let names: Vec<&str> =
            openai.as_array().unwrap().iter().map(|t| t["function"]["name"].as_str().unwrap()).collect();
        assert_eq!(names, TOOLS);
        let book = &openai[2];
        assert_eq!(book["type"], "function");
        assert_eq!(book["function"]["parameters"]["required"], json!(["name"]));
        assert!(book["function"]["description"].as_str().unwrap().starts_with("Book a time"));
        assert_eq!(book["function"]["parameters"]["properties"]["idempotency_key"]["type"], "string");
        assert_eq!(book.as_object().unwrap().len(), 2, "{book}");
        let anthropic = app.get(&format!("{path}?format=anthropic")).await.body["tools"].clone();
        assert_eq!(names_of(&anthropic), TOOLS);
        let t = anthropic[2].as_object().unwrap();
        let mut keys: Vec<&String> = t.keys().collect();
        keys.sort();
        assert_eq!(keys, ["description", "input_schema", "name"]);
        assert_eq!(anthropic[2]["input_schema"], book["function"]["parameters"]);
        // The same schemas MCP lists for the agent.
        let mcp = rpc_at(&app, &format!("?agent={}", a.id()), &app.key, list()).await.body["result"]["tools"]
            .clone();
        assert_eq!(mcp[2]["inputSchema"], anthropic[2]["input_schema"]);
        let bad = app.get(&format!("{path}?format=gemini")).await;
        assert_eq!((bad.status, bad.fields()), (StatusCode::UNPROCESSABLE_ENTITY, vec!["format".to_owned()]));
        assert_eq!(bad.headers["content-type"], "application/problem+json");
        app
    })
    .await;
}

fn names_of(tools: &Value) -> Vec<&str> {
    names(tools)
}

fn python() -> Option<String> {
    let python = std::env::var("SKED_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&python)
        .args(["-c", "import mcp.client.streamable_http"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        sked_test_utils::skip_notice(&format!(
            "MCP client tests are skipped: the `mcp` Python SDK is not installed for {python} (scripts/test installs it)"
        ));
        return None;
    }
    Some(python)
}

/// Runs the Python SDK's client script; what it saw.
async fn python_client(python: &str, args: &[&str]) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api/mcp/client.py");
    let out = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::process::Command::new(python).arg(script).args(args).kill_on_drop(true).output(),
    )
    .await
    .expect("the MCP client finished")
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "client failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// What the Python client saw, as both transports must show it.
fn check_client_session(seen: &Value) {
    assert_eq!(seen["tools"], json!(TOOLS), "{seen}");
    assert_eq!(seen["book_schema"]["properties"]["idempotency_key"]["type"], "string");
    assert!(seen["availability"]["text"].as_str().is_some_and(|t| !t.is_empty()), "{seen}");
    let (first, again) = (&seen["booked"], &seen["booked_again"]);
    assert_eq!(first["data"]["booked"], true, "{seen}");
    assert_eq!(first, again, "a retried call answers the first result");
    assert_eq!(seen["found"]["data"]["booking"]["id"], first["data"]["booking"]["id"]);
    assert_eq!(seen["moved"]["data"]["rescheduled"], true, "{seen}");
    assert_eq!(seen["moved"], seen["moved_again"]);
    assert_eq!(seen["cancelled"]["data"]["booking"]["status"], "cancelled", "{seen}");
}

#[tokio::test]
async fn the_python_sdk_books_through_mcp_over_http() {
    let Some(python) = python() else { return };
    on_each_store(|app| {
        let python = python.clone();
        async move {
            world(&app).await;
            let seen = python_client(&python, &["http", &format!("{}/mcp", app.base), &app.key]).await;
            check_client_session(&seen);
            let bookings = app.get("/v1/bookings?status=cancelled").await.body["data"].clone();
            assert_eq!(bookings.as_array().unwrap().len(), 1, "booked once: {bookings}");
            app
        }
    })
    .await;
}

#[tokio::test]
async fn the_python_sdk_books_through_sked_mcp_over_stdio() {
    let Some(python) = python() else { return };
    on_each_store(|app| {
        let python = python.clone();
        async move {
            world(&app).await;
            let url = app.state.settings.database_url.clone();
            let seen = python_client(&python, &["stdio", crate::process::SKED, &app.key, &url]).await;
            check_client_session(&seen);
            let bookings = app.get("/v1/bookings").await.body["data"].clone();
            assert_eq!(bookings.as_array().unwrap().len(), 1, "booked once: {bookings}");
            app
        }
    })
    .await;
}

/// `sked mcp` speaks newline-delimited JSON-RPC on stdout and nothing else, even with logs on.
#[tokio::test]
async fn sked_mcp_keeps_stdout_for_the_protocol() {
    on_each_store(|app| async move {
        world(&app).await;
        let mut child = tokio::process::Command::new(crate::process::SKED)
            .arg("mcp")
            .env("SKED_DATABASE_URL", &app.state.settings.database_url)
            .env("SKED_API_KEY", &app.key)
            .env("RUST_LOG", "debug")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let messages = [
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18",
                "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}),
            json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
            list(),
            call("find_earliest_availability", json!({})),
        ];
        for m in &messages {
            stdin.write_all(format!("{m}\n").as_bytes()).await.unwrap();
        }
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut answers = vec![];
        while answers.len() < 3 {
            let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await.unwrap().unwrap().unwrap();
            let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON-RPC on stdout ({e}): {line}"));
            answers.push(v);
        }
        assert_eq!(answers[0]["result"]["serverInfo"]["name"], "sked");
        assert_eq!(names(&answers[1]["result"]["tools"]), TOOLS);
        assert_eq!(answers[2]["result"]["structuredContent"]["available"], true, "{}", answers[2]);
        drop(stdin);
        let status = tokio::time::timeout(Duration::from_secs(30), child.wait()).await.unwrap().unwrap();
        assert!(status.success());
        let mut err = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut child.stderr.take().unwrap(), &mut err).await.unwrap();
        assert!(err.contains("serving MCP on stdio"), "logs go to stderr: {err}");
        // A wrong key never serves.
        let out = tokio::process::Command::new(crate::process::SKED)
            .args(["mcp", "--api-key", "sk_wrong_key_0123456789"])
            .env("SKED_DATABASE_URL", &app.state.settings.database_url)
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap();
        assert!(!out.status.success() && out.stdout.is_empty());
        assert!(String::from_utf8_lossy(&out.stderr).contains("unknown or revoked API key"));
        app
    })
    .await;
}
