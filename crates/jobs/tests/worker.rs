//! The worker against both stores, with time from a manual clock.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use sked_core::{Clock, ManualClock};
use sked_jobs::{Backoff, Handler, JobError, Shared, Worker, WorkerConfig, new_job};
use sked_store::{DynStore, Job, JobStatus};
use sked_test_utils::on_each_store;

/// Fails its first `fail` runs with the given error, then succeeds; counts runs.
struct Flaky {
    fail: usize,
    runs: AtomicUsize,
    error: fn(usize) -> JobError,
}

#[async_trait]
impl Handler for Flaky {
    async fn run(&self, _: &Job) -> Result<(), JobError> {
        let n = self.runs.fetch_add(1, Ordering::SeqCst);
        if n < self.fail { Err((self.error)(n)) } else { Ok(()) }
    }
}

fn flaky(fail: usize, error: fn(usize) -> JobError) -> Arc<Flaky> {
    Arc::new(Flaky { fail, runs: AtomicUsize::new(0), error })
}

fn setup(store: &DynStore, id: &str) -> (Arc<ManualClock>, Worker) {
    let clock = Arc::new(ManualClock::new("2026-06-01T12:00:00Z".parse::<Timestamp>().unwrap()));
    let config = WorkerConfig {
        id: id.into(),
        lease_secs: 60,
        batch: 10,
        backoff: Backoff { base_secs: 30, max_secs: 600 },
        ..Default::default()
    };
    (clock.clone(), Worker::new(store.clone(), clock, config))
}

#[tokio::test]
async fn failed_jobs_retry_after_the_backoff_then_succeed() {
    on_each_store(|db| async move {
        let store = db.store().await;
        let (clock, mut worker) = setup(&store, "w1");
        let h = flaky(2, |n| JobError::Retry(format!("try {n}")));
        worker.register("demo", h.clone());
        let job = new_job(None, "demo", &serde_json::json!({"x": 1}), clock.now_second()).unwrap();
        store.enqueue(&job).await.unwrap();

        let p = worker.run_until_idle().await.unwrap();
        assert_eq!((p.ran, p.retried), (1, 1));
        let j = store.job(job.id).await.unwrap();
        assert_eq!((j.status.as_str(), j.attempts, j.last_error.as_deref()), ("queued", 1, Some("try 0")));
        let wait = j.run_at - clock.now_second();
        assert!((24..=36).contains(&wait), "first retry after about 30 s, got {wait}");
        // Not due yet: nothing runs.
        clock.advance(SignedDuration::from_secs(wait - 1));
        assert_eq!(worker.run_until_idle().await.unwrap().ran, 0);
        clock.advance(SignedDuration::from_secs(1));
        assert_eq!(worker.run_until_idle().await.unwrap().retried, 1);
        let j = store.job(job.id).await.unwrap();
        let wait = j.run_at - clock.now_second();
        assert!((48..=72).contains(&wait), "second retry after about 60 s, got {wait}");
        clock.advance(SignedDuration::from_secs(wait));
        assert_eq!(worker.run_until_idle().await.unwrap().done, 1);
        let j = store.job(job.id).await.unwrap();
        assert_eq!((j.status.as_str(), j.attempts), ("done", 3));
        assert_eq!(h.runs.load(Ordering::SeqCst), 3);
        db
    })
    .await;
}

#[tokio::test]
async fn jobs_die_after_their_last_attempt_or_at_once_when_permanent() {
    on_each_store(|db| async move {
        let store = db.store().await;
        let (clock, mut worker) = setup(&store, "w1");
        worker.register("always", flaky(usize::MAX, |_| JobError::Retry("down".into())));
        worker.register("fatal", flaky(usize::MAX, |_| JobError::Permanent("bad payload".into())));
        let always = new_job(None, "always", &(), clock.now_second()).unwrap();
        let fatal = new_job(None, "fatal", &(), clock.now_second()).unwrap();
        store.enqueue(&always).await.unwrap();
        store.enqueue(&fatal).await.unwrap();
        for _ in 0..10 {
            worker.run_until_idle().await.unwrap();
            clock.advance(SignedDuration::from_hours(1));
        }
        let a = store.job(always.id).await.unwrap();
        assert_eq!((a.status.as_str(), a.attempts), ("dead", 5));
        let f = store.job(fatal.id).await.unwrap();
        assert_eq!(
            (f.status.as_str(), f.attempts, f.last_error.as_deref()),
            ("dead", 1, Some("bad payload"))
        );
        db
    })
    .await;
}

