//! The event type form read as the API's body: numbers, the team in its order, the question
//! and reminder rows that were filled in; and the API's errors renumbered to the form's rows.

use sked_core::FieldError;
use sked_core::notify::Reminder;
use sked_core::questions::Question;
use sked_store::Host;

use super::form::Fields;
use crate::error::ApiError;
use crate::event_types::{CreateEventType, UpdateEventType};

/// Most question or reminder rows read from one form (more than the API takes of either).
pub const ROWS: usize = 40;

/// The rows that were filled in (by their row numbers) and what they say.
fn questions(form: &Fields, errors: &mut Vec<FieldError>) -> (Vec<Question>, Vec<usize>) {
    let mut out = (Vec::new(), Vec::new());
    for i in (0..ROWS).take_while(|i| form.0.iter().any(|(k, _)| *k == format!("q{i}_id"))) {
        let (id, label) = (form.one(&format!("q{i}_id")).trim(), form.one(&format!("q{i}_label")));
        if id.is_empty() && label.trim().is_empty() {
            continue;
        }
        let kind = serde_json::from_value(serde_json::json!(form.one(&format!("q{i}_type"))));
        let Ok(kind) = kind else {
            errors.push(FieldError::new(format!("questions[{i}].type"), "must be text, choice or yes_no"));
            continue;
        };
        let options = form
            .one(&format!("q{i}_options"))
            .lines()
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_owned)
            .collect();
        out.0.push(Question {
            id: id.into(),
            label: label.into(),
            kind,
            required: form.ticked(&format!("q{i}_required")),
            options,
        });
        out.1.push(i);
    }
    out
}

fn reminders(form: &Fields, errors: &mut Vec<FieldError>) -> (Vec<Reminder>, Vec<usize>) {
    let mut out = (Vec::new(), Vec::new());
    for i in (0..ROWS).take_while(|i| form.0.iter().any(|(k, _)| *k == format!("r{i}_offset"))) {
        let Some(offset_minutes) =
            form.number(&format!("r{i}_offset"), &format!("reminders[{i}].offset_minutes"), errors)
        else {
            continue;
        };
        let channels = ["email", "sms"]
            .into_iter()
            .filter(|c| form.ticked(&format!("r{i}_{c}")))
            .map(str::to_owned)
            .collect();
        out.0.push(Reminder { offset_minutes, channels });
        out.1.push(i);
    }
    out
}

/// `questions[2]` as the API names it is the form's row `rows[2]`.
pub fn renumber(e: ApiError, name: &str, rows: &[usize]) -> ApiError {
    let ApiError::Validation(list) = e else { return e };
    let open = format!("{name}[");
    ApiError::Validation(
        list.into_iter()
            .map(|mut f| {
                if let Some(rest) = f.field.strip_prefix(&open)
                    && let Some((n, tail)) = rest.split_once(']')
                    && let Some(row) = n.parse::<usize>().ok().and_then(|n| rows.get(n))
                {
                    f.field = format!("{open}{row}]{tail}");
                }
                f
            })
            .collect(),
    )
}

/// The posted form as the API's body, and the form rows of its questions and reminders.
pub fn body(form: &Fields, hosts: &[Host]) -> Result<(CreateEventType, Vec<usize>, Vec<usize>), ApiError> {
    let mut errors = Vec::new();
    let num = |n: &str, errors: &mut Vec<FieldError>| form.number::<u32>(n, n, errors);
    let mut team: Vec<(u32, usize, String)> = Vec::new();
    for (at, h) in hosts.iter().enumerate() {
        if let Some(order) = form.number::<u32>(&format!("order_{}", h.id), "host_ids", &mut errors) {
            team.push((order, at, h.id.to_string()));
        }
    }
    team.sort();
    let (questions, q_rows) = questions(form, &mut errors);
    let (reminders, r_rows) = reminders(form, &mut errors);
    let b = CreateEventType {
        slug: form.one("slug").trim().into(),
        title: form.one("title").into(),
        description: form.opt("description").map(|_| form.one("description").replace("\r\n", "\n")),
        duration_minutes: num("duration_minutes", &mut errors).unwrap_or(0),
        slot_interval_minutes: num("slot_interval_minutes", &mut errors),
        buffer_before_minutes: num("buffer_before_minutes", &mut errors).unwrap_or(0),
        buffer_after_minutes: num("buffer_after_minutes", &mut errors).unwrap_or(0),
        min_notice_minutes: num("min_notice_minutes", &mut errors).unwrap_or(0),
        max_days_ahead: num("max_days_ahead", &mut errors).unwrap_or(0),
        daily_limit: num("daily_limit", &mut errors),
        host_ids: team.into_iter().map(|t| t.2).collect(),
        assignment: form.one("assignment").into(),
        location: form.opt("location"),
        send_updates: form.one("send_updates").into(),
        reminders,
        questions,
    };
    if errors.is_empty() { Ok((b, q_rows, r_rows)) } else { Err(ApiError::Validation(errors)) }
}

/// Every field of the form as a change (the page shows them all).
pub fn change(b: CreateEventType) -> UpdateEventType {
    UpdateEventType {
        slug: Some(b.slug),
        title: Some(b.title),
        description: Some(b.description),
        duration_minutes: Some(b.duration_minutes),
        slot_interval_minutes: Some(b.slot_interval_minutes),
        buffer_before_minutes: Some(b.buffer_before_minutes),
        buffer_after_minutes: Some(b.buffer_after_minutes),
        min_notice_minutes: Some(b.min_notice_minutes),
        max_days_ahead: Some(b.max_days_ahead),
        daily_limit: Some(b.daily_limit),
        host_ids: Some(b.host_ids),
        assignment: Some(b.assignment),
        location: Some(b.location),
        send_updates: Some(b.send_updates),
        reminders: Some(b.reminders),
        questions: Some(b.questions),
    }
}
