//! The schedules pages: weekly hours and date overrides as text fields, saved through the same
//! change the `/v1/schedules` API makes (same checks, slots follow at once). Not for host users.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use sked_core::hours::{DateOverride, TimeRange, Weekly};
use sked_core::ids::ScheduleId;
use sked_store::Page;
use sked_web::admin::{Choice, Day, Schedule, Schedules};

use super::csrf::Post;
use super::form::staff_only;
use super::session::Signed;
use super::{fail, page};
use crate::error::ApiError;
use crate::schedules::{ScheduleView, UpdateSchedule, change, view};
use crate::state::AppState;

const DAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/schedules", get(list)).route("/admin/schedules/{id}", get(show).post(save))
}

async fn list(State(state): State<AppState>, who: Signed) -> Response {
    let nav = Some(who.nav());
    if let Err(e) = staff_only(&who) {
        return fail(nav, e);
    }
    match state.store.list_schedules(who.user.tenant_id, Page { limit: 1_000, after: None }).await {
        Ok(rows) => page(&Schedules {
            nav,
            schedules: rows
                .into_iter()
                .map(|s| Choice { value: s.id.to_string(), label: s.name, selected: false })
                .collect(),
            ..Schedules::default()
        }),
        Err(e) => fail(nav, ApiError::Internal(e.into())),
    }
}

fn ranges(v: &[TimeRange]) -> String {
    v.iter().map(|r| format!("{}-{}", r.start, r.end)).collect::<Vec<_>>().join(", ")
}

fn form(who: &Signed, s: &ScheduleView) -> Schedule {
    Schedule {
        nav: Some(who.nav()),
        id: s.id.to_string(),
        name: s.name.clone(),
        time_zone: s.time_zone.clone(),
        days: DAYS
            .iter()
            .map(|(d, label)| Day {
                value: (*d).into(),
                label: (*label).into(),
                hours: s.weekly.get(*d).map(|v| ranges(v)).unwrap_or_default(),
            })
            .collect(),
        overrides: s
            .overrides
            .iter()
            .map(|o| {
                let hours = if o.intervals.is_empty() { "closed".into() } else { ranges(&o.intervals) };
                format!("{} {hours}", o.date)
            })
            .collect::<Vec<_>>()
            .join("\n"),
        csrf: who.session.csrf.clone(),
        ..Schedule::default()
    }
}

async fn read(state: &AppState, who: &Signed, id: &str) -> Result<ScheduleView, ApiError> {
    staff_only(who)?;
    let id: ScheduleId = id.parse().map_err(|_| ApiError::not_found("schedule"))?;
    let s = state.store.schedule(who.user.tenant_id, id).await.map_err(|e| ApiError::store("schedule", e))?;
    view(s)
}

#[derive(Debug, Default, serde::Deserialize)]
struct Done {
    #[serde(default)]
    saved: String,
}

async fn show(
    State(state): State<AppState>,
    who: Signed,
    Path(id): Path<String>,
    Query(d): Query<Done>,
) -> Response {
    match read(&state, &who, &id).await {
        Ok(s) => page(&Schedule { flash: (!d.saved.is_empty()).then(|| "Saved.".into()), ..form(&who, &s) }),
        Err(e) => fail(Some(who.nav()), e),
    }
}

/// `09:00-12:00, 13:00-17:00` as ranges (checked later, with the schedule).
fn parse_ranges(text: &str) -> Result<Vec<TimeRange>, String> {
    text.split([',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (start, end) =
                p.split_once('-').ok_or_else(|| format!("`{p}` is not a range like 09:00-12:00"))?;
            Ok(TimeRange { start: start.trim().into(), end: end.trim().into() })
        })
        .collect()
}

/// The posted form as a schedule change.
fn update(form: &HashMap<String, String>) -> Result<UpdateSchedule, ApiError> {
    let mut errors = Vec::new();
    let mut weekly = Weekly::new();
    for (d, _) in DAYS {
        match parse_ranges(form.get(d).map_or("", String::as_str)) {
            Ok(v) if v.is_empty() => {}
            Ok(v) => {
                weekly.insert(d.into(), v);
            }
            Err(e) => errors.push(sked_core::FieldError::new(format!("weekly.{d}"), e)),
        }
    }
    let mut overrides = Vec::new();
    for (n, line) in form.get("overrides").map_or("", String::as_str).lines().map(str::trim).enumerate() {
        if line.is_empty() {
            continue;
        }
        let (date, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        let intervals = if rest.eq_ignore_ascii_case("closed") || rest.is_empty() {
            Ok(vec![])
        } else {
            parse_ranges(rest)
        };
        match intervals {
            Ok(intervals) => overrides.push(DateOverride { date: date.into(), intervals }),
            Err(e) => errors.push(sked_core::FieldError::new(format!("overrides[{n}]"), e)),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(UpdateSchedule {
        name: form.get("name").cloned(),
        time_zone: form.get("time_zone").map(|z| z.trim().to_owned()),
        weekly: Some(weekly),
        overrides: Some(overrides),
    })
}

async fn save(
    State(state): State<AppState>,
    Path(id): Path<String>,
    p: Post<HashMap<String, String>>,
) -> Response {
    let who = &p.who;
    let current = match read(&state, who, &id).await {
        Ok(s) => s,
        Err(e) => return fail(Some(who.nav()), e),
    };
    let result = match update(&p.form) {
        Ok(body) => change(&state, who.user.tenant_id, current.id, body).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(s) => Redirect::to(&format!("/admin/schedules/{}?saved=1", s.id)).into_response(),
        Err(e) => {
            let mut res = page(&Schedule { error: Some(e.problem().detail), ..form(who, &current) });
            *res.status_mut() = e.status();
            res
        }
    }
}