#[tokio::test]
async fn retry_at_is_honoured_and_unknown_kinds_wait() {
    on_each_store(|db| async move {
        let store = db.store().await;
        let (clock, mut worker) = setup(&store, "w1");
        // The service asked us to come back in 15 minutes.
        const AT: i64 = 1_780_316_100;
        assert_eq!(AT, clock.now_second() + 900);
        worker.register(
            "limited",
            Arc::new(Flaky {
                fail: 1,
                runs: AtomicUsize::new(0),
                error: |_| JobError::RetryAt(AT, "429".into()),
            }),
        );
        let limited = new_job(None, "limited", &(), clock.now_second()).unwrap();
        let unknown = new_job(None, "from.the.future", &(), clock.now_second()).unwrap();
        store.enqueue(&limited).await.unwrap();
        store.enqueue(&unknown).await.unwrap();
        worker.run_until_idle().await.unwrap();
        assert_eq!(store.job(limited.id).await.unwrap().run_at, AT);
        let u = store.job(unknown.id).await.unwrap();
        assert_eq!(u.status, JobStatus::Queued);
        assert!(u.last_error.unwrap().contains("no handler"));
        db
    })
    .await;
}

/// How a handler fails, by run.
type Fails = fn(usize) -> JobError;

/// Now, on [`setup`]'s clock.
const NOW: i64 = 1_780_315_200;

#[tokio::test]
async fn a_wait_the_service_asked_for_is_never_cut_short_when_it_answers_again() {
    on_each_store(|db| async move {
        let store = db.store().await;
        let (clock, mut worker) = setup(&store, "w1");
        assert_eq!(clock.now_second(), NOW);
        let tenant = sked_core::ids::TenantId::new();
        let cases: [(&str, Fails); 4] = [
            ("down", |_| JobError::Retry("503".into())),
            ("asked", |_| JobError::RetryAfter(600, "429, Retry-After: 600".into())),
            ("refused", |_| JobError::Held { at: None, hold_until: None, message: "451".into() }),
            ("briefly", |_| JobError::Held {
                at: Some(NOW + 900),
                hold_until: Some(NOW + 60),
                message: "429, Retry-After: 60".into(),
            }),
        ];
        let mut jobs = Vec::new();
        for (kind, error) in cases {
            worker.register(kind, flaky(1, error));
            let job = new_job(Some(tenant), kind, &(), NOW).unwrap();
            store.enqueue(&job).await.unwrap();
            jobs.push(job);
        }
        assert_eq!(worker.run_until_idle().await.unwrap().retried, 4);
        let refused = store.job(jobs[2].id).await.unwrap().run_at;
        assert!((NOW + 24..=NOW + 36).contains(&refused), "the usual backoff");
        // Each service answers again five seconds later.
        for job in &jobs {
            store.expedite_retries(tenant, &job.kind, NOW + 5).await.unwrap();
        }
        let run_at: Vec<i64> = futures::future::join_all(jobs.iter().map(|j| store.job(j.id)))
            .await
            .into_iter()
            .map(|j| j.unwrap().run_at)
            .collect();
        assert_eq!(run_at, [NOW + 5, NOW + 600, refused, NOW + 60]);
        db
    })
    .await;
}

#[tokio::test]
async fn two_workers_run_each_job_once() {
    on_each_store(|db| async move {
        let store = db.store().await;
        let counter = flaky(0, |_| JobError::Retry(String::new()));
        let (clock, mut w1) = setup(&store, "w1");
        let (_, mut w2) = setup(&store, "w2");
        w1.register("demo", counter.clone());
        w2.register("demo", counter.clone());
        for _ in 0..60 {
            store.enqueue(&new_job(None, "demo", &(), clock.now_second()).unwrap()).await.unwrap();
        }
        let (a, b) = tokio::join!(w1.run_until_idle(), w2.run_until_idle());
        assert_eq!(a.unwrap().done + b.unwrap().done, 60);
        assert_eq!(counter.runs.load(Ordering::SeqCst), 60);
        db
    })
    .await;
}

/// Waits until `n` runs have started together: a worker that ran jobs one at a time would
/// never get there.
struct Rendezvous(tokio::sync::Barrier);

