//! The pages people see: the public booking page, the attendee's manage page, the widget script
//! and the admin dashboard. Templates and assets live in `sked-web`; this module fetches what a
//! page shows and answers with it, with the security headers every page carries (`page.rs`).

mod admin;
mod assets;
mod book;
mod manage;
pub mod page;
mod picker;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// Every page route (outside the OpenAPI document: these answer HTML and files, not JSON).
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(assets::router())
        .merge(admin::router())
        .route("/book/{tenant}/{event_type}", get(book::page).post(book::submit))
        .route("/m/{token}", get(manage::page))
        .route("/m/{token}/reschedule", axum::routing::post(manage::reschedule))
        .route("/m/{token}/cancel", axum::routing::post(manage::cancel))
        .route("/m/{token}/booking.ics", get(manage::ics))
        // Pages and scripts travel compressed to browsers that ask for it.
        .layer(tower_http::compression::CompressionLayer::new())
}
