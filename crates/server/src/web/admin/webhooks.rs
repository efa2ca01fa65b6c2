//! The webhooks pages: endpoints (made with their secret shown once, changed, switched on and
//! off, tested, deleted) and each one's recent deliveries (each can be sent again), through the
//! same functions as `/v1/webhooks`.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use sked_core::ids::WebhookId;
use sked_store::Page;
use sked_web::admin::Choice;
use sked_web::editors::{Errors, HookRow, WebhookPage, Webhooks};

use super::csrf::Post;
use super::form::{Fields, done, split, staff_only, with_status};
use super::session::Signed;
use super::{fail, page};
use crate::error::ApiError;
use crate::notify::api::message_view;
use crate::notify::webhooks_api::{
    CreateWebhook, UpdateWebhook, WebhookView, create_webhook, endpoint_deliveries, redeliver_delivery,
    send_test, update_webhook, view,
};
use crate::state::AppState;

/// Deliveries an endpoint's page shows.
const RECENT: i64 = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/webhooks", get(list).post(create))
        .route("/admin/webhooks/{id}", get(show).post(save))
        .route("/admin/webhooks/{id}/test", post(test))
        .route("/admin/webhooks/{id}/deliveries/{delivery}/redeliver", post(again))
        .route("/admin/webhooks/{id}/active", post(switch))
        .route("/admin/webhooks/{id}/delete", post(remove))
}

fn row(w: WebhookView) -> HookRow {
    let note = match (&w.disabled_at, &w.failing_since, w.active) {
        (Some(at), _, _) => format!("disabled at {at} after failing"),
        (_, Some(since), true) => format!("active, failing since {since}"),
        (_, _, true) => "active".into(),
        (_, _, false) => "inactive".into(),
    };
    HookRow {
        id: w.id.to_string(),
        url: w.url,
        events: w.events.join(", "),
        description: w.description.unwrap_or_default(),
        active: w.active,
        note,
    }
}

fn events(chosen: &[String]) -> Vec<Choice> {
    std::iter::once("*")
        .chain(sked_webhooks::EVENTS.iter().copied())
        .map(|e| Choice {
            value: e.into(),
            label: if e == "*" { "All events".into() } else { e.into() },
            selected: chosen.iter().any(|c| c == e),
        })
        .collect()
}

async fn rows(state: &AppState, who: &Signed) -> Result<Vec<HookRow>, ApiError> {
    let list = state
        .store
        .list_webhooks(who.user.tenant_id, Page { limit: 1_000, after: None })
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(list.into_iter().map(|w| row(view(w, None))).collect())
}

/// The list with the new endpoint's form (as typed).
async fn render(
    state: &AppState,
    who: &Signed,
    secret: Option<String>,
    f: &Fields,
    e: Option<&ApiError>,
) -> Response {
    let rows = match rows(state, who).await {
        Ok(r) => r,
        Err(e) => return fail(Some(who.nav()), e),
    };
    let (errors, top) = e.map_or((Errors::new(), None), split);
    let typed = secret.is_none();
    let res = page(&Webhooks {
        nav: Some(who.nav()),
        error: top,
        csrf: who.session.csrf.clone(),
        rows,
        secret,
        url: if typed { f.one("url").into() } else { String::new() },
        description: if typed { f.one("description").into() } else { String::new() },
        events: events(&if typed { f.all("events") } else { vec![] }),
        errors,
        ..Webhooks::default()
    });
    match e {
        Some(e) => with_status(res, e),
        None => res,
    }
}

async fn list(State(state): State<AppState>, who: Signed) -> Response {
    match staff_only(&who) {
        Ok(()) => render(&state, &who, None, &Fields::default(), None).await,
        Err(e) => fail(Some(who.nav()), e),
    }
}

/// Adds an endpoint and shows its secret on the answer itself: the secret is kept sealed and
/// never shown again, so it cannot wait for a redirect.
async fn create(State(state): State<AppState>, p: Post<Fields>) -> Response {
    let (who, f) = (&p.who, &p.form);
    if let Err(e) = staff_only(who) {
        return fail(Some(who.nav()), e);
    }
    let b = CreateWebhook {
        url: f.one("url").trim().into(),
        events: f.all("events"),
        description: f.opt("description"),
        active: true,
    };
    match create_webhook(&state, who.user.tenant_id, b).await {
        Ok(w) => render(&state, who, w.secret, f, None).await,
        Err(e @ ApiError::Validation(_)) => render(&state, who, None, f, Some(&e)).await,
        Err(e) => fail(Some(who.nav()), e),
    }
}

fn id_of(id: &str) -> Result<WebhookId, ApiError> {
    id.parse().map_err(|_| ApiError::not_found("webhook"))
}