#[async_trait]
impl Handler for Rendezvous {
    async fn run(&self, _: &Job) -> Result<(), JobError> {
        match tokio::time::timeout(std::time::Duration::from_secs(5), self.0.wait()).await {
            Ok(_) => Ok(()),
            Err(_) => Err(JobError::Permanent("ran alone".into())),
        }
    }
}

#[tokio::test]
async fn a_slow_job_does_not_hold_up_the_others_of_its_batch() {
    on_each_store(|db| async move {
        let store = db.store().await;
        let (clock, mut worker) = setup(&store, "w1");
        worker.register("slow", Arc::new(Rendezvous(tokio::sync::Barrier::new(4))));
        for _ in 0..4 {
            store
                .enqueue(&new_job(None, "slow", &serde_json::json!({}), clock.now_second()).unwrap())
                .await
                .unwrap();
        }
        let pass = worker.run_until_idle().await.unwrap();
        assert_eq!((pass.ran, pass.done, pass.dead), (4, 4, 0));
        db
    })
    .await;
}

/// A typed job: its payload is the struct.
#[derive(serde::Serialize, serde::Deserialize)]
struct Greet {
    name: String,
}

impl sked_jobs::Job for Greet {
    const KIND: &'static str = "greet";
    const MAX_ATTEMPTS: i64 = 3;
    const TIMEOUT: std::time::Duration = std::time::Duration::from_millis(200);
}

/// Greets; hangs on `Hang` until its first attempt is cancelled.
struct Greeter {
    seen: std::sync::Mutex<Vec<String>>,
    hang: AtomicUsize,
}

#[async_trait]
impl sked_jobs::JobHandler<Greet> for Greeter {
    async fn run(&self, job: Greet, row: &Job) -> Result<(), JobError> {
        assert_eq!(row.kind, "greet");
        if job.name == "Hang" && self.hang.swap(0, Ordering::SeqCst) > 0 {
            std::future::pending::<()>().await;
        }
        self.seen.lock().unwrap().push(job.name);
        Ok(())
    }
}

