//! Voice agents that speak Spanish: the tools' descriptions, and every answer, in Spanish.

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
        let (again, _) = say("cancel_appointment", json!({"confirmation_code": code})).await;
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
