//! Building and running the server: routes, middleware, the job worker and upkeep.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use sked_core::Clock;
use sked_jobs::Worker;
use sked_store::{DynStore, JobStatus};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::{KeyCache, Limiter};
use crate::config::Settings;
use crate::error::ApiError;
use crate::guard::Failures;
use sked_app::idempotency::RETENTION_SECS;

use crate::state::{AppState, Inner};
use crate::{
    blocks, bookings, bootstrap, calendars, event_types, hosts, jobs_api, ops, schedules, slots, telemetry,
    tenants, worker,
};

/// Every route, with its OpenAPI description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .merge(tenants::router())
        .merge(hosts::router())
        .merge(crate::feeds::router())
        .merge(schedules::router())
        .merge(event_types::router())
        .merge(blocks::router())
        .merge(slots::router())
        .merge(bookings::router())
        .merge(jobs_api::router())
        .merge(crate::audit::router())
        .merge(crate::voice::router())
        .merge(crate::mcp::router())
        .merge(crate::time_api::router())
        .merge(calendars::router())
        .merge(ops::router())
        .merge(crate::notify::api::router())
        .merge(crate::notify::api::public_router())
        .merge(crate::notify::settings_api::router())
        .merge(crate::notify::webhooks_api::router())
        .merge(crate::notify::twilio::router())
        .merge(crate::users::api::router())
        .merge(crate::public::router())
        .merge(crate::calcom::router())
}

/// The OpenAPI document of the server, with the responses every operation shares.
pub fn openapi() -> utoipa::openapi::OpenApi {
    crate::openapi::finish(api().into_openapi())
}

/// A server ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    worker: Arc<Worker>,
    /// The operator key when it was generated on this start (to print once).
    pub new_operator_key: Option<String>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("addr", &self.listener.local_addr().ok()).finish()
    }
}

impl Application {
    /// Binds the listener (port 0 picks a free one) and assembles the app over a migrated store.
    pub async fn build(settings: Settings, store: DynStore, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let (operator_key_hash, new_operator_key) = bootstrap::operator_key(&store, &settings).await?;
        let mut worker = worker::new_worker(&settings, store.clone(), clock.clone());
        let listener = TcpListener::bind(&settings.listen).await?;
        let base_url = settings.base_url(&listener.local_addr()?.to_string());
        let services = Arc::new(worker::services(&settings, store, clock, &worker, base_url)?);
        worker::register(&mut worker, &services);
        let state = AppState::new(Inner {
            services,
            keys: KeyCache::default(),
            limiter: Limiter::new(settings.rate_limit_per_second, settings.rate_limit_burst),
            public_limiter: Limiter::new(
                settings.public_rate_limit_per_second,
                settings.public_rate_limit_burst,
            ),
            failures: Failures::new(settings.failure_limit_burst, settings.failure_limit_per_second),
            operator_key_hash,
            metrics: telemetry::metrics(),
            calcom_locks: crate::calcom::Locks::default(),
            slot_answers: crate::slots::Answers::default(),
            public_names: crate::public::Names::default(),
        });
        let router = router(state.clone(), settings.body_limit_bytes);
        Ok(Self { listener, router, state, worker: Arc::new(worker), new_operator_key })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The address the server listens on.
    pub fn address(&self) -> String {
        self.listener.local_addr().map(|a| a.to_string()).unwrap_or_default()
    }

    /// The shared state.
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// The job worker (tests drive it with `run_until_idle`).
    pub fn worker(&self) -> Arc<Worker> {
        self.worker.clone()
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish, stops the worker
    /// and returns.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut background = Vec::new();
        if self.state.settings.run_worker {
            background.push(tokio::spawn(self.worker.clone().run(stop_rx.clone())));
        }
        background.push(tokio::spawn(upkeep(self.state.clone(), stop_rx.clone())));
        if let Some(addr) = self.state.settings.metrics_listen.clone() {
            let metrics = Router::new()
                .route("/metrics", axum::routing::get(ops::metrics))
                .with_state(self.state.clone());
            let listener = TcpListener::bind(&addr).await?;
            let mut stop = stop_rx.clone();
            background.push(tokio::spawn(async move {
                let _ = axum::serve(listener, metrics)
                    .with_graceful_shutdown(async move {
                        let _ = stop.changed().await;
                    })
                    .await;
            }));
        }
        // The peer's address reaches handlers, for the per-address failure guard.
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service).with_graceful_shutdown(shutdown).await?;
        let _ = stop_tx.send(true);
        for task in background {
            let _ = task.await;
        }
        Ok(())
    }
}

