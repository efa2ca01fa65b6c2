//! ICS feeds served on loopback as calendar sites serve them: each path its body and `ETag`,
//! and `304 Not Modified` to a request whose `If-None-Match` names the current one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::header::{CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

type Feeds = Arc<Mutex<HashMap<String, (String, String)>>>;

/// A running feed server.
#[derive(Clone)]
pub struct FeedServer {
    feeds: Feeds,
    base: String,
}

impl FeedServer {
    pub async fn start() -> FeedServer {
        let feeds = Feeds::default();
        let app = axum::Router::new().fallback(serve).with_state(feeds.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FeedServer { feeds, base }
    }

    /// Serves `body` at `path` with the ETag `"<etag>"`; answers the feed's URL.
    pub fn publish(&self, path: &str, etag: &str, body: String) -> String {
        self.feeds.lock().unwrap().insert(path.to_owned(), (format!("\"{etag}\""), body));
        format!("{}{path}", self.base)
    }
}

async fn serve(State(feeds): State<Feeds>, uri: Uri, headers: HeaderMap) -> Response {
    let Some((etag, body)) = feeds.lock().unwrap().get(uri.path()).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if headers.get(IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == etag.as_bytes()) {
        return (StatusCode::NOT_MODIFIED, [(ETAG, etag)]).into_response();
    }
    ([(CONTENT_TYPE, "text/calendar; charset=utf-8".to_owned()), (ETAG, etag)], body).into_response()
}
