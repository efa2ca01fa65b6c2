//! Reads gathered on PostgreSQL: concurrent availability reads of one event type, read once.
//!
//! Every booking reads its event type's availability near its start (the context's stamp, the
//! hosts' occupancy and blocks, the round-robin counts) just before it is written. Under load
//! many such reads of one event type arrive together, and each is a statement whose setting up
//! (and the round trips around it: sqlx sends a released connection a `Sync` and waits) costs
//! PostgreSQL and the server more than the few rows it reads. [`Reads`] is a task that holds a
//! read back while a read asking the same thing (same tenant and event type, counts asked for or
//! not, same context held) is in flight, and then answers the reads held back whose ranges lie
//! close together ([`clusters`]) with one read over the range covering them all. Each
//! reader gets the rows of that range, a superset of its own: the engine takes occupancy and
//! blocks by host and time, so rows beyond a reader's range change nothing for it.
//!
//! A read is sent only after it was queued, so it sees every change committed before its
//! request asked, as a statement of its own would (a booking must see hours another process
//! changed a moment ago). Reads asking what a read in flight asks wait for it and are then
//! gathered; the others go at once, each on its own connection, so a slow read of one event type
//! never holds back another's, and a read in a quiet spell goes at once. A gathered read that
//! fails answers each of its readers to read alone, so each gets its own outcome.

use std::collections::HashMap;

use sked_core::Interval;
use sked_core::ids::{EventTypeId, TenantId};
use sked_core::interval::HOUR;
use sqlx::{Pool, Postgres, Row};
use tokio::sync::{mpsc, oneshot};

use super::script::{Script, stmt};
use super::{map_err, queries as q};
use crate::{AvailabilityContext, AvailabilityData, StoreError, StoreResult};

/// Most reads taken from the queue at once, and most answered by one read.
const MOST: usize = 64;

/// Reads waiting to be gathered; past this, readers wait to be queued.
const QUEUE: usize = 4 * MOST;

/// How much longer than its longest read the range of a gathered read may be: a few hours of
/// a calendar more, so reads of one busy calendar's far-apart days are not made one large read.
const SLACK: i64 = 6 * HOUR;

/// What a read asks, apart from its range: reads asking the same may be read together.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Key {
    pub(super) tenant: TenantId,
    pub(super) event_type: EventTypeId,
    /// Whether the round-robin counts are read too.
    pub(super) assigned: bool,
    /// The stamp of the context the reader holds.
    pub(super) known: Option<String>,
}

/// A read waiting to be gathered.
#[derive(Debug)]
struct Ask {
    key: Key,
    range: Interval,
    done: oneshot::Sender<Answer>,
}

/// What a gathering answers one read.
#[derive(Debug)]
enum Answer {
    /// Read (over its range or a wider one).
    Read(Box<AvailabilityData>),
    /// Failed, read alone.
    Failed(StoreError),
    /// Not read: its gathered read failed (or the gatherer is gone); read it alone.
    Alone,
}

/// The read gatherer of one PostgreSQL store.
#[derive(Debug)]
pub(super) struct Reads {
    pool: Pool<Postgres>,
    queue: mpsc::Sender<Ask>,
}

impl Reads {
    /// Starts the gatherer on `pool`.
    pub(super) fn start(pool: Pool<Postgres>) -> Self {
        let (queue, waiting) = mpsc::channel(QUEUE);
        let reader = pool.clone();
        tokio::spawn(run(waiting, move |key: Key, range: Interval| {
            let pool = reader.clone();
            async move { read_json(&pool, &key, range).await }
        }));
        Self { pool, queue }
    }

    /// Reads `key` over `range` (or a range covering it) with the reads gathered with it.
    pub(super) async fn read(&self, key: Key, range: Interval) -> StoreResult<AvailabilityData> {
        match ask(&self.queue, key.clone(), range).await {
            Answer::Read(data) => Ok(*data),
            Answer::Failed(e) => Err(e),
            Answer::Alone => read_json(&self.pool, &key, range).await,
        }
    }
}

/// Queues a read and waits for its answer.
async fn ask(queue: &mpsc::Sender<Ask>, key: Key, range: Interval) -> Answer {
    let (done, answer) = oneshot::channel();
    if queue.send(Ask { key, range, done }).await.is_err() {
        return Answer::Alone;
    }
    answer.await.unwrap_or(Answer::Alone)
}

/// The reads of one key in flight, and the reads of the key waiting for them.
#[derive(Debug, Default)]
struct Flight {
    reading: usize,
    waiting: Vec<Ask>,
}

/// Says a read of `key` is over when dropped, however it ended.
struct Finished {
    key: Key,
    to: mpsc::UnboundedSender<Key>,
}

impl Drop for Finished {
    fn drop(&mut self) {
        let _ = self.to.send(self.key.clone());
    }
}

