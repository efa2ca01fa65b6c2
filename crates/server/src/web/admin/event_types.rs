//! The event type editor: every rule, the team (hosts in order and how one is picked), the
//! questions and the reminders, saved through the same create and change as `/v1/event-types`.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use sked_core::ids::{EventTypeId, TenantId};
use sked_core::questions::QuestionType;
use sked_store::{Host, Page};
use sked_web::admin::Choice;
use sked_web::editors::{EventTypeEdit, Item, List, QuestionRow, ReminderRow, TeamRow};

use super::csrf::Post;
use super::event_type_form::{ROWS, body, change, renumber};
use super::form::{Fields, done, split, staff_only, under, with_status};
use super::session::Signed;
use super::{fail, page};
use crate::error::ApiError;
use crate::event_types::{EventTypeView, SEND_UPDATES, create_event_type, update_event_type, view};
use crate::state::AppState;

/// Empty question rows offered below the others.
const BLANK_QUESTIONS: usize = 3;
/// Empty reminder rows offered below the others.
const BLANK_REMINDERS: usize = 2;
const ASSIGNMENTS: [&str; 5] = ["round_robin", "least_busy", "priority", "specific", "collective"];
const KINDS: [(&str, &str); 3] = [("text", "Text"), ("choice", "Choice"), ("yes_no", "Yes or no")];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/event-types", get(list))
        .route("/admin/event-types/new", get(blank).post(create))
        .route("/admin/event-types/{id}", get(show).post(save))
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
    match state.store.list_event_types(who.user.tenant_id, Page { limit: 1_000, after: None }).await {
        Ok(rows) => page(&List {
            nav,
            flash: d.flash(),
            heading: "Event types".into(),
            new_href: "/admin/event-types/new".into(),
            items: rows
                .into_iter()
                .map(|e| Item {
                    href: format!("/admin/event-types/{}", e.id),
                    label: e.title,
                    note: format!("/{} · {} min", e.slug, e.duration_minutes),
                })
                .collect(),
            ..List::default()
        }),
        Err(e) => fail(nav, ApiError::Internal(e.into())),
    }
}

fn choices(values: &[&str], chosen: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|v| Choice { value: (*v).into(), label: v.replace('_', " "), selected: *v == chosen })
        .collect()
}

fn kinds(chosen: &str) -> Vec<Choice> {
    KINDS
        .iter()
        .map(|(v, l)| Choice { value: (*v).into(), label: (*l).into(), selected: *v == chosen })
        .collect()
}

async fn hosts(state: &AppState, tenant: TenantId) -> Result<Vec<Host>, ApiError> {
    state
        .store
        .list_hosts(tenant, Page { limit: 1_000, after: None })
        .await
        .map_err(|e| ApiError::Internal(e.into()))
}