#[tokio::test]
async fn typed_jobs_arrive_decoded_and_an_attempt_past_its_timeout_is_cancelled_and_retried() {
    on_each_store(|db| async move {
        let store = db.store().await;
        let (clock, mut worker) = setup(&store, "w1");
        let greeter = Arc::new(Greeter { seen: Default::default(), hang: AtomicUsize::new(1) });
        worker.handle::<Greet>(greeter.clone());
        let now = clock.now_second();
        let ann = sked_jobs::Job::to_new(&Greet { name: "Ann".into() }, None, now).unwrap();
        let hang = sked_jobs::Job::to_new(&Greet { name: "Hang".into() }, None, now).unwrap();
        assert_eq!(
            (ann.kind.as_str(), ann.payload.as_str(), ann.max_attempts),
            ("greet", r#"{"name":"Ann"}"#, 3)
        );
        store.enqueue(&ann).await.unwrap();
        store.enqueue(&hang).await.unwrap();
        let mut bad = new_job(None, "greet", &serde_json::json!({"nom": 1}), now).unwrap();
        bad.max_attempts = 3;
        store.enqueue(&bad).await.unwrap();

        let pass = worker.run_until_idle().await.unwrap();
        assert_eq!((pass.done, pass.retried, pass.dead), (1, 1, 1), "the hung attempt timed out");
        let h = store.job(hang.id).await.unwrap();
        assert_eq!(h.status, JobStatus::Queued);
        assert!(h.last_error.unwrap().contains("timed out"));
        assert!(store.job(bad.id).await.unwrap().last_error.unwrap().contains("payload of `greet`"));
        clock.advance(SignedDuration::from_secs(60));
        assert_eq!(worker.run_until_idle().await.unwrap().done, 1);
        assert_eq!(*greeter.seen.lock().unwrap(), ["Ann", "Hang"]);
        db
    })
    .await;
}

/// Finishes only once the job `fast` is recorded done: a worker that settled a batch only when
/// its slowest job ended would never let it.
struct AfterFast {
    store: DynStore,
    fast: sked_core::ids::JobId,
}

#[async_trait]
impl Handler for AfterFast {
    async fn run(&self, _: &Job) -> Result<(), JobError> {
        let settled = async {
            while self.store.job(self.fast).await.map(|j| j.status).ok() != Some(JobStatus::Done) {
                tokio::task::yield_now().await;
            }
        };
        match tokio::time::timeout(std::time::Duration::from_secs(5), settled).await {
            Ok(()) => Ok(()),
            Err(_) => Err(JobError::Permanent("the fast job was not settled first".into())),
        }
    }
}

#[tokio::test]
async fn each_job_is_settled_as_soon_as_it_finishes() {
    on_each_store(|db| async move {
        let store = db.store().await;
        let (clock, mut worker) = setup(&store, "w1");
        let fast = new_job(None, "fast", &(), clock.now_second()).unwrap();
        worker.register("fast", flaky(0, |_| JobError::Retry(String::new())));
        worker.register("slow", Arc::new(AfterFast { store: store.clone(), fast: fast.id }));
        store.enqueue(&new_job(None, "slow", &(), clock.now_second()).unwrap()).await.unwrap();
        store.enqueue(&fast).await.unwrap();
        let pass = worker.run_once().await.unwrap();
        assert_eq!((pass.ran, pass.done, pass.dead), (2, 2, 0));
        db
    })
    .await;
}

/// Reads a counter through a [`Shared`], once per call of its own.
struct SharesReads {
    shared: Shared<u8, usize>,
    reads: AtomicUsize,
    seen: std::sync::Mutex<Vec<usize>>,
}

#[async_trait]
impl Handler for SharesReads {
    async fn run(&self, _: &Job) -> Result<(), JobError> {
        let read = || async {
            tokio::task::yield_now().await;
            Ok::<_, JobError>(self.reads.fetch_add(1, Ordering::SeqCst) + 1)
        };
        let v = self.shared.get(&0, read).await?;
        self.seen.lock().unwrap().push(v);
        Ok(())
    }
}

#[tokio::test]
async fn the_jobs_of_one_lease_share_a_read_made_after_it_and_the_next_lease_reads_again() {
    on_each_store(|db| async move {
        let store = db.store().await;
        let (clock, mut worker) = setup(&store, "w1");
        let h = Arc::new(SharesReads {
            shared: Shared::default(),
            reads: AtomicUsize::new(0),
            seen: Default::default(),
        });
        worker.register("shared", h.clone());
        for _ in 0..10 {
            store.enqueue(&new_job(None, "shared", &1, clock.now_second()).unwrap()).await.unwrap();
        }
        assert_eq!(worker.run_once().await.unwrap().done, 10);
        assert_eq!(*h.seen.lock().unwrap(), vec![1; 10], "one read for the ten jobs of one lease");
        store.enqueue(&new_job(None, "shared", &2, clock.now_second()).unwrap()).await.unwrap();
        assert_eq!(worker.run_once().await.unwrap().done, 1);
        assert_eq!(h.seen.lock().unwrap().last(), Some(&2), "a later lease reads again");
        // Outside the worker nothing is shared.
        assert_eq!(h.shared.get(&0, || async { Ok::<_, JobError>(99) }).await.unwrap(), 99);
        db
    })
    .await;
}

/// Finishes after its payload's number of milliseconds.
struct Sleeps;

#[async_trait]
impl Handler for Sleeps {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let ms: u64 = job.payload.parse().map_err(|_| JobError::Permanent("payload".into()))?;
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        Ok(())
    }
}

#[tokio::test]
async fn the_successes_of_a_pass_finishing_close_together_are_written_at_once() {
    on_each_store(|db| async move {
        let store = db.store().await;
        let clock = Arc::new(ManualClock::new("2026-06-01T12:00:00Z".parse::<Timestamp>().unwrap()));
        let config = WorkerConfig {
            id: "w1".into(),
            batch: 10,
            settle_wait: std::time::Duration::from_secs(10),
            ..Default::default()
        };
        let mut worker = Worker::new(store.clone(), clock.clone(), config);
        worker.register("sleeps", Arc::new(Sleeps));
        let mut ids = Vec::new();
        for ms in 0..10 {
            let job = new_job(None, "sleeps", &(ms * 3), clock.now_second()).unwrap();
            store.enqueue(&job).await.unwrap();
            ids.push(job.id);
        }
        let before = store.writes();
        assert_eq!(worker.run_once().await.unwrap().done, 10);
        // One write leased the ten jobs, one settled them (finishing 3 ms apart, each used to
        // be written as it finished).
        assert_eq!(store.writes() - before, 2);
        for id in ids {
            assert_eq!(store.job(id).await.unwrap().status, JobStatus::Done);
        }
        db
    })
    .await;
}