/// Gathers and reads until the store is dropped, reading with `read`.
async fn run<F, Fut>(mut queue: mpsc::Receiver<Ask>, read: F)
where
    F: Fn(Key, Interval) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = StoreResult<AvailabilityData>> + Send,
{
    let (finished, mut over) = mpsc::unbounded_channel::<Key>();
    let mut flights: HashMap<Key, Flight> = HashMap::new();
    loop {
        tokio::select! {
            // Finished reads first: the reads waiting for them go next.
            biased;
            Some(key) = over.recv() => {
                let Some(f) = flights.get_mut(&key) else { continue };
                f.reading = f.reading.saturating_sub(1);
                if f.reading == 0 {
                    let waiting = std::mem::take(&mut f.waiting);
                    flights.remove(&key);
                    start(waiting, &mut flights, &read, &finished);
                }
            }
            got = queue.recv() => {
                let Some(first) = got else { return };
                let mut asks = vec![first];
                while asks.len() < MOST {
                    match queue.try_recv() {
                        Ok(a) => asks.push(a),
                        Err(_) => break,
                    }
                }
                let mut fresh = Vec::with_capacity(asks.len());
                for a in asks {
                    match flights.get_mut(&a.key) {
                        Some(f) => f.waiting.push(a),
                        None => fresh.push(a),
                    }
                }
                start(fresh, &mut flights, &read, &finished);
            }
        }
    }
}

/// Reads `asks` (none of whose keys is in flight) in clusters, each a task of its own.
fn start<F, Fut>(
    asks: Vec<Ask>,
    flights: &mut HashMap<Key, Flight>,
    read: &F,
    finished: &mpsc::UnboundedSender<Key>,
) where
    F: Fn(Key, Interval) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = StoreResult<AvailabilityData>> + Send,
{
    for cluster in clusters(asks) {
        let Some(key) = cluster.first().map(|a| a.key.clone()) else { continue };
        flights.entry(key.clone()).or_default().reading += 1;
        let (read, over) = (read.clone(), Finished { key, to: finished.clone() });
        tokio::spawn(async move {
            answer(cluster, &read).await;
            drop(over);
        });
    }
}

/// Reads one cluster's covering range and answers each of its reads.
async fn answer<F, Fut>(cluster: Vec<Ask>, read: &F)
where
    F: Fn(Key, Interval) -> Fut,
    Fut: Future<Output = StoreResult<AvailabilityData>>,
{
    let Some(first) = cluster.first() else { return };
    let hull = cluster
        .iter()
        .fold(first.range, |h, a| Interval::new(h.start.min(a.range.start), h.end.max(a.range.end)));
    let outcome = read(first.key.clone(), hull).await;
    // A reader that stopped waiting (its request dropped) needs no answer.
    match outcome {
        Ok(data) => {
            for a in cluster {
                let _ = a.done.send(Answer::Read(Box::new(data.clone())));
            }
        }
        Err(e) if cluster.len() == 1 => {
            if let Some(a) = cluster.into_iter().next() {
                let _ = a.done.send(Answer::Failed(e));
            }
        }
        Err(e) => {
            tracing::debug!(reads = cluster.len(), error = %e, "a gathered read failed; reading each alone");
            for a in cluster {
                let _ = a.done.send(Answer::Alone);
            }
        }
    }
}

/// The gathered reads in clusters read as one: reads asking the same (in the order they came),
/// in the order of their starts, a read joining the cluster before it while the range covering
/// them is at most [`SLACK`] longer than the longest of them, and the cluster has fewer than
/// [`MOST`].
fn clusters(asks: Vec<Ask>) -> Vec<Vec<Ask>> {
    let mut by_key: Vec<Vec<Ask>> = Vec::new();
    for a in asks {
        match by_key.iter_mut().find(|same| same[0].key == a.key) {
            Some(same) => same.push(a),
            None => by_key.push(vec![a]),
        }
    }
    let mut out = Vec::with_capacity(by_key.len());
    for mut same in by_key {
        same.sort_by_key(|a| (a.range.start, a.range.end));
        let mut current: Vec<Ask> = Vec::new();
        let (mut start, mut end, mut longest) = (0, 0, 0);
        for a in same {
            let (s, e) = (a.range.start, a.range.end);
            let fits = !current.is_empty()
                && current.len() < MOST
                && e.max(end) - start <= longest.max(e - s) + SLACK;
            if fits {
                end = end.max(e);
                longest = longest.max(e - s);
            } else {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
                (start, end, longest) = (s, e, e - s);
            }
            current.push(a);
        }
        if !current.is_empty() {
            out.push(current);
        }
    }
    out
}

