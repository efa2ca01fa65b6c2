//! Group commit on SQLite: writes that arrive together share one transaction and one `fsync`.
//!
//! Every write to a SQLite store takes the same single writer connection, and each commit waits
//! for the disk. A [`Group`] is one task that takes the [`Script`]s queued while the last group
//! was committing (up to [`MOST`]), opens one write transaction, runs each script inside a
//! savepoint of its own (a script that fails is undone alone: its savepoint is rolled back and
//! the others go on), commits once, and only then answers each writer. The scripts go to SQLite
//! in a few commands, not one each (see [`commit`]). So each write is still all or nothing, none
//! is acknowledged before it is durable, and a failed commit fails every write of its group (none
//! was acknowledged).
//!
//! New bookings and the job worker's settlements go through it; the group holds the writer
//! connection only while it runs, so the store's other writes queue for it in turn, as before.

use sqlx::{Pool, Sqlite};
use tokio::sync::{mpsc, oneshot};

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

/// Most scripts of one shape sent as one command: a group's commands are cut into powers of two
/// up to this, so each shape has a few command texts that SQLite keeps prepared.
const CHUNK: usize = 16;

/// Runs one group in one transaction: each write's outcome, all failed when the group could not
/// be committed.
///
/// The writes go to SQLite's connection thread a chunk at a time rather than one by one (each
/// hand-over waits for that thread, then for this task to be scheduled again): writes of the
/// same statements (the same shape) go together as one command, in chunks of a power of two so
/// that their texts repeat and stay prepared, the first command opening the transaction and the
/// last committing it. A group of one shape up to [`CHUNK`] writes is one hand-over. The order
/// of writes inside a group is free: none of them has been answered.
async fn commit(writer: &Pool<Sqlite>, group: &[Pending]) -> Vec<StoreResult<u64>> {
    let failed = |e: &dyn std::fmt::Display| {
        let why = format!("the group this write was committed in failed: {e}");
        group.iter().map(|_| Err(map_err::<Sqlite>(sqlx::Error::Protocol(why.clone())))).collect()
    };
    let mut conn = match writer.acquire().await {
        Ok(conn) => conn,
        Err(e) => return failed(&e),
    };
    let shapes: Vec<Vec<&str>> = group.iter().map(|p| p.script.shape()).collect();
    let mut order: Vec<usize> = (0..group.len()).collect();
    order.sort_by(|&a, &b| shapes[a].cmp(&shapes[b]));
    let mut outcomes: Vec<Option<StoreResult<u64>>> = group.iter().map(|_| None).collect();
    let (mut at, mut open) = (0, false);
    loop {
        let left = &order[at..];
        let Some(first) = left.first().map(|&f| &shapes[f]) else { break };
        let same = left.iter().take_while(|&&i| &shapes[i] == first).count();
        let chunk = &left[..prev_power_of_two(same.min(CHUNK)).min(left.len())];
        let last = chunk.len() == left.len();
        let scripts: Vec<&Script> = chunk.iter().map(|&i| &group[i].script).collect();
        let head = (!open).then_some("BEGIN IMMEDIATE");
        let ran = Script::in_savepoints(&scripts, head, last.then_some("COMMIT"), &mut conn).await;
        if !ran.head {
            // Nothing began. (A transaction left open by a group cut off mid-way would stop
            // every `BEGIN`: the rollback ends it, and the next group goes through.)
            let why =
                ran.failure.map_or_else(|| "the transaction did not begin".to_owned(), |e| e.to_string());
            return rolled_back(&mut conn, failed(&why)).await;
        }
        open = true;
        for (&i, n) in chunk.iter().zip(&ran.changed) {
            outcomes[i] = Some(Ok(*n));
        }
        at += ran.changed.len();
        match ran.failure {
            None if last => break,
            None => {}
            // Every script went through and the commit failed.
            Some(e) if ran.changed.len() == chunk.len() => return rolled_back(&mut conn, failed(&e)).await,
            Some(e) => {
                if let Err(undo) = sqlx::raw_sql(UNDO).execute(&mut *conn).await {
                    // The transaction itself is gone (SQLite rolls back on some errors): so is
                    // every write before this one.
                    return rolled_back(&mut conn, failed(&undo)).await;
                }
                outcomes[chunk[ran.changed.len()]] = Some(Err(e));
                at += 1;
                if at == order.len() {
                    if let Err(e) = sqlx::raw_sql("COMMIT").execute(&mut *conn).await {
                        return rolled_back(&mut conn, failed(&e)).await;
                    }
                    break;
                }
            }
        }
    }
    outcomes.into_iter().map(|o| o.unwrap_or_else(|| Err(not_run()))).collect()
}

/// Rolls back what is left of a failed group's transaction (if SQLite has not already), so the
/// writer connection goes back to the pool outside any transaction; answers `outcomes`.
async fn rolled_back(
    conn: &mut sqlx::pool::PoolConnection<Sqlite>,
    outcomes: Vec<StoreResult<u64>>,
) -> Vec<StoreResult<u64>> {
    // "no transaction is active" when SQLite rolled back itself: nothing left to do.
    let _ = sqlx::raw_sql("ROLLBACK").execute(&mut **conn).await;
    outcomes
}

/// A write of a group that was neither run nor failed (none: every chunk runs to its end or to
/// its failure).
fn not_run() -> StoreError {
    StoreError::Database(sqlx::Error::Protocol("a write of the group was not run".into()))
}

/// The largest power of two not above `n` (`n` > 0).
fn prev_power_of_two(n: usize) -> usize {
    1 << n.max(1).ilog2()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_cut_in_powers_of_two() {
        let cut: Vec<usize> = [1, 2, 3, 5, 8, 15, 16].into_iter().map(prev_power_of_two).collect();
        assert_eq!(cut, [1, 2, 2, 4, 8, 8, 16]);
    }
}
