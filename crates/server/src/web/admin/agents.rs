//! The voice agents editor: platform, the event types an agent books, its zone, secret and how
//! it speaks, saved through the same create and change as `/v1/voice-agents`.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use sked_core::ids::VoiceAgentId;
use sked_store::Page;
use sked_web::admin::Choice;
use sked_web::editors::{AgentEdit, Errors, Item, List};

use super::csrf::Post;
use super::form::{Fields, done, split, staff_only, with_status};
use super::session::Signed;
use super::{fail, page};
use crate::error::ApiError;
use crate::state::AppState;
use crate::voice::agents::{
    CreateVoiceAgent, UpdateVoiceAgent, VoiceAgentView, create_agent, update_agent, view,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/voice-agents", get(list))
        .route("/admin/voice-agents/new", get(blank).post(create))
        .route("/admin/voice-agents/{id}", get(show).post(save))
}

async fn list(
    State(state): State<AppState>,
    who: Signed,
    Query(d): Query<super::delete::Deleted>,
) -> Response {
    let nav = Some(who.nav());
    if let Err(e) = staff_only(&who) {
        return fail(nav, e);
    }
    match state.store.list_voice_agents(who.user.tenant_id, Page { limit: 1_000, after: None }).await {
        Ok(rows) => page(&List {
            nav,
            flash: d.flash(),
            heading: "Voice agents".into(),
            new_href: "/admin/voice-agents/new".into(),
            items: rows
                .into_iter()
                .map(|a| Item {
                    href: format!("/admin/voice-agents/{}", a.id),
                    label: format!("{} {}", a.platform, a.platform_agent_id.clone().unwrap_or_default()),
                    note: a.time_zone.to_string(),
                })
                .collect(),
            ..List::default()
        }),
        Err(e) => fail(nav, ApiError::Internal(e.into())),
    }
}

fn pick(values: &[(&str, &str)], chosen: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|(v, l)| Choice { value: (*v).into(), label: (*l).into(), selected: *v == chosen })
        .collect()
}

/// The form: `chosen` event types ticked, `default` selected.
async fn form(
    state: &AppState,
    who: &Signed,
    chosen: &[String],
    default: &str,
) -> Result<(Vec<Choice>, Vec<Choice>), ApiError> {
    let types = state
        .store
        .list_event_types(who.user.tenant_id, Page { limit: 1_000, after: None })
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let choice = |e: &sked_store::EventType, on: bool| Choice {
        value: e.id.to_string(),
        label: e.title.clone(),
        selected: on,
    };
    Ok((
        types.iter().map(|e| choice(e, chosen.contains(&e.id.to_string()))).collect(),
        types.iter().map(|e| choice(e, e.id.to_string() == default)).collect(),
    ))
}

/// The editor: from a stored agent, or what was typed (`f`), with errors.
async fn render(
    state: &AppState,
    who: &Signed,
    a: Option<&VoiceAgentView>,
    f: Option<&Fields>,
    e: Option<&ApiError>,
) -> Response {
    let typed = |name: &str, stored: String| f.map_or(stored, |f| f.one(name).to_owned());
    let chosen = f.map_or_else(
        || a.map(|a| a.event_type_ids.iter().map(ToString::to_string).collect()).unwrap_or_default(),
        |f| f.all("event_type_ids"),
    );
    let default =
        typed("default_event_type_id", a.map(|a| a.default_event_type_id.to_string()).unwrap_or_default());
    let (event_types, default_event_type) = match form(state, who, &chosen, &default).await {
        Ok(c) => c,
        Err(e) => return fail(Some(who.nav()), e),
    };
    let (errors, top) = e.map_or((Errors::new(), None), split);
    let platform = a.map_or_else(|| typed("platform", "retell".into()), |a| a.platform.clone());
    let res = page(&AgentEdit {
        nav: Some(who.nav()),
        error: top,
        csrf: who.session.csrf.clone(),
        id: a.map(|a| a.id.to_string()).unwrap_or_default(),
        url: a.map(|a| a.url.clone()).unwrap_or_default(),
        platforms: pick(&[("retell", "Retell"), ("vapi", "Vapi")], &platform),
        platform_agent_id: typed(
            "platform_agent_id",
            a.and_then(|a| a.platform_agent_id.clone()).unwrap_or_default(),
        ),
        event_types,
        default_event_type,
        time_zone: typed("time_zone", a.map_or_else(|| "UTC".into(), |a| a.time_zone.clone())),
        auth_header: typed("auth_header", a.and_then(|a| a.auth_header.clone()).unwrap_or_default()),
        max_options_spoken: typed("max_options_spoken", a.map_or(3, |a| a.max_options_spoken).to_string()),
        clocks: pick(
            &[("12h", "12-hour"), ("24h", "24-hour")],
            &typed("clock", a.map_or_else(|| "12h".into(), |a| a.clock.clone())),
        ),
        errors,
        ..AgentEdit::default()
    });
    match e {
        Some(e) => with_status(res, e),
        None => res,
    }
}

