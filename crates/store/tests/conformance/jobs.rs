//! The job table: leases, retries, dead letters, and several workers at once.

use std::collections::HashSet;

use sked_core::ids::*;
use sked_store::*;
use sked_test_utils::on_each_store;

use crate::fixtures::*;

#[tokio::test]
async fn leases_complete_retry_and_die() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let t = tenant("Acme");
        s.insert_tenant(&t).await.unwrap();
        let due = job(Some(t.id), "demo", T0);
        let later = job(Some(t.id), "demo", T0 + 100);
        s.enqueue(&due).await.unwrap();
        s.enqueue(&later).await.unwrap();
        let got = s.lease_jobs("w1", T0, 30, 10).await.unwrap();
        assert_eq!(got.iter().map(|j| j.id).collect::<Vec<_>>(), vec![due.id]);
        assert_eq!(
            (got[0].attempts, got[0].status.as_str(), got[0].locked_until),
            (1, "running", Some(T0 + 30))
        );
        // Leased jobs are not handed out again while the lease lasts.
        assert!(s.lease_jobs("w2", T0 + 10, 30, 10).await.unwrap().is_empty());
        // Only the holder can settle it.
        assert!(matches!(s.complete_job(due.id, "w2", T0 + 11).await, Err(StoreError::Stale)));
        s.fail_job(due.id, "w1", T0 + 12, "boom", Some(T0 + 60), None).await.unwrap();
        let j = s.job(due.id).await.unwrap();
        assert_eq!((j.status.as_str(), j.run_at, j.last_error.as_deref()), ("queued", T0 + 60, Some("boom")));
        // A lease that runs out (a crashed worker) is taken over.
        let again = s.lease_jobs("w1", T0 + 60, 30, 1).await.unwrap();
        assert_eq!(again[0].attempts, 2);
        let taken = s.lease_jobs("w2", T0 + 100, 30, 10).await.unwrap();
        assert_eq!(
            taken.iter().map(|j| j.id).collect::<HashSet<_>>(),
            [due.id, later.id].into_iter().collect()
        );
        assert!(matches!(s.complete_job(due.id, "w1", T0 + 101).await, Err(StoreError::Stale)));
        s.complete_job(later.id, "w2", T0 + 101).await.unwrap();
        s.fail_job(due.id, "w2", T0 + 102, "gave up", None, None).await.unwrap();
        assert_eq!(s.job(due.id).await.unwrap().status, JobStatus::Dead);
        let dead = s.list_jobs(t.id, Some(JobStatus::Dead), page(10)).await.unwrap();
        assert_eq!(dead.iter().map(|j| j.id).collect::<Vec<_>>(), vec![due.id]);
        assert_eq!(s.list_jobs(t.id, None, page(10)).await.unwrap().len(), 2);
        let counts = s.job_counts().await.unwrap();
        assert_eq!(counts, vec![(JobStatus::Dead, 1)]);
        db
    })
    .await;
}

/// Settling a batch (one statement on PostgreSQL, with the next group of bookings on SQLite)
/// settles only the jobs the worker holds, and says how many.
#[tokio::test]
async fn a_batch_of_successes_settles_only_the_workers_own_jobs() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let t = tenant("Acme");
        s.insert_tenant(&t).await.unwrap();
        let jobs: Vec<NewJob> = (0..3).map(|_| job(Some(t.id), "demo", T0)).collect();
        for j in &jobs {
            s.enqueue(j).await.unwrap();
        }
        let mine = s.lease_jobs("w1", T0, 30, 2).await.unwrap();
        let theirs = s.lease_jobs("w2", T0, 30, 10).await.unwrap();
        assert_eq!((mine.len(), theirs.len()), (2, 1));
        let ids: Vec<JobId> = mine.iter().chain(&theirs).map(|j| j.id).collect();
        assert_eq!(s.complete_jobs(&ids, "w1", T0 + 1).await.unwrap(), 2);
        for j in &mine {
            assert_eq!(s.job(j.id).await.unwrap().status, JobStatus::Done);
        }
        assert_eq!(s.job(theirs[0].id).await.unwrap().status, JobStatus::Running);
        assert_eq!(s.complete_jobs(&[], "w1", T0 + 2).await.unwrap(), 0);
        db
    })
    .await;
}

