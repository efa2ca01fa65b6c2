//! Embedded files: `/assets/{name}` and the widget at `/widget.js`, with strong ETags and
//! conditional GETs.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sked_web::assets::{self, Asset};

use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/{name}", get(asset))
        .route("/widget.js", get(|headers: HeaderMap| async move { serve("widget.js", &headers) }))
}

async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Response {
    serve(&name, &headers)
}

fn serve(name: &str, headers: &HeaderMap) -> Response {
    let Some(a) = assets::get(name) else { return ApiError::not_found("asset").into_response() };
    let fresh = headers.get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == a.etag.as_bytes());
    let mut res = if fresh { StatusCode::NOT_MODIFIED.into_response() } else { a.body.into_response() };
    set_headers(res.headers_mut(), a);
    res
}

fn set_headers(h: &mut HeaderMap, a: &Asset) {
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(a.content_type));
    if let Ok(tag) = HeaderValue::from_str(&a.etag) {
        h.insert(header::ETAG, tag);
    }
    // Short freshness: the widget's URL is fixed, so a new release must reach sites within minutes.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    // Any site may load the widget and its stylesheet.
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
}