fn router(state: AppState, body_limit: usize) -> Router {
    let (router, openapi) = api().split_for_parts();
    let openapi = Arc::new(crate::openapi::finish(openapi));
    let request_id = HeaderName::from_static("x-request-id");
    router
        .merge(crate::web::router())
        .route(
            "/v1/openapi.json",
            axum::routing::get(move || async move { axum::Json(openapi.as_ref().clone()) }),
        )
        .fallback(|| async { ApiError::not_found("route").into_response() })
        .method_not_allowed_fallback(|| async {
            ApiError::Client {
                status: StatusCode::METHOD_NOT_ALLOWED,
                code: "method_not_allowed",
                detail: "this route does not take that method".into(),
            }
            .into_response()
        })
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(crate::public::cors())
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::audit::record))
        .layer(axum::middleware::from_fn(ops::record))
        .layer(CatchPanicLayer::custom(|_| -> Response {
            ApiError::Internal(anyhow::anyhow!("handler panicked")).into_response()
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
                .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req.extensions().get::<RequestId>().and_then(|r| r.header_value().to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
                })
                // One line per request, with status and latency, inside the request's span.
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Micros)),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// Periodic chores: store housekeeping every second; every five, enqueueing due calendar work;
/// every ten, metric upkeep, forgetting addresses whose failures are forgiven, and the job queue
/// depth and lag gauges; every minute, the message gauges; every hour, forgetting old idempotency keys and finished jobs ([`forget`]).
async fn upkeep(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut n: u64 = 0;
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = state.store.maintain().await {
            tracing::warn!(error = %e, "store housekeeping failed");
        }
        n += 1;
        if n.is_multiple_of(5)
            && state.google.is_some()
            && let Err(e) = calendars::tick(&state).await
        {
            tracing::warn!(error = %e, "could not enqueue calendar work");
        }
        if !n.is_multiple_of(10) {
            continue;
        }
        state.metrics.run_upkeep();
        state.failures.shrink(state.clock.now().as_millisecond());
        if let Ok(counts) = state.store.job_counts().await {
            for status in [JobStatus::Queued, JobStatus::Running, JobStatus::Dead] {
                let c = counts.iter().find(|(s, _)| *s == status).map_or(0, |(_, c)| *c);
                metrics::gauge!("sked_jobs", "status" => status.as_str()).set(c as f64);
            }
        }
        let now = state.clock.now_second();
        if let Ok(oldest) = state.store.oldest_due(now).await {
            metrics::gauge!("sked_jobs_lag_seconds").set(oldest.map_or(0, |at| now - at) as f64);
        }
        // Counting every message is a scan: once a minute.
        if n.is_multiple_of(60)
            && let Ok(counts) = state.store.message_counts().await
        {
            for (channel, kind, status, n) in counts {
                metrics::gauge!("sked_messages", "channel" => channel, "kind" => kind, "status" => status)
                    .set(n as f64);
            }
        }
        if n.is_multiple_of(3_600) {
            forget(&state).await;
        }
    }
}

/// Hourly: forgets idempotency keys past their retention, finished jobs past theirs, and
/// expired dashboard sessions.
pub async fn forget(state: &AppState) {
    let now = state.clock.now_second();
    if let Err(e) = state.store.purge_idempotency(now - RETENTION_SECS).await {
        tracing::warn!(error = %e, "could not purge idempotency keys");
    }
    crate::worker::purge_jobs(state).await;
    crate::privacy::retain(&state.store, state.settings.personal_data_retention_days, now).await;
    if let Err(e) = state.store.purge_sessions(now).await {
        tracing::warn!(error = %e, "could not forget expired dashboard sessions");
    }
    state.limiter.shrink();
    state.public_limiter.shrink();
}