fn kind_name(k: &QuestionType) -> String {
    serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// The editor filled from a stored event type (or empty).
fn from_view(who: &Signed, hosts: &[Host], e: Option<&EventTypeView>) -> EventTypeEdit {
    let mut f = HashMap::new();
    let mut questions = Vec::new();
    // A new one starts with the reminders the API gives when none are sent.
    let mut reminders: Vec<ReminderRow> = e
        .map_or_else(sked_core::notify::default_reminders, |e| e.reminders.clone())
        .iter()
        .map(|r| ReminderRow {
            offset: r.offset_minutes.to_string(),
            email: r.channels.iter().any(|c| c == "email"),
            sms: r.channels.iter().any(|c| c == "sms"),
            errors: vec![],
        })
        .collect();
    let mut team = Vec::new();
    if let Some(e) = e {
        let n = |k: &str, v: i64| (k.to_owned(), v.to_string());
        f.extend([
            ("slug".to_owned(), e.slug.clone()),
            ("title".to_owned(), e.title.clone()),
            ("description".to_owned(), e.description.clone().unwrap_or_default()),
            ("location".to_owned(), e.location.clone().unwrap_or_default()),
            n("duration_minutes", e.duration_minutes),
            n("slot_interval_minutes", e.slot_interval_minutes),
            n("buffer_before_minutes", e.buffer_before_minutes),
            n("buffer_after_minutes", e.buffer_after_minutes),
            n("min_notice_minutes", e.min_notice_minutes),
            n("max_days_ahead", e.max_days_ahead),
            ("daily_limit".to_owned(), e.daily_limit.map(|d| d.to_string()).unwrap_or_default()),
        ]);
        questions = e
            .questions
            .iter()
            .map(|q| QuestionRow {
                id: q.id.clone(),
                label: q.label.clone(),
                kinds: kinds(&kind_name(&q.kind)),
                required: q.required,
                options: q.options.join("\n"),
                errors: vec![],
            })
            .collect();
    } else {
        f.extend([
            ("max_days_ahead".to_owned(), "60".to_owned()),
            ("duration_minutes".to_owned(), "30".to_owned()),
        ]);
    }
    for h in hosts {
        let at = e.and_then(|e| e.host_ids.iter().position(|id| *id == h.id));
        team.push(TeamRow {
            id: h.id.to_string(),
            name: h.name.clone(),
            order: at.map(|i| (i + 1).to_string()).unwrap_or_default(),
        });
    }
    questions
        .extend((0..BLANK_QUESTIONS).map(|_| QuestionRow { kinds: kinds("text"), ..QuestionRow::default() }));
    reminders.extend((0..BLANK_REMINDERS).map(|_| ReminderRow::default()));
    EventTypeEdit {
        nav: Some(who.nav()),
        csrf: who.session.csrf.clone(),
        id: e.map(|e| e.id.to_string()).unwrap_or_default(),
        assignments: choices(&ASSIGNMENTS, e.map_or("round_robin", |e| e.assignment.as_str())),
        send_updates: choices(&SEND_UPDATES, e.map_or("all", |e| e.send_updates.as_str())),
        f,
        team,
        questions,
        reminders,
        ..EventTypeEdit::default()
    }
}

/// The editor again with what was typed and the errors beside their fields.
fn retyped(who: &Signed, hosts: &[Host], id: String, form: &Fields, e: &ApiError) -> Response {
    let (errors, top) = split(e);
    let rows = |prefix: &str| {
        (0..ROWS)
            .take_while(|i| {
                form.0
                    .iter()
                    .any(|(k, _)| *k == format!("{prefix}{i}_id") || *k == format!("{prefix}{i}_offset"))
            })
            .count()
    };
    let questions = (0..rows("q"))
        .map(|i| QuestionRow {
            id: form.one(&format!("q{i}_id")).into(),
            label: form.one(&format!("q{i}_label")).into(),
            kinds: kinds(form.one(&format!("q{i}_type"))),
            required: form.ticked(&format!("q{i}_required")),
            options: form.one(&format!("q{i}_options")).into(),
            errors: under(&errors, &format!("questions[{i}]")),
        })
        .collect();
    let reminders = (0..rows("r"))
        .map(|i| ReminderRow {
            offset: form.one(&format!("r{i}_offset")).into(),
            email: form.ticked(&format!("r{i}_email")),
            sms: form.ticked(&format!("r{i}_sms")),
            errors: under(&errors, &format!("reminders[{i}]")),
        })
        .collect();
    let team = hosts
        .iter()
        .map(|h| TeamRow {
            id: h.id.to_string(),
            name: h.name.clone(),
            order: form.one(&format!("order_{}", h.id)).into(),
        })
        .collect();
    let t = EventTypeEdit {
        nav: Some(who.nav()),
        flash: None,
        error: top,
        csrf: who.session.csrf.clone(),
        id,
        f: form.map(),
        assignments: choices(&ASSIGNMENTS, form.one("assignment")),
        send_updates: choices(&SEND_UPDATES, form.one("send_updates")),
        team,
        team_errors: under(&errors, "host_ids"),
        questions,
        reminders,
        reminder_errors: errors
            .get("reminders")
            .map(|m| vec![("reminders".to_owned(), m.clone())])
            .unwrap_or_default(),
        errors,
    };
    with_status(page(&t), e)
}

#[derive(Debug, Default, serde::Deserialize)]
struct Done {
    #[serde(default)]
    saved: String,
}

async fn blank(State(state): State<AppState>, who: Signed) -> Response {
    let nav = Some(who.nav());
    match staff_only(&who) {
        Ok(()) => match hosts(&state, who.user.tenant_id).await {
            Ok(h) => page(&from_view(&who, &h, None)),
            Err(e) => fail(nav, e),
        },
        Err(e) => fail(nav, e),
    }
}

async fn show(
    State(state): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    Query(d): Query<Done>,
) -> Response {
    let read = async {
        staff_only(&who)?;
        let id: EventTypeId = id.parse().map_err(|_| ApiError::not_found("event type"))?;
        let e = state
            .store
            .event_type(who.user.tenant_id, id)
            .await
            .map_err(|e| ApiError::store("event type", e))?;
        Ok::<_, ApiError>((view(e), hosts(&state, who.user.tenant_id).await?))
    };
    match read.await {
        Ok((e, h)) => page(&EventTypeEdit {
            flash: (!d.saved.is_empty()).then(|| "Saved.".into()),
            ..from_view(&who, &h, Some(&e))
        }),
        Err(e) => fail(Some(who.nav()), e),
    }
}

/// Saves a new (`id` none) or changed event type: to its page, or the form again.
async fn store(state: &AppState, who: &Signed, id: Option<EventTypeId>, form: &Fields) -> Response {
    let tenant = who.user.tenant_id;
    let hosts = match hosts(state, tenant).await {
        Ok(h) => h,
        Err(e) => return fail(Some(who.nav()), e),
    };
    let result = match body(form, &hosts) {
        Ok((b, q, r)) => match id {
            None => create_event_type(state, tenant, b).await,
            Some(id) => update_event_type(state, tenant, id, change(b)).await,
        }
        .map_err(|e| renumber(renumber(e, "questions", &q), "reminders", &r)),
        Err(e) => Err(e),
    };
    match result {
        Ok(e) => done(&format!("/admin/event-types/{}?saved=1", e.id)),
        Err(e @ ApiError::Validation(_)) => {
            retyped(who, &hosts, id.map(|i| i.to_string()).unwrap_or_default(), form, &e)
        }
        Err(e) => fail(Some(who.nav()), e),
    }
}

async fn create(State(state): State<AppState>, p: Post<Fields>) -> Response {
    if let Err(e) = staff_only(&p.who) {
        return fail(Some(p.who.nav()), e);
    }
    store(&state, &p.who, None, &p.form).await
}

async fn save(State(state): State<AppState>, Path(id): Path<String>, p: Post<Fields>) -> Response {
    if let Err(e) = staff_only(&p.who) {
        return fail(Some(p.who.nav()), e);
    }
    match id.parse::<EventTypeId>() {
        Ok(id) => store(&state, &p.who, Some(id), &p.form).await,
        Err(_) => fail(Some(p.who.nav()), ApiError::not_found("event type")),
    }
}
