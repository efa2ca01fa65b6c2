//! The admin dashboard at `/admin`: sign-in, bookings (list, CSV, detail and changes through
//! the same booking flows as the API), schedules, the editors of event types, hosts, API keys,
//! webhooks and voice agents (each through its API's own validation and store calls), calendar
//! connections, the calendar and analytics. Every page is rendered on the server and every form
//! works without JavaScript; every answer carries the security headers below.

mod agents;
mod analytics;
mod bookings;
mod calendar;
mod connections;
mod csrf;
mod csv;
mod delete;
mod event_type_form;
mod event_types;
mod form;
mod hosts;
mod keys;
mod login;
mod password;
mod reset;
mod schedules;
mod session;
mod view;
mod webhooks;

use askama::Template;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use sked_web::admin::{Message, Nav};

use crate::error::ApiError;
use crate::state::AppState;

/// Every dashboard route.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(login::router())
        .merge(reset::router())
        .merge(password::router())
        .merge(analytics::router())
        .merge(bookings::router())
        .merge(calendar::router())
        .merge(connections::router())
        .merge(csv::router())
        .merge(schedules::router())
        .merge(event_types::router())
        .merge(hosts::router())
        .merge(keys::router())
        .merge(webhooks::router())
        .merge(agents::router())
        .merge(delete::router())
        .layer(axum::middleware::map_response(secure_headers))
}

/// No other site may frame, script or style a dashboard page, post its forms elsewhere, or
/// keep a copy of it.
async fn secure_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    let csp =
        "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'";
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    res
}

/// A rendered page.
fn page(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => fail(None, ApiError::Internal(e.into())),
    }
}

/// An error as a page, with its status.
fn fail(nav: Option<Nav>, e: ApiError) -> Response {
    let status = e.status();
    if let ApiError::Internal(cause) = &e {
        tracing::error!(error = ?cause, "dashboard request failed");
    }
    let heading = match status.as_u16() {
        403 => "Not allowed",
        404 => "Not found",
        429 => "Too many attempts",
        s if s >= 500 => "Something went wrong",
        _ => "That did not work",
    };
    let mut res =
        page(&Message { nav, heading: heading.into(), text: e.problem().detail, ..Message::default() });
    *res.status_mut() = status;
    if let ApiError::RateLimited { retry_after } = e {
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    }
    res
}