#[tokio::test]
async fn concurrent_workers_never_share_a_job() {
    on_each_store(|db| async move {
        let s = db.store().await;
        for i in 0..200 {
            s.enqueue(&NewJob { id: JobId::new(), ..job(None, "demo", T0 + i % 7) }).await.unwrap();
        }
        let workers: Vec<_> = (0..4)
            .map(|w| {
                let s = s.clone();
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    loop {
                        let got = s.lease_jobs(&format!("w{w}"), T0 + 10, 60, 7).await.unwrap();
                        if got.is_empty() {
                            break mine;
                        }
                        for j in got {
                            s.complete_job(j.id, &format!("w{w}"), T0 + 10).await.unwrap();
                            mine.push(j.id);
                        }
                    }
                })
            })
            .collect();
        let mut all = Vec::new();
        for w in workers {
            all.extend(w.await.unwrap());
        }
        let unique: HashSet<_> = all.iter().collect();
        assert_eq!((all.len(), unique.len()), (200, 200));
        db
    })
    .await;
}

#[tokio::test]
async fn a_job_already_queued_soon_is_not_queued_twice() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let t = tenant("Acme");
        s.insert_tenant(&t).await.unwrap();
        let sync = |payload: &str, run_at: i64| NewJob {
            payload: payload.into(),
            ..job(Some(t.id), "sync", run_at)
        };
        assert!(s.enqueue_unless_queued(&sync(r#"{"c":1}"#, T0), T0 + 5).await.unwrap());
        assert!(
            !s.enqueue_unless_queued(&sync(r#"{"c":1}"#, T0 + 1), T0 + 6).await.unwrap(),
            "one is queued"
        );
        assert!(s.enqueue_unless_queued(&sync(r#"{"c":2}"#, T0), T0 + 5).await.unwrap(), "another payload");
        // Once it runs, the next notification queues again.
        let leased = s.lease_jobs("w", T0, 30, 10).await.unwrap();
        assert_eq!(leased.len(), 2);
        assert!(s.enqueue_unless_queued(&sync(r#"{"c":1}"#, T0 + 2), T0 + 7).await.unwrap());
        // One queued far later (a retry after a long backoff) does not hold a notification up.
        assert!(s.enqueue_unless_queued(&sync(r#"{"c":3}"#, T0 + 3_600), T0 + 3_605).await.unwrap());
        assert!(s.enqueue_unless_queued(&sync(r#"{"c":3}"#, T0 + 3), T0 + 8).await.unwrap());
        // With a dedupe key, the key decides, whatever the payloads.
        let keyed = |payload: &str| NewJob { dedupe_key: Some("cal-1".into()), ..sync(payload, T0 + 4) };
        assert!(s.enqueue_unless_queued(&keyed(r#"{"c":4}"#), T0 + 9).await.unwrap());
        assert!(!s.enqueue_unless_queued(&keyed(r#"{"c":5}"#), T0 + 9).await.unwrap(), "same key");
        db
    })
    .await;
}

#[tokio::test]
async fn a_job_asked_for_again_while_it_waits_is_renewed_not_queued_twice() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let t = tenant("Acme");
        s.insert_tenant(&t).await.unwrap();
        let poll = |key: &str, at: i64| NewJob {
            dedupe_key: Some(key.into()),
            max_attempts: 40,
            ..job(Some(t.id), "sync", at)
        };
        let first = poll("cal-1", T0);
        assert!(s.enqueue_or_renew(&first).await.unwrap());
        // It fails three times; its backoff has grown to an hour.
        for (attempt, at) in [(1, T0 + 30), (2, T0 + 90), (3, T0 + 3_600)] {
            let now = s.job(first.id).await.unwrap().run_at;
            let leased = s.lease_jobs("w", now, 30, 10).await.unwrap();
            assert_eq!((leased.len(), leased[0].attempts), (1, attempt));
            s.fail_job(first.id, "w", now, "503", Some(at), None).await.unwrap();
        }
        // The next poll renews it: due now, its attempts counted afresh; nothing else queued.
        assert!(!s.enqueue_or_renew(&poll("cal-1", T0 + 300)).await.unwrap());
        let renewed = s.job(first.id).await.unwrap();
        assert_eq!((renewed.run_at, renewed.attempts), (T0 + 300, 0));
        assert_eq!(s.list_jobs(t.id, None, page(10)).await.unwrap().len(), 1);
        // A poll never puts one off that is due sooner, nor cuts a hold (`Retry-After`) short.
        assert!(!s.enqueue_or_renew(&poll("cal-1", T0 + 400)).await.unwrap());
        assert_eq!(s.job(first.id).await.unwrap().run_at, T0 + 300);
        let leased = s.lease_jobs("w", T0 + 300, 30, 10).await.unwrap();
        assert_eq!((leased.len(), leased[0].attempts), (1, 1));
        s.fail_job(first.id, "w", T0 + 301, "429", Some(T0 + 900), Some(T0 + 900)).await.unwrap();
        assert!(!s.enqueue_or_renew(&poll("cal-1", T0 + 600)).await.unwrap());
        assert_eq!(s.job(first.id).await.unwrap().run_at, T0 + 900);
        // Another key, or the same key while its job runs, is queued.
        assert!(s.enqueue_or_renew(&poll("cal-2", T0 + 600)).await.unwrap());
        s.lease_jobs("w", T0 + 900, 30, 10).await.unwrap();
        assert!(s.enqueue_or_renew(&poll("cal-1", T0 + 900)).await.unwrap());
        // A job without a key cannot be renewed.
        assert!(s.enqueue_or_renew(&job(Some(t.id), "sync", T0)).await.is_err());
        db
    })
    .await;
}

#[tokio::test]
async fn retries_waiting_after_a_failure_are_brought_forward() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let (t, other) = (tenant("Acme"), tenant("Other"));
        s.insert_tenant(&t).await.unwrap();
        s.insert_tenant(&other).await.unwrap();
        let failed = job(Some(t.id), "push", T0);
        let elsewhere = job(Some(other.id), "push", T0);
        let other_kind = job(Some(t.id), "sync", T0);
        // Told to wait (`Retry-After`): one for ten minutes, one for a minute of its hour.
        let (throttled, briefly) = (job(Some(t.id), "push", T0), job(Some(t.id), "push", T0));
        for j in [&failed, &elsewhere, &other_kind, &throttled, &briefly] {
            s.enqueue(j).await.unwrap();
        }
        for j in s.lease_jobs("w", T0, 30, 10).await.unwrap() {
            let (at, hold) = match j.id {
                id if id == throttled.id => (T0 + 600, Some(T0 + 600)),
                id if id == briefly.id => (T0 + 3_600, Some(T0 + 60)),
                _ => (T0 + 3_600, None),
            };
            s.fail_job(j.id, "w", T0 + 1, "503", Some(at), hold).await.unwrap();
        }
        // Never attempted, only scheduled for later: it keeps its time.
        let later = job(Some(t.id), "push", T0 + 600);
        s.enqueue(&later).await.unwrap();

        assert_eq!(s.expedite_retries(t.id, "push", T0 + 5).await.unwrap(), 2);
        assert_eq!(s.job(failed.id).await.unwrap().run_at, T0 + 5);
        // A hold is never cut short; the rest of the wait after it is.
        assert_eq!(s.job(briefly.id).await.unwrap().run_at, T0 + 60);
        for (j, at) in
            [(&elsewhere, T0 + 3_600), (&other_kind, T0 + 3_600), (&later, T0 + 600), (&throttled, T0 + 600)]
        {
            assert_eq!(s.job(j.id).await.unwrap().run_at, at, "{}", j.kind);
        }
        assert_eq!(s.expedite_retries(t.id, "push", T0 + 6).await.unwrap(), 0, "nothing more to move");
        let due = s.lease_jobs("w", T0 + 5, 30, 10).await.unwrap();
        assert_eq!(due.iter().map(|j| j.id).collect::<Vec<_>>(), vec![failed.id]);
        // Running jobs and jobs already due are left alone.
        assert_eq!(s.expedite_retries(t.id, "push", T0 + 6).await.unwrap(), 0);
        db
    })
    .await;
}

#[tokio::test]
async fn finished_jobs_are_purged_after_their_age_and_dead_ones_stay() {
    on_each_store(|db| async move {
        let s = db.store().await;
        let t = tenant("Acme");
        s.insert_tenant(&t).await.unwrap();
        let (old, recent, dead, queued) = (
            job(Some(t.id), "a", T0),
            job(Some(t.id), "b", T0),
            job(Some(t.id), "c", T0),
            job(Some(t.id), "d", T0 + 9_999),
        );
        for j in [&old, &recent, &dead, &queued] {
            s.enqueue(j).await.unwrap();
        }
        s.lease_jobs("w", T0, 30, 10).await.unwrap();
        s.complete_job(old.id, "w", T0 + 1).await.unwrap();
        s.complete_job(recent.id, "w", T0 + 100).await.unwrap();
        s.fail_job(dead.id, "w", T0 + 1, "gave up", None, None).await.unwrap();

        assert_eq!(s.purge_jobs(T0 + 50).await.unwrap(), 1);
        assert!(matches!(s.job(old.id).await, Err(StoreError::NotFound)));
        for j in [&recent, &dead, &queued] {
            assert!(s.job(j.id).await.is_ok(), "{} stays", j.kind);
        }
        // Much later, only finished jobs go: the dead one still needs a person.
        assert_eq!(s.purge_jobs(T0 + 1_000_000).await.unwrap(), 1);
        let left: HashSet<_> =
            s.list_jobs(t.id, None, page(10)).await.unwrap().into_iter().map(|j| j.id).collect();
        assert_eq!(left, [dead.id, queued.id].into_iter().collect());
        db
    })
    .await;
}
