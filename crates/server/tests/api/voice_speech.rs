//! How voice agents speak: Spanish agents (the tools' descriptions and every answer in
//! Spanish, Spanish phrases read), times said in another zone said back in both, and times
//! refused with a reason.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::voice::{RETELL_KEY, agent, retell, speech, tool};

/// A Retell agent speaking `language`; answers its tool path.
async fn speaking(app: &TestApp, w: &World, language: &str) -> String {
    let a = agent(app, w, "retell", RETELL_KEY).await;
    let id = a["id"].as_str().unwrap();
    let r = app.patch(&format!("/v1/voice-agents/{id}"), json!({"language": language})).await;
    assert_eq!((r.status, r.body["language"].as_str()), (StatusCode::OK, Some(language)), "{}", r.body);
    format!("/v1/voice/retell/{id}")
}

#[tokio::test]
async fn a_spanish_agent_books_finds_and_cancels_in_spanish() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let path = speaking(&app, &w, "es").await;
        let say = |name: &'static str, args: Value| {
            let body = tool(name, args, "llamada_1");
            let (app, path) = (&app, path.clone());
            async move {
                let r = retell(app, &path, &body, Some(RETELL_KEY), 0).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
                (speech(&r), r.body["data"].clone())
            }
        };
        // Monday 07:00 New York.
        let (said, data) = say("find_earliest_availability", json!({})).await;
        assert_eq!(
            said,
            "Hoy tengo las 9, las 9 y media o las 10 de la mañana. Son las primeras horas que tengo. ¿Cuál le viene mejor?"
        );
        assert_eq!(data["slots"][0]["spoken"], "hoy a las 9 de la mañana");
        let (said, _) = say("book_appointment", json!({"start": "2026-03-03T18:00:00Z"})).await;
        assert_eq!(said, "¿A nombre de quién pongo la cita?");
        let (said, data) = say("book_appointment", json!({"start": "2026-03-03T18:00:00Z", "name": "Ana Ruiz"})).await;
        let code = data["booking"]["confirmation_code"].as_str().unwrap().to_owned();
        assert!(said.starts_with("Listo: queda reservado mañana a la 1 de la tarde con "), "{said}");
        assert!(!said.contains(&code) && said.ends_with('.'), "the code is spelled in Spanish: {said}");
        let (found, _) = say("find_appointment", json!({})).await;
        assert!(found.starts_with("La encontré: mañana a la 1 de la tarde con "), "{found}");
        let (gone, _) = say("cancel_appointment", json!({"confirmation_code": code})).await;
        assert_eq!(gone, "Su cita de mañana a la 1 de la tarde queda cancelada. ¿Le puedo ayudar en algo más?");
        // The platform retries the same call: the same answer. A later call: already cancelled.
        app.clock.advance(jiff::SignedDuration::from_millis(1_500));
        let (retried, _) = say("cancel_appointment", json!({"confirmation_code": code})).await;
        assert_eq!(retried, gone);
        let later = tool("cancel_appointment", json!({"confirmation_code": code}), "llamada_2");
        let again = speech(&retell(&app, &path, &later, Some(RETELL_KEY), 0).await);
        assert_eq!(again, "Su cita de mañana a la 1 de la tarde ya estaba cancelada.");
        let (missing, _) = say("find_appointment", json!({"confirmation_code": "ZZ7"})).await;
        assert!(missing.starts_with("No encontré ninguna cita con el código zeta zeta siete."), "{missing}");
        app
    })
    .await;
}

#[tokio::test]
async fn a_spanish_agents_tools_are_described_in_spanish() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let path = speaking(&app, &w, "es").await;
        let id = path.rsplit('/').next().unwrap();
        let tools = app.get(&format!("/v1/voice-agents/{id}/tools")).await;
        let check = &tools.body["tools"][0];
        assert_eq!(check["name"], "check_availability", "names stay: the platforms call them");
        assert!(check["description"].as_str().unwrap().starts_with("Busca horas libres."), "{check}");
        assert_eq!(
            check["parameters"]["properties"]["when"]["description"],
            "Cuándo quiere venir la persona, con sus palabras."
        );
        // Only languages Sked speaks.
        let r = app.patch(&format!("/v1/voice-agents/{id}"), json!({"language": "fr"})).await;
        assert_eq!(r.fields(), vec!["language"], "{}", r.body);
        app
    })
    .await;
}