async fn show(State(state): State<AppState>, who: Signed, Path(id): Path<String>) -> Response {
    detail(&state, &who, &id, None, None).await
}

/// An endpoint's page: its edit form as stored (or as typed, with `e`'s field errors beside the
/// fields), its buttons, and its recent deliveries.
async fn detail(
    state: &AppState,
    who: &Signed,
    id: &str,
    typed: Option<&Fields>,
    e: Option<&ApiError>,
) -> Response {
    let read = async {
        staff_only(who)?;
        let id = id_of(id)?;
        let w =
            state.store.webhook(who.user.tenant_id, id).await.map_err(|e| ApiError::store("webhook", e))?;
        let sent =
            endpoint_deliveries(state, who.user.tenant_id, id, Page { limit: RECENT, after: None }).await?;
        Ok::<_, ApiError>((view(w, None), sent))
    };
    let (w, sent) = match read.await {
        Ok(found) => found,
        Err(e) => return fail(Some(who.nav()), e),
    };
    let (errors, top) = e.map_or((Errors::new(), None), split);
    let (url, description, chosen) = match typed {
        Some(f) => (f.one("url").to_owned(), f.one("description").to_owned(), f.all("events")),
        None => (w.url.clone(), w.description.clone().unwrap_or_default(), w.events.clone()),
    };
    let res = page(&WebhookPage {
        nav: Some(who.nav()),
        error: top,
        csrf: who.session.csrf.clone(),
        hook: row(w),
        deliveries: sent.into_iter().map(message_view).map(super::view::sent).collect(),
        url,
        description,
        events: events(&chosen),
        errors,
        ..WebhookPage::default()
    });
    match e {
        Some(e) => with_status(res, e),
        None => res,
    }
}

/// Changes an endpoint's URL, events and description (the API's checks), back to its page.
async fn save(State(state): State<AppState>, Path(id): Path<String>, p: Post<Fields>) -> Response {
    let (who, f) = (&p.who, &p.form);
    let run = async {
        staff_only(who)?;
        let b = UpdateWebhook {
            url: Some(f.one("url").trim().into()),
            events: Some(f.all("events")),
            description: Some(f.opt("description")),
            active: None,
        };
        update_webhook(&state, who.user.tenant_id, id_of(&id)?, b).await
    };
    match run.await {
        Ok(_) => done(&format!("/admin/webhooks/{id}")),
        Err(e @ ApiError::Validation(_)) => detail(&state, who, &id, Some(f), Some(&e)).await,
        Err(e) => fail(Some(who.nav()), e),
    }
}

/// Queues a test event, or a delivery again; back to the endpoint's page, where it shows.
async fn test(State(state): State<AppState>, Path(id): Path<String>, p: Post<Fields>) -> Response {
    let who = &p.who;
    let run = async {
        staff_only(who)?;
        send_test(&state, who.user.tenant_id, id_of(&id)?).await
    };
    match run.await {
        Ok(_) => done(&format!("/admin/webhooks/{id}")),
        Err(e) => fail(Some(who.nav()), e),
    }
}

async fn again(
    State(state): State<AppState>,
    Path((id, delivery)): Path<(String, String)>,
    p: Post<Fields>,
) -> Response {
    let who = &p.who;
    let run = async {
        staff_only(who)?;
        let delivery = delivery.parse().map_err(|_| ApiError::not_found("delivery"))?;
        redeliver_delivery(&state, who.user.tenant_id, id_of(&id)?, delivery).await
    };
    match run.await {
        Ok(_) => done(&format!("/admin/webhooks/{id}")),
        Err(e) => fail(Some(who.nav()), e),
    }
}

async fn switch(State(state): State<AppState>, Path(id): Path<String>, p: Post<Fields>) -> Response {
    let who = &p.who;
    let run = async {
        staff_only(who)?;
        let b = UpdateWebhook { active: Some(p.form.one("active") == "true"), ..UpdateWebhook::default() };
        update_webhook(&state, who.user.tenant_id, id_of(&id)?, b).await
    };
    match run.await {
        Ok(_) => done("/admin/webhooks"),
        Err(e) => fail(Some(who.nav()), e),
    }
}

async fn remove(State(state): State<AppState>, Path(id): Path<String>, p: Post<Fields>) -> Response {
    let who = &p.who;
    let run = async {
        staff_only(who)?;
        state
            .store
            .delete_webhook(who.user.tenant_id, id_of(&id)?)
            .await
            .map_err(|e| ApiError::store("webhook", e))
    };
    match run.await {
        Ok(()) => done("/admin/webhooks"),
        Err(e) => fail(Some(who.nav()), e),
    }
}
