//! Running Sked: the server, the worker alone, the MCP server on stdio, and their shutdown.

use std::sync::Arc;

use sked_core::Clock;
use sked_store::DynStore;

use super::demo::{DEMO_TENANT, first_start_demo, forget_saved_demo_key, print_tour};
use crate::config::Settings;
use crate::{Application, bootstrap, telemetry};

/// `sked serve` (and `sked` alone): the server, with its worker unless `SKED_RUN_WORKER=false`,
/// until SIGTERM or Ctrl-C.
pub(super) async fn serve(settings: Settings, clock: Arc<dyn Clock>, demo: bool) -> anyhow::Result<()> {
    telemetry::init_logs(&settings.log_format);
    let store = sked_store::connect_with(&settings.database_url, settings.db_max_connections).await?;
    bootstrap::secret_key(&settings)?;
    forget_saved_demo_key(&settings);
    let demo = if demo { first_start_demo(&store, clock.now_second()).await? } else { None };
    let app = Application::build(settings.clone(), store.clone(), clock.clone()).await?;
    let url = settings.base_url(&app.address());
    println!("\nSked is listening on {url}  (store: {})", redact(&settings.database_url));
    if let Some(key) = &app.new_operator_key {
        println!("operator key (shown once; manages tenants): {key}");
    }
    match demo {
        Some(demo) => print_tour(&url, &demo, &store, clock.now_second()).await,
        None => {
            if let Ok(Some(id)) = store.setting(DEMO_TENANT).await {
                println!(
                    "demo tenant: {id} (its API key was shown at its first start; \
                     `sked key create --tenant {id}` makes another)"
                );
            }
        }
    }
    println!("API description: {url}/v1/openapi.json   Health: {url}/healthz   Metrics: {url}/metrics");
    app.run_until_stopped(shutdown_signal()).await?;
    close(&store).await;
    println!("Sked stopped.");
    Ok(())
}

/// `sked worker`: the job worker alone, until SIGTERM or Ctrl-C.
pub(super) async fn work(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<()> {
    telemetry::init_logs(&settings.log_format);
    let store = sked_store::connect_with(&settings.database_url, settings.db_max_connections).await?;
    bootstrap::secret_key(&settings)?;
    println!("Sked worker running (store: {})", redact(&settings.database_url));
    crate::worker::run(settings, store.clone(), clock, shutdown_signal()).await?;
    close(&store).await;
    println!("Sked worker stopped.");
    Ok(())
}

/// `sked mcp`: the MCP server on stdio over the configured store. Nothing but protocol
/// messages is written to stdout. Jobs the tools enqueue are worked by the server or worker
/// sharing the store.
pub(super) async fn mcp(
    settings: Settings,
    clock: Arc<dyn Clock>,
    api_key: &str,
    agent: Option<sked_core::ids::VoiceAgentId>,
) -> anyhow::Result<()> {
    telemetry::init_logs_to_stderr(&settings.log_format);
    let store = sked_store::connect_with(&settings.database_url, settings.db_max_connections).await?;
    let worker = crate::worker::new_worker(&settings, store.clone(), clock.clone());
    let base_url = settings.base_url(&settings.listen);
    let services = Arc::new(crate::worker::services(&settings, store, clock, &worker, base_url)?);
    crate::mcp::stdio::run(services, api_key, agent).await
}

/// Closes the store after a drain (on SQLite, folding the write-ahead log into the database), but
/// never waits long for a connection some task still holds.
async fn close(store: &DynStore) {
    if tokio::time::timeout(std::time::Duration::from_secs(5), store.close()).await.is_err() {
        tracing::warn!("the store did not close within 5 s; exiting anyway");
    }
}

/// The database URL without a password.
pub(super) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
