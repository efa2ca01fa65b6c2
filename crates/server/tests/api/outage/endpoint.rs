//! A webhook endpoint that answers as it is told: 204, 500, 429 with `Retry-After`, or 204 only
//! after hanging past the sender's timeout. Each delivery is recorded as it arrives (its
//! `webhook-id` and body), whatever the answer.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};

/// How the endpoint answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Ok,
    Fail,
    /// 429 with `Retry-After` in seconds.
    Throttle(u64),
    /// 204, after [`super::HANG`].
    Hang,
}

/// A running endpoint.
#[derive(Clone)]
pub struct Endpoint {
    pub url: String,
    got: Arc<Mutex<Vec<(String, String)>>>,
    answer: Arc<Mutex<Answer>>,
}

impl Endpoint {
    pub async fn start() -> Endpoint {
        let got = Arc::new(Mutex::new(Vec::new()));
        let answer = Arc::new(Mutex::new(Answer::Ok));
        let (rec, how) = (got.clone(), answer.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |h: HeaderMap, body: String| {
                let (rec, how) = (rec.clone(), how.clone());
                async move {
                    let id = h.get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                    rec.lock().unwrap().push((id, body));
                    let mut headers = HeaderMap::new();
                    let answer = *how.lock().unwrap();
                    let status = match answer {
                        Answer::Ok => StatusCode::NO_CONTENT,
                        Answer::Fail => StatusCode::INTERNAL_SERVER_ERROR,
                        Answer::Throttle(secs) => {
                            headers.insert("retry-after", secs.into());
                            StatusCode::TOO_MANY_REQUESTS
                        }
                        Answer::Hang => {
                            tokio::time::sleep(super::HANG).await;
                            StatusCode::NO_CONTENT
                        }
                    };
                    (status, headers)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Endpoint { url, got, answer }
    }

    /// Answers this way from now on.
    pub fn answer(&self, a: Answer) {
        *self.answer.lock().unwrap() = a;
    }

    /// Every delivery received: (`webhook-id`, body), in order.
    pub fn got(&self) -> Vec<(String, String)> {
        self.got.lock().unwrap().clone()
    }
}
