//! Booking events reach every consumer through one job per change; a consumer that fails gets
//! the event in a job of its own and is the only one to see it again.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use serde_json::json;
use sked_app::BookingEvent;
use sked_core::ids::TenantId;
use sked_jobs::{JobError, JobHandler, Worker, WorkerConfig};
use sked_server::events::{self, BookingEvents, EventConsumer};

use crate::helpers::*;

/// A consumer that counts the events it sees and fails the first `fails` of them.
struct Counting {
    kind: &'static str,
    fails: usize,
    seen: AtomicUsize,
}

impl Counting {
    fn new(kind: &'static str, fails: usize) -> Arc<Self> {
        Arc::new(Self { kind, fails, seen: AtomicUsize::new(0) })
    }

    fn seen(&self) -> usize {
        self.seen.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl EventConsumer for Counting {
    fn name(&self) -> &'static str {
        self.kind
    }

    fn kind(&self) -> &'static str {
        self.kind
    }

    async fn consume(&self, _: Option<TenantId>, _: &BookingEvent) -> Result<(), JobError> {
        if self.seen.fetch_add(1, Ordering::SeqCst) < self.fails {
            return Err(JobError::Retry("the consumer's store hiccuped".into()));
        }
        Ok(())
    }
}

fn as_consumers(c: &[&Arc<Counting>]) -> Vec<Arc<dyn EventConsumer>> {
    c.iter().map(|c| (*c).clone() as Arc<dyn EventConsumer>).collect()
}

#[tokio::test]
async fn a_failed_consumer_retries_on_its_own_and_the_others_see_the_event_once() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:00:00Z", "Pat")).await;
        let queued = app.get("/v1/jobs?status=queued").await.body["data"].clone();
        let event = queued[0].clone();
        assert_eq!((event["kind"].as_str(), queued.as_array().unwrap().len()), (Some("booking.event"), 1));

        let (calendar, notify, hooks) = (
            Counting::new("test.calendar", 0),
            Counting::new("test.notify", 1),
            Counting::new("test.hooks", 0),
        );
        let mut worker = Worker::new(app.store.clone(), app.clock.clone(), WorkerConfig::default());
        events::register(
            &mut worker,
            as_consumers(&[&calendar, &notify, &hooks]),
            app.store.clone(),
            app.clock.clone(),
        );

        // The change's job runs every consumer; the failed one gets its own job with the same event.
        let pass = worker.run_once().await.unwrap();
        assert_eq!((pass.ran, pass.done), (1, 1));
        assert_eq!((calendar.seen(), notify.seen(), hooks.seen()), (1, 1, 1));
        let own = app.get("/v1/jobs?status=queued").await.body["data"].clone();
        assert_eq!(own.as_array().unwrap().len(), 1, "{own}");
        assert_eq!(own[0]["kind"], "test.notify");
        assert_eq!(own[0]["payload"], event["payload"]);

        // Only that consumer sees the event again.
        let pass = worker.run_until_idle().await.unwrap();
        assert_eq!((pass.ran, pass.done), (1, 1));
        assert_eq!((calendar.seen(), notify.seen(), hooks.seen()), (1, 2, 1));
        let done = app.get("/v1/jobs?status=done").await.body["data"].clone();
        assert_eq!(done.as_array().unwrap().len(), 2);
        assert_eq!(app.get("/v1/jobs?status=queued").await.body["data"], json!([]));
        app
    })
    .await;
}

#[tokio::test]
async fn a_change_whose_job_runs_twice_hands_a_failed_consumer_one_job() {
    on_each_store(|app| async move {
        let w = world(&app).await;
        app.post("/v1/bookings", booking(&w.event_type, "2026-03-03T14:00:00Z", "Pat")).await;
        let id =
            app.get("/v1/jobs?status=queued").await.body["data"][0]["id"].as_str().unwrap().parse().unwrap();
        let row = app.store.job(id).await.unwrap();
        let (ok, failing) = (Counting::new("test.ok", 0), Counting::new("test.failing", usize::MAX));
        let handler =
            BookingEvents::new(as_consumers(&[&ok, &failing]), app.store.clone(), app.clock.clone());
        let event: BookingEvent = serde_json::from_str(&row.payload).unwrap();

        // As if the job's settlement were lost and it ran again while the hand-off still waits.
        for _ in 0..2 {
            handler.run(event.clone(), &row).await.unwrap();
        }
        assert_eq!((ok.seen(), failing.seen()), (2, 2), "a consumer tolerates an event twice");
        let queued = app.get("/v1/jobs?status=queued").await.body["data"].clone();
        let own: Vec<_> = queued.as_array().unwrap().iter().filter(|j| j["kind"] == "test.failing").collect();
        assert_eq!(own.len(), 1, "{queued}");
        assert!(queued.as_array().unwrap().iter().all(|j| j["kind"] != "test.ok"));
        app
    })
    .await;
}
