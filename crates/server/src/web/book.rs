//! `/book/{tenant_slug}/{event_type_slug}`: the public booking page. It works as plain forms (a
//! month of days, a day's times, the form) and carries the widget script, which replaces it
//! with the interactive flow where JavaScript runs. Booking goes through the public API's code,
//! and each request counts against the client address's public limit as the public API's do.

use std::sync::Arc;

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::Timestamp;
use serde_json::{Map, Value};
use sked_core::FieldError;
use sked_core::questions::{Question as Asked, QuestionType};
use sked_store::{EventType, Tenant};
use sked_web::public::{Alternative, BookPage, Form as BookForm, GonePage, Input, Intro, Question};

use super::page::{Reader, hour12, html, see_other};
use super::picker::{self, View};
use crate::bookings::Attendee;
use crate::error::ApiError;
use crate::public::{PublicBooking, named};
use crate::state::AppState;

/// The page's parts that do not depend on the step.
struct Ctx {
    tenant: Arc<Tenant>,
    event_type: EventType,
    reader: Reader,
    path: String,
}

async fn ctx(
    state: &AppState,
    t: &str,
    e: &str,
    tz: Option<&str>,
    headers: &HeaderMap,
) -> Result<Ctx, Response> {
    let not_here = |e: ApiError| gone(e, "There is no booking page at this address.");
    let (tenant, event_type) = named(state, t, e).await.map_err(not_here)?;
    let now = state.clock.now_second();
    let snap =
        state.app.availability.get(tenant.id, event_type, now).await.map_err(|e| not_here(e.into()))?;
    let tz = tz.and_then(|z| jiff::tz::TimeZone::get(z).ok()).unwrap_or_else(|| snap.default_zone());
    Ok(Ctx {
        path: format!("/book/{t}/{e}"),
        reader: Reader { tz, hour12: hour12(headers) },
        tenant,
        event_type: snap.event_type.clone(),
    })
}

/// A 404 page for what is not there, the error page for anything else.
pub fn gone(e: ApiError, message: &str) -> Response {
    match e {
        ApiError::Client { status: StatusCode::NOT_FOUND, .. } => {
            html(StatusCode::NOT_FOUND, &GonePage { message: message.to_owned() })
        }
        other => axum::response::IntoResponse::into_response(other),
    }
}

pub fn intro(tenant: &Tenant, e: &EventType) -> Intro {
    Intro {
        business: tenant.name.clone(),
        title: e.title.clone(),
        description: e.description.clone(),
        duration: format!("{} minutes", e.duration_minutes),
        location: e.location.clone(),
    }
}

/// The booking page: the picker, or the form for a chosen time.
pub async fn page(
    State(state): State<AppState>,
    _client: crate::public::PublicClient,
    Path((t, e)): Path<(String, String)>,
    Query(view): Query<View>,
    headers: HeaderMap,
) -> Response {
    let c = match ctx(&state, &t, &e, view.tz.as_deref(), &headers).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let booking_ref = format!("{t}/{e}");
    let chosen = view.start.as_deref().and_then(|s| s.parse::<Timestamp>().ok());
    if let Some(start) = chosen {
        let form = empty_form(&c, start, &view);
        return html(
            StatusCode::OK,
            &BookPage { intro: intro(&c.tenant, &c.event_type), booking_ref, picker: None, form: Some(form) },
        );
    }
    let picker = picker::build(
        &state,
        c.tenant.id,
        c.event_type.id,
        c.event_type.max_days_ahead,
        &c.reader,
        &view,
        &c.path,
    )
    .await;
    match picker {
        Ok(p) => html(
            StatusCode::OK,
            &BookPage { intro: intro(&c.tenant, &c.event_type), booking_ref, picker: Some(p), form: None },
        ),
        Err(e) => gone(e, ""),
    }
}

fn change_href(c: &Ctx, view: &View) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("tz", &c.reader.zone());
    if let Some(m) = &view.month {
        q.append_pair("month", m);
    }
    if let Some(d) = &view.date {
        q.append_pair("date", d);
    }
    format!("{}?{}", c.path, q.finish())
}

