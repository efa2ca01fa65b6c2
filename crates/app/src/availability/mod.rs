//! Availability snapshots: the engine's inputs for one event type, built from the store and
//! reused while nothing they depend on has changed.
//!
//! A snapshot covers the whole bookable horizon (a day either side), so slots, checks and the
//! nearest alternatives all read from it. The store bumps its versions in the same transaction
//! as every change to a host's availability or to the event type, so a snapshot whose versions
//! are still the store's is still true, whichever process made the change. Reading them is one
//! small query, which would be most of a small slot query's cost, so it is skipped while it
//! cannot tell anything new:
//!
//! - **Changes this process makes** are known at once: the store counts every write it runs
//!   ([`AvailabilityStore::writes`](sked_store::AvailabilityStore::writes)), the count is read
//!   before the versions, and a snapshot is reused without a read only while the count has not
//!   moved. So a booking, a host, schedule, block or event type edit, a calendar sync, any
//!   dashboard change, shows in the very next answer. (A write whose request was dropped half
//!   way is counted when dropped and may commit a moment later: it shows within the bound below.)
//! - **Changes other processes make** (other `sked serve` or `sked worker` processes on one
//!   PostgreSQL, the `sked` CLI) are seen within [`RECHECK_SECONDS`]: the versions are read
//!   again once the last check is that old by the app's clock.
//!
//! Bookings stay safe regardless: a booking is checked against a fresh snapshot of its own
//! neighbourhood ([`AvailabilityCache::near`]), and the store checks overlap and daily limits
//! again inside the write transaction. Only what slot answers and alternatives show can lag, by
//! at most that bound.

use std::sync::{Arc, Mutex};

use moka::sync::Cache;
use sked_core::Interval;
use sked_core::ids::{EventTypeId, HostId, TenantId};
use sked_core::interval::{DAY, HOUR};
use sked_store::{DynStore, Host, Versions};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

mod context;
mod snapshot;

use context::Context;
use snapshot::Build;
pub use snapshot::{EXPANSION_BUDGET, Snapshot, block_occurrences, rules_of};

/// Snapshots by event type, and each host's busy time from connected calendars.
#[derive(Debug)]
pub struct AvailabilityCache {
    store: DynStore,
    entries: Cache<(TenantId, EventTypeId), Arc<Entry>>,
    /// Event types' contexts as last read, parsed: reads send the stamp of the one held and get
    /// the context again only when it changed.
    contexts: Cache<(TenantId, EventTypeId), Arc<Context>>,
    /// Busy time from connected calendars by host: it changes only with a sync (the host's
    /// external version), not with every booking, so snapshots rebuilt after a booking reuse it.
    external: Cache<HostId, Arc<External>>,
    /// Engine work running at once (see [`AvailabilityCache::compute`]).
    cpu: Semaphore,
}

/// A host's busy time from connected calendars over `loaded`, at `version`.
#[derive(Debug)]
struct External {
    version: i64,
    loaded: Interval,
    spans: Vec<Interval>,
}

/// A cached snapshot, and when it was last found to be still true.
#[derive(Debug)]
struct Entry {
    snapshot: Arc<Snapshot>,
    checked: Mutex<Checked>,
}

impl Entry {
    fn checked(&self) -> Checked {
        *self.checked.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a later check that found the versions unchanged.
    fn confirm(&self, checked: Checked) {
        *self.checked.lock().unwrap_or_else(|e| e.into_inner()) = checked;
    }
}

/// A check of a snapshot against the store's versions (or of anything else read from the store
/// under the same rule, such as the names in a public URL).
#[derive(Clone, Copy, Debug)]
pub struct Checked {
    /// The store's count of writes, read just before the versions.
    writes: u64,
    /// The second (the app's clock) they were read.
    at: i64,
}

/// How old, in seconds of the app's clock, a check of a snapshot may be before the store's
/// versions are read again even though this process wrote nothing: the longest a change made by
/// another process takes to show in slot answers.
pub const RECHECK_SECONDS: i64 = 1;

impl Checked {
    /// A check made at `now` (the app's clock, in seconds), with the store's count of writes
    /// read before the reads it checks.
    pub fn new(writes: u64, now: i64) -> Self {
        Self { writes, at: now }
    }

