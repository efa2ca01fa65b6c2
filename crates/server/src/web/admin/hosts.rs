//! The hosts editor: name, contact, time zone, schedule and whether they take bookings, saved
//! through the same create and change as `/v1/hosts`. Teams are edited on the event type page.
//! A host's page also shows its calendar feed URL, and makes a new one as the API's rotate does.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use sked_core::ids::{HostId, ScheduleId};
use sked_store::Page;
use sked_web::admin::Choice;
use sked_web::editors::{HostEdit, Item, List};

use super::csrf::Post;
use super::form::{Fields, done, split, staff_only, with_status};
use super::session::Signed;
use super::{fail, page};
use crate::error::ApiError;
use crate::hosts::{CreateHost, HostView, UpdateHost, create_host, update_host, view};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/hosts", get(list))
        .route("/admin/hosts/new", get(blank).post(create))
        .route("/admin/hosts/{id}", get(show).post(save))
        .route("/admin/hosts/{id}/feed/rotate", post(rotate))
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
    match state.store.list_hosts(who.user.tenant_id, Page { limit: 1_000, after: None }).await {
        Ok(rows) => page(&List {
            nav,
            flash: d.flash(),
            heading: "Hosts".into(),
            new_href: "/admin/hosts/new".into(),
            items: rows
                .into_iter()
                .map(|h| Item {
                    href: format!("/admin/hosts/{}", h.id),
                    label: h.name,
                    note: format!("{}{}", h.time_zone, if h.active { "" } else { " · inactive" }),
                })
                .collect(),
            ..List::default()
        }),
        Err(e) => fail(nav, ApiError::Internal(e.into())),
    }
}

async fn schedules(state: &AppState, who: &Signed, chosen: &str) -> Result<Vec<Choice>, ApiError> {
    let rows = state
        .store
        .list_schedules(who.user.tenant_id, Page { limit: 1_000, after: None })
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(rows
        .into_iter()
        .map(|s| Choice { selected: s.id.to_string() == chosen, value: s.id.to_string(), label: s.name })
        .collect())
}

fn from_view(who: &Signed, h: Option<&HostView>, schedules: Vec<Choice>) -> HostEdit {
    HostEdit {
        nav: Some(who.nav()),
        csrf: who.session.csrf.clone(),
        id: h.map(|h| h.id.to_string()).unwrap_or_default(),
        name: h.map(|h| h.name.clone()).unwrap_or_default(),
        email: h.and_then(|h| h.email.clone()).unwrap_or_default(),
        phone: h.and_then(|h| h.phone.clone()).unwrap_or_default(),
        time_zone: h.map_or_else(|| "UTC".into(), |h| h.time_zone.clone()),
        schedules,
        active: h.is_none_or(|h| h.active),
        ..HostEdit::default()
    }
}

#[derive(Debug, Default, serde::Deserialize)]
struct Done {
    #[serde(default)]
    saved: String,
    #[serde(default)]
    rotated: String,
}

impl Done {
    fn flash(&self) -> Option<String> {
        if !self.rotated.is_empty() {
            Some("A new feed URL is made; the old one no longer works.".into())
        } else {
            (!self.saved.is_empty()).then(|| "Saved.".into())
        }
    }
}

async fn blank(State(state): State<AppState>, who: Signed) -> Response {
    let nav = Some(who.nav());
    let read = async {
        staff_only(&who)?;
        schedules(&state, &who, "").await
    };
    match read.await {
        Ok(s) => page(&from_view(&who, None, s)),
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
        let id: HostId = id.parse().map_err(|_| ApiError::not_found("host"))?;
        let host = state.store.host(who.user.tenant_id, id).await.map_err(|e| ApiError::store("host", e))?;
        // Without a secret key there is no feed to show.
        let feed_url = crate::feeds::url_of(&state, &host).unwrap_or_default();
        let h = view(host);
        let chosen = h.schedule_id.map(|s: ScheduleId| s.to_string()).unwrap_or_default();
        Ok::<_, ApiError>((schedules(&state, &who, &chosen).await?, h, feed_url))
    };
    match read.await {
        Ok((s, h, feed_url)) => {
            page(&HostEdit { flash: d.flash(), feed_url, ..from_view(&who, Some(&h), s) })
        }
        Err(e) => fail(Some(who.nav()), e),
    }
}

/// Saves a new (`id` none) or changed host: to its page, or the form again.
async fn store(state: &AppState, who: &Signed, id: Option<HostId>, f: &Fields) -> Response {
    let tenant = who.user.tenant_id;
    let result = match id {
        None => {
            let b = CreateHost {
                name: f.one("name").into(),
                email: f.opt("email"),
                phone: f.opt("phone"),
                time_zone: f.one("time_zone").trim().into(),
                schedule_id: f.opt("schedule_id"),
                priority: 0,
                weight: 100,
                active: f.ticked("active"),
            };
            create_host(state, tenant, b).await
        }
        Some(id) => {
            let b = UpdateHost {
                name: Some(f.one("name").into()),
                email: Some(f.opt("email")),
                phone: Some(f.opt("phone")),
                time_zone: Some(f.one("time_zone").trim().into()),
                schedule_id: Some(f.opt("schedule_id")),
                active: Some(f.ticked("active")),
                ..UpdateHost::default()
            };
            update_host(state, tenant, id, b).await
        }
    };
    match result {
        Ok(h) => done(&format!("/admin/hosts/{}?saved=1", h.id)),
        Err(e @ ApiError::Validation(_)) => {
            let (errors, top) = split(&e);
            let s = schedules(state, who, f.one("schedule_id")).await.unwrap_or_default();
            let t = HostEdit {
                nav: Some(who.nav()),
                error: top,
                csrf: who.session.csrf.clone(),
                id: id.map(|i| i.to_string()).unwrap_or_default(),
                name: f.one("name").into(),
                email: f.one("email").into(),
                phone: f.one("phone").into(),
                time_zone: f.one("time_zone").into(),
                schedules: s,
                active: f.ticked("active"),
                errors,
                ..HostEdit::default()
            };
            with_status(page(&t), &e)
        }
        Err(e) => fail(Some(who.nav()), e),
    }
}

async fn create(State(state): State<AppState>, p: Post<Fields>) -> Response {
    match staff_only(&p.who) {
        Ok(()) => store(&state, &p.who, None, &p.form).await,
        Err(e) => fail(Some(p.who.nav()), e),
    }
}

async fn save(State(state): State<AppState>, Path(id): Path<String>, p: Post<Fields>) -> Response {
    if let Err(e) = staff_only(&p.who) {
        return fail(Some(p.who.nav()), e);
    }
    match id.parse::<HostId>() {
        Ok(id) => store(&state, &p.who, Some(id), &p.form).await,
        Err(_) => fail(Some(p.who.nav()), ApiError::not_found("host")),
    }
}

/// A new feed URL for the host: to its page, which shows it.
async fn rotate(State(state): State<AppState>, Path(id): Path<String>, p: Post<Fields>) -> Response {
    let run = async {
        staff_only(&p.who)?;
        let id: HostId = id.parse().map_err(|_| ApiError::not_found("host"))?;
        crate::feeds::rotate(&state, p.who.user.tenant_id, id).await?;
        Ok::<_, ApiError>(id)
    };
    match run.await {
        Ok(id) => done(&format!("/admin/hosts/{id}?rotated=1")),
        Err(e) => fail(Some(p.who.nav()), e),
    }
}
