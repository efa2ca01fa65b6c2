//! Group commit on PostgreSQL: new bookings that arrive together are written by one statement.
//!
//! A new booking is one `WITH` statement of about eight parts (its row, occupancy, counts,
//! history, job and idempotency record, see `bookings::steps`). PostgreSQL spends most of such a
//! statement starting and finishing each part (opening tables and indexes, preparing
//! expressions, checking keys), not writing the row, and each statement is a commit of its own.
//! A [`Batch`] is a task that takes the new bookings queued while earlier groups were being
//! written (up to [`MOST`]) and writes them all with one statement of the same parts, each part
//! taking every booking's rows at once as arrays ([`parts`]): the fixed costs are paid once per
//! group, and one commit makes the whole group durable.
//!
//! One statement is atomic, so every booking of a group commits or none does, and none is
//! answered before its group is durable. A group whose statement fails (a time taken meanwhile,
//! a host deleted, two of its own bookings colliding, the database aborting it) has written
//! nothing: each of its bookings is then written alone, as without groups, and gets its own
//! outcome. A group of one answers its failure itself. The turns of the whole group are taken
//! first, in the global order (see `turns`), so groups wait for overlapping writes as single
//! writes do. One group is written at a time per process ([`IN_FLIGHT`]); the first booking
//! after a quiet spell goes at once, as a group of one.

mod parts;

use std::sync::Arc;

use sqlx::{Pool, Postgres};
use tokio::sync::{Semaphore, mpsc, oneshot};

use super::script::Script;
use super::turns::Turns;
use super::{Dialect, map_err};
use crate::{StoreError, StoreResult};

/// Most bookings written together.
const MOST: usize = 64;

/// Groups written at once: one, while the next gathers. Two at once made groups half as large
/// and PostgreSQL's work per booking a quarter larger (two processes on two cores: 1,450–1,540
/// bookings/s against 1,680–1,760 with one).
const IN_FLIGHT: usize = 1;

/// Bookings waiting for a group; past this, writers wait to be queued.
const QUEUE: usize = 4 * MOST;

/// The group writer of one PostgreSQL store.
#[derive(Debug)]
pub(super) struct Batch {
    queue: mpsc::Sender<Pending>,
}

#[derive(Debug)]
struct Pending {
    script: Script,
    turns: Turns,
    done: oneshot::Sender<Answer>,
}

/// What the group answers one booking.
#[derive(Debug)]
pub(super) enum Answer {
    /// Written and committed with its group.
    Written,
    /// Refused (its group was itself alone).
    Refused(StoreError),
    /// Not written: its group failed; write it alone.
    Alone,
}

impl Batch {
    /// Starts the group writer on `pool`.
    pub(super) fn start(pool: Pool<Postgres>) -> Self {
        let (queue, waiting) = mpsc::channel(QUEUE);
        tokio::spawn(run(pool, waiting));
        Self { queue }
    }

    /// Writes a new booking's `script` (taking `turns`) in the next group; answers once the
    /// group is committed or has failed.
    pub(super) async fn write(&self, script: Script, turns: Turns) -> Answer {
        let (done, answer) = oneshot::channel();
        if self.queue.send(Pending { script, turns, done }).await.is_err() {
            return Answer::Alone;
        }
        answer.await.unwrap_or(Answer::Alone)
    }
}

/// Gathers and writes groups until the store is dropped.
async fn run(pool: Pool<Postgres>, mut waiting: mpsc::Receiver<Pending>) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    loop {
        // A slot first, then every booking queued meanwhile.
        let Ok(slot) = slots.clone().acquire_owned().await else { return };
        let mut group = Vec::with_capacity(MOST);
        if waiting.recv_many(&mut group, MOST).await == 0 {
            return;
        }
        let pool = pool.clone();
        tokio::spawn(async move {
            let outcome = commit(&pool, &group).await;
            drop(slot);
            // A group of one answers its own failure; a larger one leaves each to write alone.
            let written = outcome.is_ok();
            let mut own = (group.len() == 1).then_some(outcome);
            for p in group {
                let answer = match own.take() {
                    Some(Ok(())) => Answer::Written,
                    Some(Err(StoreError::Database(e))) if Postgres::is_retryable(&e) => Answer::Alone,
                    Some(Err(e)) => Answer::Refused(e),
                    None if written => Answer::Written,
                    None => Answer::Alone,
                };
                // A writer that stopped waiting (its request dropped) needs no answer.
                let _ = p.done.send(answer);
            }
        });
    }
}

/// Writes one group with one statement.
async fn commit(pool: &Pool<Postgres>, group: &[Pending]) -> StoreResult<()> {
    let scripts: Vec<&Script> = group.iter().map(|p| &p.script).collect();
    let turns = Turns::merged(group.iter().map(|p| &p.turns));
    let statement = parts::statement(&scripts, &turns)?;
    let mut conn = pool.acquire().await.map_err(map_err::<Postgres>)?;
    statement.query().execute(&mut *conn).await.map_err(map_err::<Postgres>)?;
    Ok(())
}