    /// Whether the snapshot checked is still known to be true: this store has run no write since
    /// (so none of this process's changes is missing), and the check is recent enough that other
    /// processes' changes may be missing only for [`RECHECK_SECONDS`]. A clock that went back
    /// counts as too old.
    pub fn holds(self, writes: u64, now: i64) -> bool {
        self.writes == writes && (self.at..self.at + RECHECK_SECONDS).contains(&now)
    }
}

/// Most snapshots (and hosts' calendar busy time) kept; past this the least used leave first
/// (each is rebuilt on its next use).
const MAX_ENTRIES: u64 = 20_000;

impl AvailabilityCache {
    /// An empty cache over `store`.
    pub fn new(store: DynStore) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            store,
            entries: Cache::new(MAX_ENTRIES),
            contexts: Cache::new(MAX_ENTRIES),
            external: Cache::new(MAX_ENTRIES),
            cpu: Semaphore::new(2 * cores),
        }
    }

    /// The current snapshot of an event type at `now` (the app's clock, in seconds): the cached
    /// one while it is known to be still true (see the module's documentation), else one built
    /// afresh.
    pub async fn get(&self, tenant: TenantId, event_type: EventTypeId, now: i64) -> AppResult<Arc<Snapshot>> {
        // Read before the versions: a write counted after this may not show in them.
        let writes = self.store.writes();
        let key = (tenant, event_type);
        let cached = self.entries.get(&key);
        if let Some(e) = &cached
            && covers(&e.snapshot, now)
            && e.checked().holds(writes, now)
        {
            return Ok(e.snapshot.clone());
        }
        let versions = self
            .store
            .availability_versions(tenant, event_type)
            .await
            .map_err(|e| AppError::store("event type", e))?;
        let checked = Checked::new(writes, now);
        if let Some(e) = &cached
            && e.snapshot.versions == versions
            && covers(&e.snapshot, now)
        {
            e.confirm(checked);
            return Ok(e.snapshot.clone());
        }
        // The horizon is the event type's; the last snapshot's is the best guess, and a longer
        // one shows after loading and is loaded again.
        let guess = cached.map_or(60 * DAY, |e| e.snapshot.rules.horizon);
        let mut snapshot =
            self.load(tenant, event_type, versions.clone(), load_range(now, guess), false).await?;
        if !covers(&snapshot, now) {
            let horizon = snapshot.rules.horizon;
            snapshot = self.load(tenant, event_type, versions, load_range(now, horizon), false).await?;
        }
        let snapshot = Arc::new(snapshot);
        self.entries
            .insert(key, Arc::new(Entry { snapshot: snapshot.clone(), checked: Mutex::new(checked) }));
        Ok(snapshot)
    }

    /// A fresh, uncached snapshot of the instants near `at` only: enough to check and book a
    /// start there (its blocked interval, and its local days when bookings per day are
    /// limited), and cheap however full the calendar is. Writes use this; alternatives far
    /// away come from [`get`](Self::get).
    pub async fn near(&self, tenant: TenantId, event_type: EventTypeId, at: i64) -> AppResult<Snapshot> {
        // First only what a start at `at` can meet: the store widens the range by the event
        // type's buffers and duration and the hosts' longest bookings, so a busy calendar's
        // neighbouring days are not read for nothing.
        // The hosts' round-robin counts come with it (a booking picks its host from them).
        let snap = self.load(tenant, event_type, Vec::new(), Interval::new(at, at + 1), true).await?;
        if snap.rules.daily_limit.is_none() {
            return Ok(snap);
        }
        // Bookings per day are counted: the local days around `at` in any zone lie within 26
        // hours of it.
        let around = Interval::new(at - 26 * HOUR, at + 26 * HOUR);
        self.load(tenant, event_type, Vec::new(), around, true).await
    }

    async fn load(
        &self,
        tenant: TenantId,
        id: EventTypeId,
        versions: Versions,
        loaded: Interval,
        assigned: bool,
    ) -> AppResult<Snapshot> {
        let key = (tenant, id);
        let held = self.contexts.get(&key);
        let known = held.as_ref().map(|c| c.stamp.as_str());
        let mut data = self
            .store
            .availability(tenant, id, loaded, assigned, known)
            .await
            .map_err(|e| AppError::store("event type", e))?;
        let context = match data.context.take() {
            Some(read) => {
                let parsed = Arc::new(Context::parse(data.stamp, read)?);
                self.contexts.insert(key, parsed.clone());
                parsed
            }
            // Left out: the one held is still the store's.
            None => held.filter(|c| c.stamp == data.stamp).ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("the store left out a context this process does not hold"))
            })?,
        };
        // Blocks matter wherever a candidate's blocked interval can reach.
        let rules = &context.rules;
        let reach = Interval::new(
            loaded.start - rules.buffer_before,
            loaded.end + rules.duration + rules.buffer_after,
        );
        let mut external = Vec::with_capacity(context.hosts.len());
        for h in &context.hosts {
            external.push(self.external(h, reach).await?);
        }
        let build = Build {
            context,
            occupancy: data.occupancy,
            blocks: data.blocks,
            assigned: data.assigned,
            external,
            reach,
            versions,
            loaded,
        };
        self.compute_sized(build.cost(), move || build.snapshot()).await
    }

    /// Runs engine work off the async threads, a few at a time, so a costly request neither
    /// stalls other requests nor floods the machine.
    pub async fn compute<T, E>(&self, work: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<AppError> + Send + 'static,
    {
        let _permit = self.cpu.acquire().await.map_err(|e| AppError::Internal(e.into()))?;
        tokio::task::spawn_blocking(work).await.map_err(|e| AppError::Internal(e.into()))?
    }

    /// [`compute`](Self::compute) for work of a known size: `cost` engine steps (for slots,
    /// candidate starts times hosts). Work of at most [`INLINE_STEPS`] runs where it is, as a
    /// moment's work between awaits; more goes to the blocking threads.
    pub async fn compute_sized<T, E>(
        &self,
        cost: u64,
        work: impl FnOnce() -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<AppError> + Send + 'static,
    {
        if cost <= INLINE_STEPS { work() } else { self.compute(work).await }
    }
}

/// Most engine steps run on an async thread (well under a millisecond of work): a
/// month of half-hour slots for a few hosts. Anything larger goes to the blocking threads.
pub const INLINE_STEPS: u64 = 8_000;

impl AvailabilityCache {
    /// A host's busy time from connected calendars covering `range`: from the cache while the
    /// host's external version holds, else read (and kept when it covers more).
    async fn external(&self, h: &Host, range: Interval) -> AppResult<Arc<External>> {
        if h.external_version == 0 {
            // Never synced: nothing to read.
            return Ok(Arc::new(External { version: 0, loaded: range, spans: Vec::new() }));
        }
        let cached = self.external.get(&h.id);
        if let Some(x) = &cached
            && x.version == h.external_version
            && x.loaded.start <= range.start
            && x.loaded.end >= range.end
        {
            return Ok(x.clone());
        }
        let spans = self.store.external_spans(h, range).await?;
        let fresh = Arc::new(External { version: h.external_version, loaded: range, spans });
        let keep = cached.is_none_or(|x| x.version != fresh.version || x.loaded.len() <= range.len());
        if keep {
            self.external.insert(h.id, fresh.clone());
        }
        Ok(fresh)
    }
}

/// What a snapshot taken at `now` must hold: every blocked interval a bookable start can have,
/// with a day of slack either side so it stays good for a while. Rounded to the hour.
fn load_range(now: i64, horizon: i64) -> Interval {
    let start = now - DAY;
    let end = now + horizon + 2 * DAY;
    Interval::new(start.div_euclid(HOUR) * HOUR, (end.div_euclid(HOUR) + 1) * HOUR)
}

fn covers(s: &Snapshot, now: i64) -> bool {
    s.loaded.start <= now && s.loaded.end >= now + s.rules.horizon
}
