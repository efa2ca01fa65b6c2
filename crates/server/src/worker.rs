//! The job worker and what it needs ([`Services`]), shared by the server and by `sked worker`,
//! which runs the worker alone: no HTTP listener, no API keys, no rate limits.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use sked_core::Clock;
use sked_jobs::{Backoff, Worker, WorkerConfig};
use sked_store::DynStore;
use tokio::sync::watch;

use crate::config::Settings;
use crate::state::Services;
use crate::{bootstrap, calendars, events, notify};

/// A worker with a name unique to this process, and no handlers yet.
pub fn new_worker(settings: &Settings, store: DynStore, clock: Arc<dyn Clock>) -> Worker {
    let config = WorkerConfig {
        id: format!("sked-{}-{}", std::process::id(), uuid::Uuid::now_v7().simple()),
        lease_secs: settings.job_lease_seconds.clamp(2, 86_400),
        backoff: Backoff { base_secs: settings.job_retry_seconds.clamp(1, 3_600), ..Backoff::default() },
        ..Default::default()
    };
    Worker::new(store, clock, config)
}

/// What the jobs need, over a migrated store; `worker` is woken by what they enqueue.
pub fn services(
    settings: &Settings,
    store: DynStore,
    clock: Arc<dyn Clock>,
    worker: &Worker,
    base_url: String,
) -> anyhow::Result<Services> {
    let google = match settings.google() {
        Some(config) => Some(sked_google::Google::new(config)?),
        None => None,
    };
    let microsoft = match settings.microsoft() {
        Some(config) => Some(sked_microsoft::Microsoft::new(config)?),
        None => None,
    };
    let resolver = Arc::new(sked_webhooks::CheckedResolver { allow_private: settings.webhook_allow_private });
    let caldav = sked_caldav::CalDav::with_resolver(sked_caldav::CalDavConfig::default(), resolver.clone())?;
    let feeds = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .connect_timeout(std::time::Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::limited(5))
        .https_only(!settings.webhook_allow_private)
        .dns_resolver(resolver)
        .user_agent(concat!("sked/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let sealer = bootstrap::sealer(settings)?;
    let links = sealer.clone().map(|sealer| {
        Arc::new(notify::links::Links { base: base_url.clone(), sealer }) as Arc<dyn sked_app::ManageLinks>
    });
    Ok(Services {
        // Each booking change enqueues one `booking.event` job for the consumers registered below.
        app: sked_app::App::with_links(store.clone(), clock.clone(), worker.waker(), links),
        store,
        clock,
        settings: settings.clone(),
        wake_worker: worker.waker(),
        sealer,
        base_url,
        google,
        microsoft,
        caldav,
        feeds,
        channels: notify::Channels::from_settings(settings)?,
        job_reads: Default::default(),
    })
}

/// Registers every job kind's handler.
pub fn register(worker: &mut Worker, services: &Arc<Services>) {
    let mut consumers: Vec<Arc<dyn events::EventConsumer>> =
        vec![Arc::new(calendars::writeback::WriteBack(services.clone()))];
    consumers.extend(notify::consumers(services));
    events::register(worker, consumers, services.store.clone(), services.clock.clone());
    calendars::register(worker, services);
    notify::register(worker, services);
}

/// `sked worker`: runs jobs until `shutdown` resolves, with the upkeep jobs need (calendar
/// polls and renewals enqueued, finished jobs forgotten); then lets the jobs in hand finish.
pub async fn run(
    settings: Settings,
    store: DynStore,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let mut worker = new_worker(&settings, store.clone(), clock.clone());
    let base_url = settings.base_url(&settings.listen);
    let services = Arc::new(services(&settings, store, clock, &worker, base_url)?);
    register(&mut worker, &services);
    let (stop_tx, stop_rx) = watch::channel(false);
    let tasks =
        [tokio::spawn(Arc::new(worker).run(stop_rx.clone())), tokio::spawn(upkeep(services, stop_rx))];
    shutdown.await;
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    Ok(())
}

/// The chores of a worker-only process: store housekeeping every second, due calendar work
/// every five, finished jobs past their retention every hour.
async fn upkeep(services: Arc<Services>, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut n: u64 = 0;
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = services.store.maintain().await {
            tracing::warn!(error = %e, "store housekeeping failed");
        }
        n += 1;
        if n.is_multiple_of(5)
            && services.google.is_some()
            && let Err(e) = calendars::tick(&services).await
        {
            tracing::warn!(error = %e, "could not enqueue calendar work");
        }
        if n.is_multiple_of(3_600) {
            purge_jobs(&services).await;
        }
    }
}

/// Forgets finished jobs past their retention (`SKED_JOB_RETENTION_DAYS`); dead ones stay.
pub async fn purge_jobs(services: &Services) {
    let Some(secs) = services.settings.job_retention_secs() else { return };
    match services.store.purge_jobs(services.clock.now_second() - secs).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(jobs = n, "purged finished jobs"),
        Err(e) => tracing::warn!(error = %e, "could not purge finished jobs"),
    }
}