/// Reads `key` over `range` as one statement answering JSON: the stamp, the context's three parts
/// (none when the reader's known stamp is the store's), occupancy, blocks and, when asked, the
/// counts.
async fn read_json(pool: &Pool<Postgres>, key: &Key, range: Interval) -> StoreResult<AvailabilityData> {
    let sql = if key.assigned { q::AVAILABILITY_ASSIGNED_PG } else { q::AVAILABILITY_PG };
    let (id, tenant, known) = (key.event_type.0, key.tenant.0, key.known.as_deref());
    let read = stmt!(sql, id, tenant, true, range.start, range.end, known);
    let [rows] = Script(vec![read]).fetch_sets::<Postgres, 1>(pool).await?;
    let row = rows.first().ok_or(StoreError::NotFound)?;
    let text = |i: usize| row.try_get::<Option<String>, usize>(i).map_err(map_err::<Postgres>);
    // No event type, no stamp.
    let Some(stamp) = text(0)? else { return Err(StoreError::NotFound) };
    let context = match text(1)? {
        Some(et) => Some(AvailabilityContext {
            event_type: json(&et)?,
            hosts: json_list(text(2)?)?,
            schedules: json_list(text(3)?)?,
        }),
        None => None,
    };
    Ok(AvailabilityData {
        stamp,
        context,
        occupancy: json_list(text(4)?)?,
        blocks: json_list(text(5)?)?,
        assigned: if key.assigned { Some(json_list(text(6)?)?) } else { None },
    })
}

/// A record PostgreSQL handed over as JSON.
fn json<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Database(sqlx::Error::Decode(e.into())))
}

