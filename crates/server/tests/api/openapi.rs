//! The OpenAPI document's guarantees, and what schemathesis (scripts/schemathesis) found: every
//! operation documents the answers it can give, and schema-valid requests are not refused.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                ops.push((method.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    ops
}

fn has_param(op: &Value, place: &str) -> bool {
    op["parameters"].as_array().into_iter().flatten().any(|p| p["in"] == place)
}

/// A problem response: `application/problem+json` with the `Problem` schema.
fn is_problem(op: &Value, status: &str) -> bool {
    op["responses"][status]["content"]["application/problem+json"]["schema"]["$ref"]
        == "#/components/schemas/Problem"
}

#[test]
fn every_operation_documents_the_answers_it_can_give() {
    let doc = serde_json::to_value(sked_server::app::openapi()).unwrap();
    let ops = operations(&doc);
    assert!(ops.len() >= 50, "{} operations", ops.len());
    let mut missing = Vec::new();
    let mut ids = std::collections::BTreeSet::new();
    for (method, path, op) in &ops {
        // MCP's transport answers what is not a message of the protocol with a JSON-RPC error.
        let jsonrpc = |status: &str| path == "/mcp" && status == "400";
        // Secured unless it says `security: [{}]`; the tenant routes take the operator key.
        let secured =
            op.get("security").is_none_or(|s| s.as_array().unwrap().iter().any(|r| r != &json!({})));
        let mut want = vec!["500"];
        if secured {
            want.extend(["401", "429"]);
        }
        if op.get("requestBody").is_some() {
            want.extend(["400", "413", "415", "422"]);
        }
        if has_param(op, "path") {
            want.push("404");
        }
        if has_param(op, "query") || has_param(op, "header") {
            want.push("422");
        }
        for status in want {
            if !is_problem(op, status) && !jsonrpc(status) {
                missing.push(format!("{method} {path}: {status}"));
            }
        }
        // Every 4xx and 5xx is a problem document, whoever declared it.
        for (status, _) in op["responses"].as_object().unwrap() {
            if (status.starts_with('4') || status.starts_with('5'))
                && path != "/readyz"
                && !jsonrpc(status)
                && !is_problem(op, status)
            {
                missing.push(format!("{method} {path}: {status} is not a problem+json Problem"));
            }
        }
        if path.starts_with("/v1/tenants") || path.starts_with("/v1/api-keys") {
            assert_eq!(op["security"], json!([{"operator": []}]), "{method} {path}");
        }
        let id = op["operationId"].as_str().unwrap().to_owned();
        assert!(ids.insert(id.clone()), "operationId {id} is used twice");
    }
    assert!(missing.is_empty(), "undocumented answers:\n{}", missing.join("\n"));
    // The voice platforms' routes answer 404 for an unknown agent and 429 over its limit.
    for path in ["/v1/voice/retell/{id}", "/v1/voice/retell/{id}/{tool}", "/v1/voice/vapi/{id}"] {
        for status in ["401", "404", "429"] {
            assert!(is_problem(&doc["paths"][path]["post"], status), "{path} {status}");
        }
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(
        (schemes["bearer"]["scheme"].as_str(), schemes["operator"]["scheme"].as_str()),
        (Some("bearer"), Some("bearer"))
    );
}

#[test]
fn request_bodies_state_the_rules_the_server_enforces() {
    let doc = serde_json::to_value(sked_server::app::openapi()).unwrap();
    let s = &doc["components"]["schemas"];
    let prop = |schema: &str, field: &str| s[schema]["properties"][field].clone();
    assert_eq!(prop("CreateHost", "name")["maxLength"], 200);
    assert_eq!(prop("CreateHost", "weight")["maximum"], 1_000_000);
    assert_eq!(prop("CreateHost", "time_zone")["$ref"], "#/components/schemas/TimeZoneName");
    let zones = s["TimeZoneName"]["enum"].as_array().unwrap();
    assert!(zones.contains(&json!("America/New_York")) && zones.contains(&json!("UTC")));
    assert_eq!(prop("CreateEventType", "slug")["$ref"], "#/components/schemas/Slug");
    assert_eq!(prop("CreateEventType", "duration_minutes")["maximum"], 10_080);
    assert_eq!(prop("CreateEventType", "host_ids")["uniqueItems"], true);
    assert_eq!(
        s["Assignment"]["enum"],
        json!(["round_robin", "least_busy", "priority", "specific", "collective"])
    );
    assert_eq!(prop("CreateBooking", "start")["$ref"], "#/components/schemas/Instant");
    // Instants are a pattern of the years 1971-2198 (generated by clients and tests, not
    // filtered out of every date-time).
    assert!(s["Instant"]["pattern"].as_str().unwrap().starts_with("^(197[1-9]"), "{}", s["Instant"]);
    assert_eq!(prop("CreateBooking", "notes")["maxLength"], 5_000);
    // The control-character rule: free text keeps line breaks and tabs, names are one line.
    let notes = prop("CreateBooking", "notes")["pattern"].as_str().unwrap().to_owned();
    assert!(notes.contains("\\u0000-\\u0008\\u000b"), "{notes}");
    let name = prop("CreateHost", "name")["pattern"].as_str().unwrap().to_owned();
    assert!(name.starts_with("^[^\\u0000-\\u001f") && name.contains("\\u2028"), "{name}");
    assert_eq!(prop("TimeRange", "end")["$ref"], "#/components/schemas/LocalEndTime");
    assert_eq!(s["WeeklyHours"]["additionalProperties"], false);
    assert_eq!(prop("CreateVoiceAgent", "max_options_spoken")["maximum"], 6);
    assert_eq!(prop("BookingView", "status")["$ref"], "#/components/schemas/Status");
    let limit = doc["paths"]["/v1/hosts"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .cloned()
        .unwrap();
    assert_eq!(
        (limit["schema"]["minimum"].as_i64(), limit["schema"]["maximum"].as_i64()),
        (Some(1), Some(500))
    );
    let slots = doc["paths"]["/v1/event-types/{id}/slots"]["get"]["parameters"].as_array().unwrap().clone();
    assert!(slots.iter().any(|p| p["name"] == "from" && p["required"] == true));
}

// What schemathesis found. Each test is a request the document allows that the server refused,
// or an answer the document did not describe.

#[tokio::test]
async fn an_integer_may_be_written_with_a_zero_fraction() {
    // JSON Schema's `integer` admits 30.0; serde alone refused it with a 422.
    on_each_store(|app| async move {
        let w = world(&app).await;
        let r = app
            .post(
                "/v1/event-types",
                json!({"slug": "float", "title": "Float", "duration_minutes": 30.0,
                    "buffer_before_minutes": 5.0, "host_ids": [w.hosts[0]]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(
            (r.body["duration_minutes"].as_i64(), r.body["buffer_before_minutes"].as_i64()),
            (Some(30), Some(5))
        );
        let r = app.patch(&format!("/v1/hosts/{}", w.hosts[0]), json!({"priority": -3.0})).await;
        assert_eq!((r.status, r.body["priority"].as_i64()), (StatusCode::OK, Some(-3)));
        // A fraction is still refused, naming the field.
        let r = app.patch(&format!("/v1/hosts/{}", w.hosts[0]), json!({"priority": 1.5})).await;
        assert_eq!((r.status, r.fields()), (StatusCode::UNPROCESSABLE_ENTITY, vec!["priority".to_owned()]));
        app
    })
    .await;
}

#[tokio::test]
async fn an_optional_body_may_be_null() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let b = app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:00:00Z", "a")).await;
        let r = app
            .call_with("POST", &format!("/v1/bookings/{}/cancel", b.id()), Some(Value::Null), &app.key, &[])
            .await;
        assert_eq!((r.status, r.body["status"].as_str()), (StatusCode::OK, Some("cancelled")), "{}", r.body);
        app
    })
    .await;
}

#[tokio::test]
async fn bodies_that_are_too_large_or_not_json_get_problems_on_every_route() {
    on_each_store(|app| async move {
        let huge = format!("{{\"message\": \"{}\"}}", "x".repeat(2 << 20));
        let id = uuid::Uuid::now_v7();
        for path in [
            format!("/v1/voice/vapi/{id}"),
            format!("/v1/voice/retell/{id}"),
            format!("/v1/bookings/{id}/cancel"),
        ] {
            let url = format!("{}{path}", app.base);
            let r = app
                .client
                .post(&url)
                .bearer_auth(&app.key)
                .header("content-type", "application/json")
                .body(huge.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
            assert_eq!(r.headers()["content-type"], "application/problem+json", "{path}");
            let r = app
                .client
                .post(&url)
                .bearer_auth(&app.key)
                .header("content-type", "text/plain")
                .body("{}")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{path}");
        }
        app
    })
    .await;
}

#[tokio::test]
async fn rules_the_document_states_are_the_rules_the_server_keeps() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        // A booking of an event type that does not exist is a 404 (documented).
        let r = app
            .post("/v1/bookings", booking(&uuid::Uuid::now_v7().to_string(), "2026-03-03T14:00:00Z", "a"))
            .await;
        assert_eq!((r.status, r.code()), (StatusCode::NOT_FOUND, "not_found"));
        // An override date is exactly YYYY-MM-DD (it is echoed as given).
        let r = app
            .patch(
                &format!("/v1/schedules/{}", w.schedule),
                json!({"overrides": [{"date": "+002026-12-24"}]}),
            )
            .await;
        assert_eq!(
            (r.status, r.fields()),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["overrides[0].date".to_owned()])
        );
        // An RRULE is at most 1000 characters.
        let rrule = format!("FREQ=WEEKLY;BYDAY=MO{}", ",MO".repeat(400));
        let r = app
            .post(
                &format!("/v1/hosts/{}/blocks", w.hosts[0]),
                json!({"start": "2026-03-03T14:00:00Z", "end": "2026-03-03T15:00:00Z", "rrule": rrule}),
            )
            .await;
        assert_eq!((r.status, r.fields()), (StatusCode::UNPROCESSABLE_ENTITY, vec!["rrule".to_owned()]));
        // A phrase is at most 2000 characters, counted as characters.
        let r = app.post("/v1/time/understand", json!({"text": "é".repeat(2000), "time_zone": "UTC"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // An API key's name is 1 to 200 characters.
        let tenant = app.call_with("GET", "/v1/tenants", None, OPERATOR_KEY, &[]).await.body["data"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = app
            .call_with(
                "POST",
                &format!("/v1/tenants/{tenant}/api-keys"),
                Some(json!({"name": " "})),
                OPERATOR_KEY,
                &[],
            )
            .await;
        assert_eq!((r.status, r.fields()), (StatusCode::UNPROCESSABLE_ENTITY, vec!["name".to_owned()]));
        // The tenant routes take the operator key only.
        assert_eq!(app.get("/v1/tenants").await.status, StatusCode::UNAUTHORIZED);
        app
    })
    .await;
}

#[tokio::test]
async fn any_rfc_3339_instant_in_the_documented_years_is_read() {
    // RFC 3339 allows any number of fraction digits (jiff reads nine), and an instant the
    // server reads must be one it can write back.
    on_each_store(|app| async move {
        let w = world(&app).await;
        let blocks = format!("/v1/hosts/{}/blocks", w.hosts[0]);
        let r = app
            .post(&blocks, json!({"start": "2026-03-09T14:00:00.1234567891Z", "end": "2026-03-09T15:00:00Z"}))
            .await;
        assert_eq!(
            (r.status, r.body["start"].as_str()),
            (StatusCode::CREATED, Some("2026-03-09T14:00:00Z")),
            "{}",
            r.body
        );
        let r = app
            .post(&blocks, json!({"start": "2198-12-31T00:00:00-12:00", "end": "2198-12-31T23:59:00-12:00"}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = app
            .post(&blocks, json!({"start": "1971-01-01T00:00:00+14:00", "end": "1971-01-01T01:00:00+14:00"}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = app
            .post(&blocks, json!({"start": "-000001-01-01T00:00:00Z", "end": "-000001-01-01T01:00:00Z"}))
            .await;
        assert_eq!(
            (r.status, r.fields()),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["start".to_owned(), "end".to_owned()])
        );
        app
    })
    .await;
}