fn empty_form(c: &Ctx, start: Timestamp, view: &View) -> BookForm {
    BookForm {
        start: start.to_string(),
        when: c.reader.moment(start),
        change_href: change_href(c, view),
        tz: c.reader.zone(),
        questions: asked(&c.event_type)
            .into_iter()
            .map(|q| Question {
                kind: serde_json::to_value(q.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                id: q.id,
                label: q.label,
                required: q.required,
                options: q.options,
                ..Question::default()
            })
            .collect(),
        ..BookForm::default()
    }
}

fn asked(e: &EventType) -> Vec<Asked> {
    sked_app::bookings::questions(&e.questions)
}

/// Books the time posted; on a problem, the form again with what was typed and why.
pub async fn submit(
    State(state): State<AppState>,
    _client: crate::public::PublicClient,
    Path((t, e)): Path<(String, String)>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let get =
        |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let tz = get("tz");
    let c = match ctx(&state, &t, &e, Some(&tz), &headers).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let start_text = get("start");
    let Ok(start) = start_text.parse::<Timestamp>() else {
        return see_other(&c.path);
    };
    let questions = asked(&c.event_type);
    let mut answers = Map::new();
    for q in &questions {
        let v = get(&format!("q_{}", q.id));
        let value = match (q.kind, v.as_str()) {
            (_, "") => continue,
            (QuestionType::YesNo, "yes") => Value::Bool(true),
            (QuestionType::YesNo, _) => Value::Bool(false),
            _ => Value::String(v),
        };
        answers.insert(q.id.clone(), value);
    }
    let opt = |s: String| (!s.is_empty()).then_some(s);
    let mut form = empty_form(&c, start, &View::default());
    form.name = Input { value: get("name"), error: None };
    form.email = Input { value: get("email"), error: None };
    form.phone = Input { value: get("phone"), error: None };
    form.notes = Input { value: get("notes"), error: None };
    for q in &mut form.questions {
        q.value = get(&format!("q_{}", q.id));
    }
    let result = if form.email.value.is_empty() {
        Err(ApiError::Validation(vec![FieldError::new(
            "attendee.email",
            "enter your email so we can send the confirmation",
        )]))
    } else {
        let b = PublicBooking {
            event_type_slug: c.event_type.slug.clone(),
            start: start_text,
            attendee: Attendee {
                name: form.name.value.clone(),
                email: opt(form.email.value.clone()),
                phone: opt(form.phone.value.clone()),
                time_zone: Some(c.reader.zone()),
            },
            notes: opt(form.notes.value.clone()),
            answers: Some(Value::Object(answers)),
        };
        crate::public::create(&state, &c.tenant, c.event_type.id, b, None).await
    };
    let status = match result {
        Ok(w) => {
            return match w.view.manage_url {
                Some(url) => see_other(&format!("{url}?booked=1")),
                None => html(
                    StatusCode::CREATED,
                    &GonePage {
                        message: format!(
                            "You are booked. Your confirmation code is {}.",
                            w.view.confirmation_code
                        ),
                    },
                ),
            };
        }
        Err(ApiError::Validation(errors)) => {
            show_errors(&mut form, errors);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Err(ApiError::Unbookable { status, alternatives, detail, .. }) => {
            form.alternatives = alternatives_of(&c.reader, &alternatives);
            form.problem = Some(if form.alternatives.is_empty() {
                format!("That time can no longer be booked ({detail}). Please choose another.")
            } else {
                "That time was just taken. Your details are kept: choose one of the nearest free times below."
                    .into()
            });
            status
        }
        Err(other) => return axum::response::IntoResponse::into_response(other),
    };
    html(
        status,
        &BookPage {
            intro: intro(&c.tenant, &c.event_type),
            booking_ref: format!("{t}/{e}"),
            picker: None,
            form: Some(form),
        },
    )
}

/// The nearest free times of a refusal, as the visitor reads them.
pub fn alternatives_of(reader: &Reader, alternatives: &Value) -> Vec<Alternative> {
    alternatives
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["start"].as_str())
        .filter_map(|s| {
            s.parse::<Timestamp>().ok().map(|t| Alternative { start: s.to_owned(), label: reader.moment(t) })
        })
        .collect()
}

fn show_errors(form: &mut BookForm, errors: Vec<FieldError>) {
    for e in errors {
        let message = Some(sentence(&e.message));
        match e.field.as_str() {
            "attendee.name" | "name" => form.name.error = message,
            "attendee.email" => form.email.error = message,
            "attendee.phone" => form.phone.error = message,
            "notes" => form.notes.error = message,
            f => {
                match f.strip_prefix("answers.").and_then(|id| form.questions.iter_mut().find(|q| q.id == id))
                {
                    Some(q) => q.error = message,
                    None => form.problem = Some(format!("{}: {}", e.field, e.message)),
                }
            }
        }
    }
    if form.problem.is_none() {
        form.problem = Some("Please check the fields marked below.".into());
    }
}

/// An API message as a sentence on a page ("must be 1 to 200 characters" → "Must be ...").
fn sentence(m: &str) -> String {
    let mut c = m.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