async fn blank(State(state): State<AppState>, who: Signed) -> Response {
    match staff_only(&who) {
        Ok(()) => render(&state, &who, None, None, None).await,
        Err(e) => fail(Some(who.nav()), e),
    }
}

async fn read(state: &AppState, who: &Signed, id: &str) -> Result<VoiceAgentView, ApiError> {
    staff_only(who)?;
    let id: VoiceAgentId = id.parse().map_err(|_| ApiError::not_found("voice agent"))?;
    let a = state
        .store
        .voice_agent(who.user.tenant_id, id)
        .await
        .map_err(|e| ApiError::store("voice agent", e))?;
    Ok(view(state, a))
}

async fn show(State(state): State<AppState>, who: Signed, Path(id): Path<String>) -> Response {
    match read(&state, &who, &id).await {
        Ok(a) => render(&state, &who, Some(&a), None, None).await,
        Err(e) => fail(Some(who.nav()), e),
    }
}

fn number(f: &Fields) -> Result<Option<i64>, ApiError> {
    let mut errors = Vec::new();
    let n = f.number("max_options_spoken", "max_options_spoken", &mut errors);
    if errors.is_empty() { Ok(n) } else { Err(ApiError::Validation(errors)) }
}

async fn create(State(state): State<AppState>, p: Post<Fields>) -> Response {
    let (who, f) = (&p.who, &p.form);
    let run = async {
        staff_only(who)?;
        let b = CreateVoiceAgent {
            platform: f.one("platform").into(),
            platform_agent_id: f.opt("platform_agent_id"),
            event_type_ids: f.all("event_type_ids"),
            default_event_type_id: f.opt("default_event_type_id"),
            time_zone: f.one("time_zone").trim().into(),
            secret: f.one("secret").into(),
            auth_header: f.opt("auth_header"),
            max_options_spoken: number(f)?,
            clock: f.opt("clock"),
            language: None,
        };
        create_agent(&state, who.user.tenant_id, b).await
    };
    match run.await {
        Ok(a) => done(&format!("/admin/voice-agents/{}?saved=1", a.id)),
        Err(e @ ApiError::Validation(_)) => render(&state, who, None, Some(f), Some(&e)).await,
        Err(e) => fail(Some(who.nav()), e),
    }
}

async fn save(State(state): State<AppState>, Path(id): Path<String>, p: Post<Fields>) -> Response {
    let (who, f) = (&p.who, &p.form);
    let old = match read(&state, who, &id).await {
        Ok(a) => a,
        Err(e) => return fail(Some(who.nav()), e),
    };
    let run = async {
        let b = UpdateVoiceAgent {
            platform_agent_id: Some(f.opt("platform_agent_id")),
            event_type_ids: Some(f.all("event_type_ids")),
            default_event_type_id: f.opt("default_event_type_id"),
            time_zone: Some(f.one("time_zone").trim().into()),
            secret: f.opt("secret"),
            auth_header: Some(f.opt("auth_header")),
            max_options_spoken: number(f)?,
            clock: f.opt("clock"),
            language: None,
        };
        update_agent(&state, who.user.tenant_id, old.id, b).await
    };
    match run.await {
        Ok(a) => done(&format!("/admin/voice-agents/{}?saved=1", a.id)),
        Err(e @ ApiError::Validation(_)) => render(&state, who, Some(&old), Some(f), Some(&e)).await,
        Err(e) => fail(Some(who.nav()), e),
    }
}
