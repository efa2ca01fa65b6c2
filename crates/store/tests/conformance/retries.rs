//! Writes PostgreSQL aborts to break a deadlock run again, whole (SQLite queues its writers on
//! one connection and has none to run again).

use std::time::Duration;

use sked_store::*;
use sked_test_utils::on_each_store;
use sqlx::Connection as _;

use crate::fixtures::*;

#[tokio::test]
async fn a_booking_aborted_to_break_a_deadlock_runs_again_and_commits() {
    on_each_store(|db| async move {
        if db.backend != Backend::Postgres {
            return db;
        }
        let s = db.store().await;
        let w = world(&s).await;
        // A booking locks its hosts in id order: `first`, then `second`.
        let mut ids = [w.hosts[0].id, w.hosts[1].id];
        ids.sort();
        let [first, second] = ids;

        let mut other = sqlx::PgConnection::connect(&db.url).await.unwrap();
        // PostgreSQL aborts the transaction that finds the deadlock, the first to have waited
        // deadlock_timeout: make sure that is the booking (superusers only; without it, the
        // booking, which waits first, still looks first).
        let _ = sqlx::query("SET deadlock_timeout = '60s'").execute(&mut other).await;
        let mut tx = other.begin().await.unwrap();
        sqlx::query("SELECT 1 FROM hosts WHERE id = $1 FOR UPDATE")
            .bind(second.0)
            .execute(&mut *tx)
            .await
            .unwrap();

        let b = booking(&w, &[first, second], T0, "DDDDDD");
        let creating = tokio::spawn({
            let (s, w) = (s.clone(), write(b.clone(), "created"));
            async move { s.create_booking(&w).await }
        });
        // The booking holds `first` and waits for `second`; taking `first` closes the cycle.
        wait_for_a_lock_wait(&db.url).await;
        sqlx::query("UPDATE hosts SET name = name WHERE id = $1")
            .bind(first.0)
            .execute(&mut *tx)
            .await
            .unwrap();
        // Getting `first` while still holding `second` means the booking's transaction was
        // aborted (it could not have committed); the booking then ran again and committed.
        tx.commit().await.unwrap();
        creating.await.unwrap().unwrap();
        let got = s.booking(w.tenant, b.id).await.unwrap();
        assert_eq!(got.host_ids, b.host_ids);
        assert_eq!(s.booking_history(w.tenant, b.id).await.unwrap().len(), 1, "written once");
        db
    })
    .await;
}

async fn wait_for_a_lock_wait(url: &str) {
    let mut watch = sqlx::PgConnection::connect(url).await.unwrap();
    for _ in 0..1_000 {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock'",
        )
        .fetch_one(&mut watch)
        .await
        .unwrap();
        if n > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("nothing waited for the locked host");
}
