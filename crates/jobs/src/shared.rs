//! Reads the jobs of one lease share.
//!
//! A job is queued in the transaction of the change that calls for it, so once it is leased
//! that change, and everything committed before it, is visible to any read that starts after
//! the lease. A read started after a job's lease is therefore as good, for that job, as one of
//! its own: [`Shared`] lets every job leased before a read began use its answer, so a burst of
//! jobs of one tenant (a thousand bookings' events, say) reads the tenant's webhook endpoints
//! once per lease rather than once per job, and sees nothing older than reading them itself
//! would. Outside a worker (a request) there is no lease, and every call reads.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

tokio::task_local! {
    /// When the lease of the job this task runs was taken.
    static LEASED: Instant;
}

/// When the lease of the job the current task runs was taken (after the lease was written);
/// `None` outside a worker's attempt.
pub fn leased_at() -> Option<Instant> {
    LEASED.try_with(|at| *at).ok()
}

/// Runs `attempt` as a job leased at `at` (the worker does this for every attempt).
pub(crate) async fn as_leased<F: Future>(at: Instant, attempt: F) -> F::Output {
    LEASED.scope(at, attempt).await
}

/// Entries kept before old ones are dropped; an entry is only of use to jobs leased before its
/// read, which run within moments of their lease.
const KEEP: usize = 1_024;
/// How old an entry may grow before it is dropped when the map is full.
const KEEP_FOR: Duration = Duration::from_secs(5);

/// One read, and when it began.
struct Entry<V> {
    began: Instant,
    value: OnceCell<V>,
}

/// Answers of one kind of read by key, shared by the jobs leased before each read began.
pub struct Shared<K, V> {
    entries: Mutex<HashMap<K, Arc<Entry<V>>>>,
}

impl<K, V> Default for Shared<K, V> {
    fn default() -> Self {
        Self { entries: Mutex::new(HashMap::new()) }
    }
}

impl<K, V> std::fmt::Debug for Shared<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.entries.lock().map_or(0, |m| m.len());
        f.debug_struct("Shared").field("entries", &n).finish()
    }
}

impl<K: Eq + Hash + Clone, V: Clone> Shared<K, V> {
    /// The answer of `read` for `key`: one that began after the current job's lease (waiting
    /// for it when it is under way), or `read`'s own. Outside a job, always `read`'s own. A
    /// failed read is not kept: the next caller reads again.
    pub async fn get<E, Fut>(&self, key: &K, read: impl FnOnce() -> Fut) -> Result<V, E>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        let Some(leased) = leased_at() else { return read().await };
        let entry = {
            let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            match map.get(key) {
                Some(e) if e.began >= leased => e.clone(),
                _ => {
                    let now = Instant::now();
                    if map.len() >= KEEP {
                        map.retain(|_, e| now.duration_since(e.began) < KEEP_FOR);
                    }
                    // Taken before the read starts, so the read sees all this instant does.
                    let e = Arc::new(Entry { began: now, value: OnceCell::new() });
                    map.insert(key.clone(), e.clone());
                    e
                }
            }
        };
        entry.value.get_or_try_init(read).await.cloned()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    async fn counted(shared: &Shared<u8, usize>, reads: &AtomicUsize) -> usize {
        shared
            .get(&1, || async {
                tokio::task::yield_now().await;
                Ok::<_, ()>(reads.fetch_add(1, Ordering::SeqCst) + 1)
            })
            .await
            .expect("read")
    }

    #[tokio::test]
    async fn jobs_of_one_lease_share_a_read_and_a_later_lease_reads_again() {
        let (shared, reads) = (Shared::default(), AtomicUsize::new(0));
        let first = Instant::now();
        // Two jobs of one lease, at once: the second waits for the first's read.
        let (a, b) = tokio::join!(
            as_leased(first, counted(&shared, &reads)),
            as_leased(first, counted(&shared, &reads))
        );
        assert_eq!((a, b, reads.load(Ordering::SeqCst)), (1, 1, 1));
        // A job leased after that read began must not see it.
        let later = Instant::now();
        assert_eq!(as_leased(later, counted(&shared, &reads)).await, 2);
        // But a job leased before the second read began may.
        assert_eq!(as_leased(first, counted(&shared, &reads)).await, 2);
        // Outside a job every call reads.
        assert_eq!(counted(&shared, &reads).await, 3);
        assert_eq!(counted(&shared, &reads).await, 4);
    }

    #[tokio::test]
    async fn a_failed_read_is_not_kept() {
        let shared: Shared<u8, u8> = Shared::default();
        let at = Instant::now();
        let failed = as_leased(at, shared.get(&1, || async { Err::<u8, &str>("down") })).await;
        assert_eq!(failed, Err("down"));
        let read = as_leased(at, shared.get(&1, || async { Ok::<u8, &str>(7) })).await;
        assert_eq!(read, Ok(7));
    }
}
