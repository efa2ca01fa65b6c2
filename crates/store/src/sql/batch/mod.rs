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
use crate::StoreError;

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
            let answers = answers(outcome, group.len());
            for (p, answer) in group.into_iter().zip(answers) {
                // A writer that stopped waiting (its request dropped) needs no answer.
                let _ = p.done.send(answer);
            }
        });
    }
}

/// What a group's outcome answers each of its `n` bookings: written, or each to be written
/// alone; a group of one answers its own refusal (the database's, not one to run again).
fn answers(outcome: Result<(), Failure>, n: usize) -> Vec<Answer> {
    let failure = match outcome {
        Ok(()) => return (0..n).map(|_| Answer::Written).collect(),
        Err(f) => f,
    };
    tracing::debug!(bookings = n, error = %failure.error(), "a group was not written; writing each alone");
    match failure {
        Failure::Refused(e) if n == 1 && !again(&e) => vec![Answer::Refused(e)],
        _ => (0..n).map(|_| Answer::Alone).collect(),
    }
}

/// Whether the database asked for the write to be run again (a deadlock, a serialization
/// failure): the booking's own write does that.
fn again(e: &StoreError) -> bool {
    matches!(e, StoreError::Database(d) if Postgres::is_retryable(d))
}

/// Why a group was not written.
#[derive(Debug)]
enum Failure {
    /// Its writes could not be made one statement (a statement no part takes).
    Unfit(StoreError),
    /// The database refused or failed the statement.
    Refused(StoreError),
}

impl Failure {
    fn error(&self) -> &StoreError {
        match self {
            Failure::Unfit(e) | Failure::Refused(e) => e,
        }
    }
}

/// Writes one group with one statement.
async fn commit(pool: &Pool<Postgres>, group: &[Pending]) -> Result<(), Failure> {
    let scripts: Vec<&Script> = group.iter().map(|p| &p.script).collect();
    let turns = Turns::merged(group.iter().map(|p| &p.turns));
    let statement = parts::statement(&scripts, &turns).map_err(Failure::Unfit)?;
    let refused = |e| Failure::Refused(map_err::<Postgres>(e));
    let mut conn = pool.acquire().await.map_err(refused)?;
    statement.query().execute(&mut *conn).await.map_err(refused)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(answers: &[Answer]) -> Vec<&'static str> {
        answers
            .iter()
            .map(|a| match a {
                Answer::Written => "written",
                Answer::Refused(_) => "refused",
                Answer::Alone => "alone",
            })
            .collect()
    }

    #[test]
    fn a_failed_group_leaves_each_booking_to_be_written_alone_unless_it_was_alone() {
        assert_eq!(names(&answers(Ok(()), 3)), ["written"; 3]);
        assert_eq!(names(&answers(Err(Failure::Refused(StoreError::SlotTaken)), 3)), ["alone"; 3]);
        assert_eq!(names(&answers(Err(Failure::Refused(StoreError::SlotTaken)), 1)), ["refused"]);
        // A group of one the database asks to run again, or that could not be one statement,
        // is written by the booking's own write, which runs it again or refuses it itself.
        let deadlock = StoreError::Database(super::super::dialect::tests::db_error("40P01"));
        assert_eq!(names(&answers(Err(Failure::Refused(deadlock)), 1)), ["alone"]);
        let unfit = Failure::Unfit(StoreError::Invalid("odd".into()));
        assert_eq!(names(&answers(Err(unfit), 1)), ["alone"]);
    }
}
