//! The pages people see: the public booking page, the attendee's manage page, the widget script
//! and the admin dashboard. Templates and assets live in `sked-web`; this module fetches what a
//! page shows and answers with it, with the security headers every page carries.

mod admin;
mod assets;

use axum::Router;

use crate::state::AppState;

/// Every page route (outside the OpenAPI document: these answer HTML and files, not JSON).
pub fn router() -> Router<AppState> {
    Router::new().merge(assets::router()).merge(admin::router())
}
