//! Group commit on SQLite: writes that arrive together share one transaction and one `fsync`.
//!
//! Every write to a SQLite store takes the same single writer connection, and each commit waits
//! for the disk. A [`Group`] is one task that takes the [`Script`]s queued while the last group
//! was committing (up to [`MOST`]), opens one write transaction, runs each script as one command
//! inside a savepoint of its own (a script that fails is undone alone: its savepoint is rolled
//! back and the others go on), commits once, and only then answers each writer. So each write is
//! still all or nothing, none is acknowledged before it is durable, and a failed commit fails
//! every write of its group (none was acknowledged).
//!
//! New bookings and the job worker's settlements go through it; the group holds the writer
//! connection only while it runs, so the store's other writes queue for it in turn, as before.

use sqlx::{Pool, Sqlite};
use tokio::sync::{mpsc, oneshot};

use super::dialect::Dialect;
use super::map_err;
use super::script::{Script, UNDO};
use crate::{StoreError, StoreResult};

/// Most writes committed together.
pub(super) const MOST: usize = 128;

/// Writes waiting for a group; past this, writers wait to be queued.
const QUEUE: usize = 4 * MOST;

/// The group committer of one SQLite store.
#[derive(Debug)]
pub(super) struct Group {
    queue: mpsc::Sender<Pending>,
}

#[derive(Debug)]
struct Pending {
    script: Script,
    done: oneshot::Sender<StoreResult<u64>>,
}

impl Group {
    /// Starts the committer on `writer` (the store's single writer connection).
    pub(super) fn start(writer: Pool<Sqlite>) -> Self {
        let (queue, waiting) = mpsc::channel(QUEUE);
        tokio::spawn(run(writer, waiting));
        Self { queue }
    }

    /// Runs `script` in the next group; returns once its group is committed, with the rows its
    /// statements changed.
    pub(super) async fn write(&self, script: Script) -> StoreResult<u64> {
        let (done, answer) = oneshot::channel();
        self.queue.send(Pending { script, done }).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Database(sqlx::Error::PoolClosed)
}

/// Commits groups until the store is dropped.
async fn run(writer: Pool<Sqlite>, mut waiting: mpsc::Receiver<Pending>) {
    let mut group = Vec::with_capacity(MOST);
    while waiting.recv_many(&mut group, MOST).await > 0 {
        let outcomes = commit(&writer, &group).await;
        for (p, outcome) in group.drain(..).zip(outcomes) {
            // A writer that stopped waiting (its request dropped) needs no answer.
            let _ = p.done.send(outcome);
        }
    }
}

/// Runs one group in one transaction: each write's outcome, all failed when the group could not
/// be committed.
async fn commit(writer: &Pool<Sqlite>, group: &[Pending]) -> Vec<StoreResult<u64>> {
    let failed = |e: &sqlx::Error| {
        let why = format!("the group this write was committed in failed: {e}");
        group.iter().map(|_| Err(map_err::<Sqlite>(sqlx::Error::Protocol(why.clone())))).collect()
    };
    let mut tx = match Sqlite::begin_write(writer).await {
        Ok(tx) => tx,
        Err(e) => return failed(&e),
    };
    let mut outcomes = Vec::with_capacity(group.len());
    for p in group {
        let outcome = p.script.in_savepoint(&mut tx).await;
        if outcome.is_err()
            && let Err(e) = sqlx::raw_sql(UNDO).execute(&mut *tx).await
        {
            // The transaction itself is gone (SQLite rolls back on some errors): so is every
            // write before this one.
            return failed(&e);
        }
        outcomes.push(outcome);
    }
    match tx.commit().await {
        Ok(()) => outcomes,
        Err(e) => failed(&e),
    }
}