#[tokio::test]
async fn a_spanish_caller_is_understood_and_a_far_year_is_refused_with_a_reason() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let path = speaking(&app, &w, "es").await;
        let ask = |when: &'static str| {
            let body = tool("check_availability", json!({"when": when}), "llamada_2");
            let (app, path) = (&app, path.clone());
            async move { retell(app, &path, &body, Some(RETELL_KEY), 0).await }
        };
        // Monday 07:00 New York: "mañana por la tarde" is Tuesday afternoon ("el martes que
        // viene" too: the coming Tuesday).
        let r = ask("mañana por la tarde").await;
        assert_eq!(speech(&r), "Mañana tengo la 1, la 1 y media o las 2 de la tarde. ¿Cuál le viene mejor?");
        assert_eq!(r.body["data"]["slots"][0]["start"], "2026-03-03T18:00:00Z");
        let r = ask("pasado mañana a las diez y media").await;
        assert_eq!(
            speech(&r),
            "Sí, este miércoles a las 10 y media de la mañana está libre. ¿Se lo reservo?"
        );
        let r = ask("el 1 de enero de 3000").await;
        assert_eq!(r.body["data"]["refused"], "too_far", "{}", r.body);
        assert!(speech(&r).ends_with("¿Qué día le viene bien?"), "{}", speech(&r));
        app
    })
    .await;
}

#[tokio::test]
async fn phrases_in_spanish_and_in_named_zones_over_http() {
    on_each_store(|app| async move {
        let now = "2026-03-02T12:00:00Z";
        let r = app
            .post("/v1/time/understand", json!({"text": "el martes que viene por la tarde", "time_zone": "America/New_York", "now": now, "language": "es"}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!((r.body["best"]["kind"].as_str(), r.body["best"]["start"].as_str()), (Some("window"), Some("2026-03-03T17:00:00Z")), "{}", r.body);
        // A zone the caller names converts into the business's zone, and is named back.
        let r = app
            .post("/v1/time/understand", json!({"text": "tomorrow at 3pm pacific", "time_zone": "America/New_York", "now": now}))
            .await;
        assert_eq!(r.body["best"]["start"], "2026-03-03T23:00:00Z", "{}", r.body);
        assert_eq!(r.body["best"]["time_zone"], "America/Los_Angeles");
        // "my time" is the caller's zone when it is given.
        let r = app
            .post("/v1/time/understand", json!({"text": "tomorrow at 5pm my time", "time_zone": "America/New_York", "now": now, "caller_time_zone": "Europe/London"}))
            .await;
        assert_eq!(r.body["best"]["start"], "2026-03-03T17:00:00Z", "{}", r.body);
        // A year far outside the horizon: no answer, and why.
        let r = app.post("/v1/time/understand", json!({"text": "Jan 1 3000", "time_zone": "America/New_York", "now": now})).await;
        assert!(r.body["best"].is_null(), "{}", r.body);
        assert_eq!(r.body["refusal"], "too_far");
        assert!(!r.body["reason"].as_str().unwrap().is_empty());
        let r = app
            .post("/v1/time/understand", json!({"text": "el 1 de enero de 3000", "time_zone": "America/New_York", "now": now, "language": "es"}))
            .await;
        assert_eq!(r.body["refusal"], "too_far", "{}", r.body);
        let bad = app.post("/v1/time/understand", json!({"text": "hoy", "time_zone": "UTC", "language": "fr", "caller_time_zone": "Mars/Base"})).await;
        let mut f = bad.fields();
        f.sort();
        assert_eq!(f, vec!["language"], "the first refusal names its field: {}", bad.body);
        app
    })
    .await;
}

#[tokio::test]
async fn a_time_said_in_another_zone_is_converted_and_said_back_in_both() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        let path = speaking(&app, &w, "en").await;
        let body = tool("check_availability", json!({"when": "tomorrow at 7am pacific"}), "call_zone");
        let r = retell(&app, &path, &body, Some(RETELL_KEY), 0).await;
        assert_eq!(
            speech(&r),
            "Yes, tomorrow at 10 in the morning (7 in the morning Pacific time) is available. Shall I book it?"
        );
        assert_eq!(r.body["data"]["slots"][0]["start"], "2026-03-03T15:00:00Z");
        app
    })
    .await;
}