/// A list of records as JSON (none when absent).
fn json_list<T: serde::de::DeserializeOwned>(text: Option<String>) -> StoreResult<Vec<T>> {
    text.map_or_else(|| Ok(Vec::new()), |t| json(&t))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;

    fn key(event_type: u128, known: Option<&str>) -> Key {
        Key {
            tenant: TenantId(uuid::Uuid::from_u128(1)),
            event_type: EventTypeId(uuid::Uuid::from_u128(event_type)),
            assigned: true,
            known: known.map(str::to_owned),
        }
    }

    fn asked(key: Key, start: i64, end: i64) -> Ask {
        Ask { key, range: Interval::new(start, end), done: oneshot::channel().0 }
    }

    /// The clusters as the ranges of their reads.
    fn ranges(asks: Vec<Ask>) -> Vec<Vec<(i64, i64)>> {
        clusters(asks).iter().map(|c| c.iter().map(|a| (a.range.start, a.range.end)).collect()).collect()
    }

    #[test]
    fn reads_asking_the_same_over_ranges_close_together_are_one_read() {
        let h = HOUR;
        // Out of order, close together: one read, in the order of their starts.
        let asks =
            vec![asked(key(1, None), 3 * h, 4 * h), asked(key(1, None), 0, h), asked(key(1, None), h, 2 * h)];
        assert_eq!(ranges(asks), [vec![(0, h), (h, 2 * h), (3 * h, 4 * h)]]);
        // A read far from the others is read alone: the covering range may be SLACK longer than
        // the longest read, no more.
        let asks = vec![
            asked(key(1, None), 0, h),
            asked(key(1, None), 6 * h, 7 * h),
            asked(key(1, None), 7 * h, 8 * h),
        ];
        assert_eq!(ranges(asks), [vec![(0, h), (6 * h, 7 * h)], vec![(7 * h, 8 * h)]]);
        // Long reads (a day either side, for daily limits) gather with each other by the same rule.
        let asks = vec![asked(key(1, None), 0, 52 * h), asked(key(1, None), 3 * h, 55 * h)];
        assert_eq!(ranges(asks).len(), 1);
    }

    #[test]
    fn reads_asking_something_else_are_never_read_together() {
        let asks = vec![
            asked(key(1, None), 0, HOUR),
            asked(key(2, None), 0, HOUR),
            asked(key(1, Some("stamp")), 0, HOUR),
            Ask { key: Key { assigned: false, ..key(1, None) }, ..asked(key(1, None), 0, HOUR) },
            Ask {
                key: Key { tenant: TenantId(uuid::Uuid::from_u128(9)), ..key(1, None) },
                ..asked(key(1, None), 0, HOUR)
            },
            asked(key(1, None), 0, HOUR),
        ];
        let got = clusters(asks);
        assert_eq!(got.iter().map(Vec::len).collect::<Vec<_>>(), [2, 1, 1, 1, 1]);
        assert!(got.iter().all(|c| c.iter().all(|a| a.key == c[0].key)));
    }

    /// Runs the gatherer over a read that records the ranges it is asked for, answering their
    /// start and end as the stamp, or failing when `fail` says so.
    /// The ranges a test's read was asked for.
    type Calls = Arc<Mutex<Vec<(i64, i64)>>>;

    fn gatherer(fail: fn(Interval) -> bool) -> (mpsc::Sender<Ask>, Calls) {
        let (queue, waiting) = mpsc::channel(QUEUE);
        let calls = Arc::new(Mutex::new(Vec::new()));
        let seen = calls.clone();
        tokio::spawn(run(waiting, move |_key: Key, range: Interval| {
            seen.lock().unwrap().push((range.start, range.end));
            async move {
                if fail(range) {
                    return Err(StoreError::NotFound);
                }
                let stamp = format!("{}..{}", range.start, range.end);
                Ok(AvailabilityData {
                    stamp,
                    context: None,
                    occupancy: Vec::new(),
                    blocks: Vec::new(),
                    assigned: None,
                })
            }
        }));
        (queue, calls)
    }

    fn stamp(answer: &Answer) -> String {
        match answer {
            Answer::Read(d) => d.stamp.clone(),
            Answer::Failed(e) => format!("failed: {e}"),
            Answer::Alone => "alone".into(),
        }
    }

    #[tokio::test]
    async fn reads_queued_together_are_answered_by_one_read_covering_them_all() {
        let (queue, calls) = gatherer(|_| false);
        let reads = (0..16).map(|i| ask(&queue, key(1, None), Interval::new(i * 900, i * 900 + 1)));
        let answers = futures::future::join_all(reads).await;
        assert_eq!(*calls.lock().unwrap(), [(0, 15 * 900 + 1)], "one read over the range covering all 16");
        assert!(answers.iter().all(|a| stamp(a) == "0..13501"), "each is answered by it");
        // A read alone is read over its own range.
        let alone = ask(&queue, key(1, None), Interval::new(50, 60)).await;
        assert_eq!(stamp(&alone), "50..60");
    }

    #[tokio::test]
    async fn a_gathered_read_that_fails_leaves_each_read_to_be_read_alone() {
        let (queue, calls) = gatherer(|r| r.start == 0);
        let reads = (0..3).map(|i| ask(&queue, key(1, None), Interval::new(i * 900, i * 900 + 1)));
        let answers = futures::future::join_all(reads).await;
        assert_eq!(calls.lock().unwrap().len(), 1);
        assert!(
            answers.iter().all(|a| matches!(a, Answer::Alone)),
            "none is lost, none answered the others' error"
        );
        // Alone, a read's failure is its own answer.
        let alone = ask(&queue, key(1, None), Interval::new(0, 1)).await;
        assert!(matches!(alone, Answer::Failed(StoreError::NotFound)));
    }

    /// What the tests' reads answer: the range read as the stamp.
    fn data(range: Interval) -> AvailabilityData {
        let stamp = format!("{}..{}", range.start, range.end);
        AvailabilityData { stamp, context: None, occupancy: Vec::new(), blocks: Vec::new(), assigned: None }
    }

    #[tokio::test]
    async fn reads_of_what_is_being_read_wait_for_it_and_others_go_at_once() {
        // The first read of event type 1 is held until released; every other read answers at once.
        let (release, held) = oneshot::channel::<()>();
        let held = Arc::new(Mutex::new(Some(held)));
        let calls: Calls = Arc::default();
        let (queue, waiting) = mpsc::channel(QUEUE);
        let seen = calls.clone();
        tokio::spawn(run(waiting, move |key: Key, range: Interval| {
            seen.lock().unwrap().push((range.start, range.end));
            let hold = if key.event_type.0.as_u128() == 1 { held.lock().unwrap().take() } else { None };
            async move {
                if let Some(h) = hold {
                    let _ = h.await;
                }
                Ok(data(range))
            }
        }));
        let q = queue.clone();
        let first = tokio::spawn(async move { ask(&q, key(1, None), Interval::new(0, 1)).await });
        while calls.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
        // Another event type's read is not held back by it (a real-time bound only when failing).
        let other =
            tokio::time::timeout(Duration::from_secs(10), ask(&queue, key(2, None), Interval::new(5, 6)));
        assert_eq!(stamp(&other.await.expect("not held back")), "5..6");
        // Reads of event type 1 queued meanwhile wait for the read in flight, then are read as one.
        let later = (1..4).map(|i| ask(&queue, key(1, None), Interval::new(i * 900, i * 900 + 1)));
        let released = async {
            for _ in 0..16 {
                tokio::task::yield_now().await;
            }
            release.send(()).unwrap();
        };
        let (answers, ()) = tokio::join!(futures::future::join_all(later), released);
        assert_eq!(stamp(&first.await.unwrap()), "0..1");
        assert!(answers.iter().all(|a| stamp(a) == "900..2701"));
        assert_eq!(*calls.lock().unwrap(), [(0, 1), (5, 6), (900, 2701)]);
    }
}
