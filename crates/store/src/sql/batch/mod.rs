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
//! a code another booking took, a host deleted, two of its own bookings colliding, the database
//! aborting it) has written nothing: it is written again in halves ([`in_halves`]), so one
//! booking that cannot be written leaves the others written at the cost of a few statements,
//! and that booking, alone at last, gets its own outcome. The turns of the whole group are taken
//! first, in the global order (see `turns`), so groups wait for overlapping writes as single
//! writes do. One group is written at a time per process ([`IN_FLIGHT`]); the first booking
//! after a quiet spell goes at once, as a group of one.

mod parts;

use std::ops::Range;
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
            let answers = in_halves(group.len(), |part| commit(&pool, &group[part])).await;
            drop(slot);
            for (p, answer) in group.into_iter().zip(answers) {
                // A writer that stopped waiting (its request dropped) needs no answer.
                let _ = p.done.send(answer);
            }
        });
    }
}

/// Writes a group of `n` bookings with `commit` (which writes the bookings of a range of the
/// group as one statement) and answers each. A group the database refuses is written again in
/// halves, each half again in halves if it is refused too: a booking that cannot be written
/// (a code another booking took, a time taken meanwhile) costs its group about two statements
/// per halving, not one per booking, and leaves the others written. A group that could not be
/// made one statement, and the booking left alone at the end, are answered as [`answers`] says.
async fn in_halves<F, Fut>(n: usize, mut commit: F) -> Vec<Answer>
where
    F: FnMut(Range<usize>) -> Fut,
    Fut: Future<Output = Result<(), Failure>>,
{
    let mut out: Vec<Option<Answer>> = (0..n).map(|_| None).collect();
    let mut todo: Vec<Range<usize>> = Vec::with_capacity(16);
    todo.push(0..n);
    while let Some(part) = todo.pop() {
        let outcome = commit(part.clone()).await;
        let halve = part.len() > 1 && matches!(outcome, Err(Failure::Refused(_)));
        if halve {
            let mid = part.start + part.len() / 2;
            // The first half is written first.
            todo.push(mid..part.end);
            todo.push(part.start..mid);
            continue;
        }
        for (slot, answer) in out[part.clone()].iter_mut().zip(answers(outcome, part.len())) {
            *slot = Some(answer);
        }
    }
    out.into_iter().map(|a| a.unwrap_or(Answer::Alone)).collect()
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

/// Writes the bookings of `group` with one statement.
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

    /// Runs [`in_halves`] over `n` bookings of which those in `bad` cannot be written; answers
    /// each booking's answer and the statements it took.
    fn halved(n: usize, bad: &[usize]) -> (Vec<&'static str>, usize) {
        let mut statements = 0;
        let commit = |part: Range<usize>| {
            statements += 1;
            let refused = bad.iter().any(|b| part.contains(b));
            async move { if refused { Err(Failure::Refused(StoreError::SlotTaken)) } else { Ok(()) } }
        };
        let answers = futures::executor::block_on(in_halves(n, commit));
        (names(&answers), statements)
    }

    #[test]
    fn a_refused_group_is_written_again_in_halves_until_the_booking_that_cannot_be_is_alone() {
        assert_eq!(halved(5, &[]), (vec!["written"; 5], 1));
        // One of 64 costs 1 + 2 per halving (six of them): 13 statements, not 1 + 64.
        let (answers, statements) = halved(64, &[37]);
        assert_eq!(statements, 13);
        assert_eq!(answers.iter().filter(|a| **a == "written").count(), 63);
        assert_eq!(answers[37], "refused", "alone at the end, it answers its own refusal");
        let (answers, _) = halved(7, &[0, 6]);
        assert_eq!(answers, ["refused", "written", "written", "written", "written", "written", "refused"]);
        // Everything refused: each booking ends alone, refused; none is lost.
        let (answers, statements) = halved(4, &[0, 1, 2, 3]);
        assert_eq!((answers, statements), (vec!["refused"; 4], 7));
    }

    #[test]
    fn a_group_that_cannot_be_one_statement_is_not_halved() {
        let mut statements = 0;
        let commit = |_: Range<usize>| {
            statements += 1;
            async { Err(Failure::Unfit(StoreError::Invalid("odd".into()))) }
        };
        let answers = futures::executor::block_on(in_halves(8, commit));
        assert_eq!((names(&answers), statements), (vec!["alone"; 8], 1));
    }
}
