//! Every statement of the store, written once for both databases: `$N` placeholders (which
//! SQLite also reads by number), portable SQL, and booleans and ids bound as values.

mod availability;

pub use availability::*;

// Settings and tenants.
pub const SETTING: &str = "SELECT value FROM settings WHERE name = $1";
pub const INIT_SETTING: &str =
    "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";
pub const INSERT_TENANT: &str = "INSERT INTO tenants (id, name, slug, created_at) VALUES ($1, $2, $3, $4)";
pub const TENANT: &str = "SELECT id, name, slug, created_at FROM tenants WHERE id = $1";
pub const TENANT_BY_SLUG: &str = "SELECT id, name, slug, created_at FROM tenants WHERE slug = $1";
pub const SET_TENANT_SLUG: &str = "UPDATE tenants SET slug = $2 WHERE id = $1";
pub const LIST_TENANTS: &str =
    "SELECT id, name, slug, created_at FROM tenants WHERE ($1 IS NULL OR id > $1) ORDER BY id LIMIT $2";

// Sealed secrets, re-sealed together.
pub const SEALED_TOKENS: &str = "SELECT id, access_token, refresh_token FROM connections";
pub const RESEAL_TOKENS: &str = "UPDATE connections SET access_token = $2, refresh_token = $3 WHERE id = $1";
pub const SEALED_VERIFIERS: &str = "SELECT id, verifier FROM oauth_states";
pub const RESEAL_VERIFIER: &str = "UPDATE oauth_states SET verifier = $2 WHERE id = $1";
pub const SEALED_VOICE: &str = "SELECT id, secret FROM voice_agents";
pub const RESEAL_VOICE: &str = "UPDATE voice_agents SET secret = $2 WHERE id = $1";
pub const SEALED_WEBHOOKS: &str = "SELECT id, secret FROM webhooks";
pub const RESEAL_WEBHOOK: &str = "UPDATE webhooks SET secret = $2 WHERE id = $1";
pub const SEALED_CALCOM: &str =
    "SELECT tenant_id, webhook_secret FROM calcom_integrations WHERE webhook_secret IS NOT NULL";
pub const RESEAL_CALCOM: &str = "UPDATE calcom_integrations SET webhook_secret = $2 WHERE tenant_id = $1";
pub const SEALED_REVOCATIONS: &str = "SELECT id, access_token, refresh_token FROM pending_revocations";
pub const RESEAL_REVOCATION: &str =
    "UPDATE pending_revocations SET access_token = $2, refresh_token = $3 WHERE id = $1";

// API keys.
const KEY_COLS: &str = "id, tenant_id, name, prefix, created_at, revoked_at";
pub const INSERT_API_KEY: &str = "INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6)";
pub const API_KEY_BY_HASH: &str =
    const_format::concatcp!("SELECT ", KEY_COLS, " FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL");
pub const REVOKE_API_KEY: &str = "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1";
pub const API_KEY: &str = const_format::concatcp!("SELECT ", KEY_COLS, " FROM api_keys WHERE id = $1");
pub const LIST_API_KEYS: &str =
    const_format::concatcp!("SELECT ", KEY_COLS, " FROM api_keys WHERE tenant_id = $1 ORDER BY id");

// Schedules.
const SCHEDULE_COLS: &str = "id, tenant_id, name, time_zone, weekly, overrides, created_at, updated_at";
pub const INSERT_SCHEDULE: &str = "INSERT INTO schedules (id, tenant_id, name, time_zone, weekly, overrides, \
     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
pub const UPDATE_SCHEDULE: &str = "UPDATE schedules SET name = $3, time_zone = $4, weekly = $5, overrides = $6, \
     updated_at = $7 WHERE id = $1 AND tenant_id = $2";
pub const BUMP_SCHEDULE_HOSTS: &str =
    "UPDATE hosts SET version = version + 1 WHERE schedule_id = $1 AND tenant_id = $2";
pub const SCHEDULE: &str =
    const_format::concatcp!("SELECT ", SCHEDULE_COLS, " FROM schedules WHERE id = $1 AND tenant_id = $2");
pub const LIST_SCHEDULES: &str = const_format::concatcp!(
    "SELECT ",
    SCHEDULE_COLS,
    " FROM schedules WHERE tenant_id = $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
);
pub const DELETE_SCHEDULE: &str = "DELETE FROM schedules WHERE id = $1 AND tenant_id = $2";
pub const SCHEDULE_IN_USE: &str = "SELECT COUNT(*) FROM hosts WHERE schedule_id = $1 AND tenant_id = $2";

// Hosts.
const HOST_COLS: &str = "id, tenant_id, name, email, phone, time_zone, schedule_id, priority, weight, active, \
     version, max_span, external_span, external_version, feed_version, created_at, updated_at";
pub const INSERT_HOST: &str = "INSERT INTO hosts (id, tenant_id, name, email, phone, time_zone, schedule_id, \
     priority, weight, active, version, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $12)";
pub const UPDATE_HOST: &str = "UPDATE hosts SET name = $3, email = $4, phone = $5, time_zone = $6, \
     schedule_id = $7, priority = $8, weight = $9, active = $10, version = version + 1, updated_at = $11 \
     WHERE id = $1 AND tenant_id = $2";
pub const HOST: &str =
    const_format::concatcp!("SELECT ", HOST_COLS, " FROM hosts WHERE id = $1 AND tenant_id = $2");
pub const LIST_HOSTS: &str = const_format::concatcp!(
    "SELECT ",
    HOST_COLS,
    " FROM hosts WHERE tenant_id = $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
);
pub const DELETE_HOST: &str = "DELETE FROM hosts WHERE id = $1 AND tenant_id = $2";
pub const HOST_IN_USE: &str = "SELECT (SELECT COUNT(*) FROM event_type_hosts WHERE host_id = $1) \
     + (SELECT COUNT(*) FROM booking_hosts WHERE host_id = $1)";
/// Bumps a host's feed version and answers the new one.
pub const ROTATE_FEED: &str = "UPDATE hosts SET feed_version = feed_version + 1 \
     WHERE id = $1 AND tenant_id = $2 RETURNING feed_version";
pub const BUMP_HOST: &str = "UPDATE hosts SET version = version + 1 WHERE id = $1 AND tenant_id = $2";
/// Bumps a host's version (locking its row), grows its reach to at least `$3`, and answers how
/// far back its bookings can reach.
pub const BUMP_HOST_SPAN: &str = "UPDATE hosts SET version = version + 1, \
     max_span = CASE WHEN max_span < $3 THEN $3 ELSE max_span END WHERE id = $1 AND tenant_id = $2 RETURNING max_span";
/// Grows a host's longest blocked interval to a new booking's `$3` when that is longer. Most
/// bookings are not: then no row is written, so one host's bookings do not wait on its row.
pub const GROW_HOST_SPAN: &str =
    "UPDATE hosts SET max_span = $3 WHERE id = $1 AND tenant_id = $2 AND max_span < $3";
/// Rows each count kept per host is spread over (`occupancy_changes`, `assignment_shards`):
/// concurrent bookings of one host update different rows instead of queueing on one.
pub const SHARDS: u128 = 16;
/// Counts `$3` changes to a host's bookings, in its row `$2`: part of the host's version as slot
/// snapshots see it ([`VERSIONS`]).
pub const COUNT_OCCUPANCY_CHANGE: &str = "INSERT INTO occupancy_changes (host_id, shard, changes) \
     VALUES ($1, $2, $3) ON CONFLICT (host_id, shard) DO UPDATE \
     SET changes = occupancy_changes.changes + excluded.changes";
pub const HOST_SPAN: &str = "SELECT max_span FROM hosts WHERE id = $1 AND tenant_id = $2";

// Event types.
const EVENT_TYPE_COLS: &str = "id, tenant_id, slug, title, description, duration_minutes, slot_interval_minutes, \
     buffer_before_minutes, buffer_after_minutes, min_notice_minutes, max_days_ahead, daily_limit, assignment, \
     location, send_updates, reminders, questions, version, created_at, updated_at";
pub const INSERT_EVENT_TYPE: &str = "INSERT INTO event_types (id, tenant_id, slug, title, description, \
     duration_minutes, slot_interval_minutes, buffer_before_minutes, buffer_after_minutes, min_notice_minutes, \
     max_days_ahead, daily_limit, assignment, location, send_updates, reminders, questions, version, created_at, \
     updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $17, $18, $19, 1, $15, $16)";
pub const UPDATE_EVENT_TYPE: &str = "UPDATE event_types SET slug = $3, title = $4, description = $5, \
     duration_minutes = $6, slot_interval_minutes = $7, buffer_before_minutes = $8, buffer_after_minutes = $9, \
     min_notice_minutes = $10, max_days_ahead = $11, daily_limit = $12, assignment = $13, location = $14, \
     send_updates = $16, reminders = $17, questions = $18, version = version + 1, updated_at = $15 WHERE id = $1 AND tenant_id = $2";
pub const EVENT_TYPE_ID_BY_SLUG: &str = "SELECT id FROM event_types WHERE tenant_id = $1 AND slug = $2";
pub const EVENT_TYPE: &str =
    const_format::concatcp!("SELECT ", EVENT_TYPE_COLS, " FROM event_types WHERE id = $1 AND tenant_id = $2");
pub const LIST_EVENT_TYPES: &str = const_format::concatcp!(
    "SELECT ",
    EVENT_TYPE_COLS,
    " FROM event_types WHERE tenant_id = $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
);
pub const DELETE_EVENT_TYPE: &str = "DELETE FROM event_types WHERE id = $1 AND tenant_id = $2";
pub const EVENT_TYPE_IN_USE: &str =
    "SELECT COUNT(*) FROM bookings WHERE event_type_id = $1 AND tenant_id = $2";
pub const EVENT_TYPE_HOSTS: &str =
    "SELECT host_id FROM event_type_hosts WHERE event_type_id = $1 ORDER BY position";
/// Hosts of every event type on a page (same page predicate as `LIST_EVENT_TYPES`).
pub const PAGE_EVENT_TYPE_HOSTS: &str = "SELECT eh.event_type_id, eh.host_id FROM event_type_hosts eh \
     JOIN event_types e ON e.id = eh.event_type_id \
     WHERE e.tenant_id = $1 AND ($2 IS NULL OR e.id > $2) ORDER BY eh.event_type_id, eh.position";
pub const INSERT_EVENT_TYPE_HOST: &str =
    "INSERT INTO event_type_hosts (event_type_id, host_id, position) VALUES ($1, $2, $3)";
pub const CLEAR_EVENT_TYPE_HOSTS: &str = "DELETE FROM event_type_hosts WHERE event_type_id = $1";
pub const TENANT_HOST_COUNT: &str = "SELECT COUNT(*) FROM hosts WHERE id = $1 AND tenant_id = $2";

// Blocks.
const BLOCK_COLS: &str = "id, tenant_id, host_id, title, start_at, end_at, rrule, created_at, updated_at";
pub const INSERT_BLOCK: &str = "INSERT INTO blocks (id, tenant_id, host_id, title, start_at, end_at, rrule, \
     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
pub const UPDATE_BLOCK: &str = "UPDATE blocks SET title = $4, start_at = $5, end_at = $6, rrule = $7, \
     updated_at = $8 WHERE id = $1 AND tenant_id = $2 AND host_id = $3";
pub const BLOCK: &str = const_format::concatcp!(
    "SELECT ",
    BLOCK_COLS,
    " FROM blocks WHERE id = $1 AND tenant_id = $2 AND host_id = $3"
);
pub const LIST_BLOCKS: &str = const_format::concatcp!(
    "SELECT ",
    BLOCK_COLS,
    " FROM blocks WHERE tenant_id = $1 AND host_id = $2 AND ($3 IS NULL OR id > $3) ORDER BY id LIMIT $4"
);
pub const DELETE_BLOCK: &str = "DELETE FROM blocks WHERE id = $1 AND tenant_id = $2 AND host_id = $3";

// Availability.
/// The event type's version (position 0), then each host's in order.
pub const VERSIONS: &str = "SELECT 0 AS k, version FROM event_types WHERE id = $1 AND tenant_id = $2 \
     UNION ALL SELECT eh.position + 1 AS k, h.version + COALESCE((SELECT CAST(SUM(o.changes) AS BIGINT) \
     FROM occupancy_changes o WHERE o.host_id = h.id), 0) FROM event_type_hosts eh JOIN hosts h ON h.id = eh.host_id \
     WHERE eh.event_type_id = $1 AND h.tenant_id = $2 \
     UNION ALL SELECT eh.position + 1000000 AS k, h.external_version FROM event_type_hosts eh \
     JOIN hosts h ON h.id = eh.host_id WHERE eh.event_type_id = $1 AND h.tenant_id = $2 ORDER BY k";
/// A host's columns, of `h`.
const HOST_COLS_H: &str = "id, h.tenant_id, h.name, h.email, h.phone, h.time_zone, h.schedule_id, h.priority, \
     h.weight, h.active, h.version, h.max_span, h.external_span, h.external_version, h.feed_version, h.created_at, \
     h.updated_at";
pub const EVENT_TYPE_ACTIVE_HOSTS: &str = const_format::concatcp!(
    "SELECT h.",
    HOST_COLS_H,
    " FROM hosts h JOIN event_type_hosts eh ON eh.host_id = h.id \
     WHERE eh.event_type_id = $1 AND h.tenant_id = $2 AND h.active = $3 ORDER BY eh.position"
);
pub const EVENT_TYPE_SCHEDULES: &str = const_format::concatcp!(
    "SELECT ",
    SCHEDULE_COLS,
    " FROM schedules WHERE tenant_id = $2 AND id IN (SELECT h.schedule_id FROM hosts h \
     JOIN event_type_hosts eh ON eh.host_id = h.id WHERE eh.event_type_id = $1)"
);

pub const HOST_OCCUPANCY: &str = "SELECT booking_id, host_id, event_type_id, start_at, blocked_start, \
     blocked_end FROM booking_hosts WHERE host_id = $1 AND tenant_id = $2 AND active = $3 \
     AND blocked_start < $5 AND blocked_end > $4 AND blocked_start > $6 ORDER BY blocked_start";
pub const HOST_BLOCKS: &str = const_format::concatcp!(
    "SELECT ",
    BLOCK_COLS,
    " FROM blocks WHERE host_id = $1 AND tenant_id = $2 AND (rrule IS NOT NULL OR (start_at < $4 AND end_at > $3)) \
     ORDER BY start_at"
);
/// Round-robin statistics of every host of an event type: the counts from before migration
/// 0022 and those since, in [`SHARDS`] rows per host.
/// A read of no rows: a place kept in a command of reads whose sets are counted.
pub const NOTHING: &str = "SELECT 1 WHERE 1 = 0";
/// `$1` the event type, `$2` the tenant (as in [`AVAILABILITY_PG`], which includes it).
pub const ASSIGNMENTS: &str = "SELECT host_id, CAST(SUM(assigned) AS BIGINT) AS assigned, \
     MAX(last_assigned_at) AS last_assigned_at FROM \
     (SELECT host_id, assigned, last_assigned_at FROM assignment_stats WHERE event_type_id = $1 AND tenant_id = $2 \
     UNION ALL SELECT host_id, assigned, last_assigned_at FROM assignment_shards \
     WHERE event_type_id = $1 AND tenant_id = $2) AS counts GROUP BY host_id";
/// Confirmed bookings (any event type) starting in `[$4, $5)` per host of an event type.
pub const WEEK_LOADS: &str = "SELECT host_id, COUNT(*) FROM booking_hosts \
     WHERE host_id IN (SELECT host_id FROM event_type_hosts WHERE event_type_id = $1) AND tenant_id = $2 \
     AND active = $3 AND blocked_start > $6 AND blocked_start < $5 AND start_at >= $4 AND start_at < $5 \
     GROUP BY host_id";
/// Adds `$4` to a host's round-robin count for an event type in its row `$6`, moving that row's
/// last assignment to `$5` when that is later.
pub const COUNT_ASSIGNMENT: &str = "INSERT INTO assignment_shards (event_type_id, host_id, tenant_id, assigned, \
     last_assigned_at, shard) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_type_id, host_id, shard) DO UPDATE SET \
     assigned = assignment_shards.assigned + excluded.assigned, last_assigned_at = CASE \
     WHEN excluded.last_assigned_at IS NULL THEN assignment_shards.last_assigned_at \
     WHEN assignment_shards.last_assigned_at IS NULL OR excluded.last_assigned_at > assignment_shards.last_assigned_at \
     THEN excluded.last_assigned_at ELSE assignment_shards.last_assigned_at END";
pub const BOOKING_TENANT: &str = "SELECT tenant_id FROM bookings WHERE id = $1";
pub const BOOKING_HOST: &str = "SELECT host_id FROM bookings WHERE id = $1 AND tenant_id = $2";

// Bookings.
pub const BOOKING_COLS: &str = "id, tenant_id, uid, confirmation_code, status, event_type_id, host_id, start_at, \
     end_at, buffer_before_minutes, buffer_after_minutes, attendee_name, attendee_email, attendee_phone, \
     attendee_time_zone, notes, metadata, source, external_ref, host_ids, sequence, cancel_reason, created_at, \
     updated_at, answers, no_show_at";
pub const INSERT_BOOKING: &str = const_format::concatcp!(
    "INSERT INTO bookings (",
    BOOKING_COLS,
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
     $22, $23, $24, $25, $26)"
);
pub const MOVE_BOOKING: &str = "UPDATE bookings SET host_id = $3, start_at = $4, end_at = $5, host_ids = $6, \
     sequence = $7, updated_at = $8 WHERE id = $1 AND tenant_id = $2 AND status = 'confirmed' AND sequence = $7 - 1";
pub const CANCEL_BOOKING: &str = "UPDATE bookings SET status = 'cancelled', cancel_reason = $3, updated_at = $4, \
     sequence = sequence + 1 \
     WHERE id = $1 AND tenant_id = $2 AND status = 'confirmed'";
pub const BOOKING: &str =
    const_format::concatcp!("SELECT ", BOOKING_COLS, " FROM bookings WHERE id = $1 AND tenant_id = $2");
pub const BOOKING_BY_CODE: &str = const_format::concatcp!(
    "SELECT ",
    BOOKING_COLS,
    " FROM bookings WHERE confirmation_code = $1 AND tenant_id = $2"
);
pub const LIST_BOOKINGS: &str = const_format::concatcp!(
    "SELECT ",
    BOOKING_COLS,
    " FROM bookings b WHERE tenant_id = $1 \
     AND ($2 IS NULL OR end_at > $2) AND ($3 IS NULL OR start_at < $3) \
     AND ($4 IS NULL OR EXISTS (SELECT 1 FROM booking_hosts bh WHERE bh.booking_id = b.id AND bh.host_id = $4)) \
     AND ($5 IS NULL OR status = $5) AND ($6 IS NULL OR event_type_id = $6) \
     AND ($7 IS NULL OR LOWER(attendee_name) LIKE $7 ESCAPE '\\' \
          OR LOWER(COALESCE(attendee_email, '')) LIKE $7 ESCAPE '\\' \
          OR COALESCE(attendee_phone, '') LIKE $8 ESCAPE '\\' OR confirmation_code LIKE $9 ESCAPE '\\') \
          AND ($10 IS NULL OR start_at > $10 OR (start_at = $10 AND id > $11)) \
     AND ($13 IS NULL OR external_ref = $13) AND ($14 IS NULL OR source = $14) \
     ORDER BY start_at, id LIMIT $12"
);
pub const INSERT_OCCUPANCY: &str = "INSERT INTO booking_hosts (booking_id, host_id, tenant_id, position, active, \
     blocked_start, blocked_end, event_type_id, start_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
pub const DELETE_OCCUPANCY: &str = "DELETE FROM booking_hosts WHERE booking_id = $1";
pub const RELEASE_OCCUPANCY: &str = "UPDATE booking_hosts SET active = $2 WHERE booking_id = $1";
pub const OCCUPANCY_OF: &str =
    "SELECT host_id, blocked_start, blocked_end FROM booking_hosts WHERE booking_id = $1";
pub const OVERLAPS: &str = "SELECT COUNT(*) FROM booking_hosts WHERE host_id = $1 AND active = $2 \
     AND booking_id <> $3 AND blocked_start < $5 AND blocked_end > $4 AND blocked_start > $6";
/// Confirmed bookings of an event type starting on a day (`$7` bounds the index scan as `$6`
/// does in `OVERLAPS`).
pub const DAY_COUNT: &str = "SELECT COUNT(*) FROM booking_hosts WHERE host_id = $1 AND active = $2 \
     AND event_type_id = $3 AND start_at >= $4 AND start_at < $5 AND booking_id <> $6 \
     AND blocked_start > $7 AND blocked_start < $5";
const HISTORY_COLS: &str = "id, booking_id, tenant_id, at, actor, action, before, after, reason";
pub const INSERT_HISTORY: &str = const_format::concatcp!(
    "INSERT INTO booking_history (",
    HISTORY_COLS,
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
);
pub const HISTORY: &str = const_format::concatcp!(
    "SELECT ",
    HISTORY_COLS,
    " FROM booking_history WHERE booking_id = $1 AND tenant_id = $2 ORDER BY at, id"
);
pub const INSERT_IDEMPOTENCY: &str = "INSERT INTO idempotency_keys (tenant_id, key, request_hash, status, \
     response, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
pub const IDEMPOTENCY: &str = "SELECT tenant_id, key, request_hash, status, response, created_at \
     FROM idempotency_keys WHERE tenant_id = $1 AND key = $2";
pub const PURGE_IDEMPOTENCY: &str = "DELETE FROM idempotency_keys WHERE created_at < $1";
pub const PURGE_SEEN: &str = "DELETE FROM seen_requests WHERE expires_at < $1";
pub const INSERT_SEEN: &str =
    "INSERT INTO seen_requests (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";

// Jobs.
pub const JOB_COLS: &str = "id, tenant_id, kind, payload, status, attempts, max_attempts, run_at, locked_by, \
     locked_until, last_error, created_at, updated_at";
pub const INSERT_JOB: &str = "INSERT INTO jobs (id, tenant_id, kind, payload, status, attempts, max_attempts, \
     run_at, created_at, updated_at, dedupe_key) VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7, $7, $8)";
pub const QUEUED_LIKE: &str =
    "SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $1 AND kind = $2 AND payload = $3 LIMIT 1";
pub const QUEUED_KEY: &str =
    "SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $1 AND kind = $2 AND dedupe_key = $3 LIMIT 1";
/// The lease statement: `LEASE_HEAD`, which jobs (`LEASE_EXPIRED` or `LEASE_DUE`), each
/// dialect's row-locking clause for the inner select, then `LEASE_TAIL`.
pub const LEASE_HEAD: &str = "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, \
     attempts = attempts + 1, updated_at = $3 WHERE id IN (SELECT id FROM jobs WHERE ";
/// Jobs whose lease ran out (their worker died or stalled): few.
pub const LEASE_EXPIRED: &str = "status = 'running' AND locked_until <= $3 ORDER BY run_at, id LIMIT $4";
/// Queued jobs that are due, in order, read along the `jobs_queue` index so that leasing from a
/// long queue reads only the jobs it takes instead of sorting every due one.
pub const LEASE_DUE: &str = "status = 'queued' AND run_at <= $3 ORDER BY run_at, id LIMIT $4";
pub const LEASE_TAIL: &str = const_format::concatcp!(") RETURNING ", JOB_COLS);
pub const COMPLETE_JOB: &str = "UPDATE jobs SET status = 'done', locked_by = NULL, locked_until = NULL, \
     updated_at = $3 WHERE id = $1 AND locked_by = $2 AND status = 'running'";
/// [`COMPLETE_JOB`] for many jobs at once on PostgreSQL: `$1` their ids as an array literal,
/// `{id,id,...}`.
pub const COMPLETE_JOBS_PG: &str = "UPDATE jobs SET status = 'done', locked_by = NULL, locked_until = NULL, \
     updated_at = $3 WHERE id = ANY(CAST($1 AS uuid[])) AND locked_by = $2 AND status = 'running'";
/// [`COMPLETE_JOB`] for many jobs at once on SQLite: `$1` their ids as a JSON array of hex
/// strings (one text however many jobs, so it stays prepared).
pub const COMPLETE_JOBS_SQLITE: &str = "UPDATE jobs SET status = 'done', locked_by = NULL, \
     locked_until = NULL, updated_at = $3 WHERE id IN (SELECT unhex(value) FROM json_each($1)) \
     AND locked_by = $2 AND status = 'running'";
pub const FAIL_JOB: &str = "UPDATE jobs SET status = CASE WHEN $5 IS NULL THEN 'dead' ELSE 'queued' END, \
     run_at = COALESCE($5, run_at), hold_until = $6, last_error = $4, locked_by = NULL, locked_until = NULL, \
     updated_at = $3 WHERE id = $1 AND locked_by = $2 AND status = 'running'";
/// What bringing a retry forward to `$3` sets: now, or the end of its hold when that is later.
/// (`$3` is the instant in every statement that uses it.)
pub const EXPEDITED: &str = "run_at = CASE WHEN hold_until > $3 THEN hold_until ELSE $3 END, updated_at = $3";
/// Which queued jobs wait for a retry that can come sooner: attempted before, due after `$3` and
/// after their hold.
pub const WAITING_RETRY: &str =
    "status = 'queued' AND attempts > 0 AND run_at > $3 AND (hold_until IS NULL OR run_at > hold_until)";
/// A queued job of kind `$1` and key `$2` asked for again at `$3`: due then (sooner if it
/// already was, never before its hold), its attempts counted afresh.
pub const RENEW_QUEUED: &str = "UPDATE jobs SET attempts = 0, updated_at = $3, run_at = CASE \
     WHEN hold_until > $3 THEN hold_until WHEN run_at < $3 THEN run_at ELSE $3 END \
     WHERE status = 'queued' AND kind = $1 AND dedupe_key = $2";
pub const EXPEDITE_RETRIES: &str = const_format::concatcp!(
    "UPDATE jobs SET ",
    EXPEDITED,
    " WHERE tenant_id = $1 AND kind = $2 AND ",
    WAITING_RETRY
);
/// One slice of finished jobs to delete: a long-neglected table is purged a slice per
/// transaction, never holding the writer for long.
pub const PURGE_JOBS: &str = "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs \
     WHERE status = 'done' AND updated_at < $1 LIMIT $2)";
pub const LIST_JOBS: &str = const_format::concatcp!(
    "SELECT ",
    JOB_COLS,
    " FROM jobs WHERE tenant_id = $1 AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR id < $3) \
     ORDER BY id DESC LIMIT $4"
);
pub const JOB: &str = const_format::concatcp!("SELECT ", JOB_COLS, " FROM jobs WHERE id = $1");
/// Counts of unfinished and dead jobs (done ones are not counted: they only grow).
pub const OLDEST_DUE: &str = "SELECT MIN(run_at) FROM jobs WHERE status = 'queued' AND run_at <= $1";
pub const JOB_COUNTS: &str = "SELECT status, COUNT(*) FROM jobs WHERE status IN ('queued', 'running', 'dead') \
     GROUP BY status ORDER BY status";

// Voice.
const VOICE_AGENT_COLS: &str = "id, tenant_id, platform, platform_agent_id, event_type_ids, default_event_type_id, \
     time_zone, secret, auth_header, max_options_spoken, clock, language, created_at, updated_at";
pub const INSERT_VOICE_AGENT: &str = const_format::concatcp!(
    "INSERT INTO voice_agents (",
    VOICE_AGENT_COLS,
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
);
pub const UPDATE_VOICE_AGENT: &str = "UPDATE voice_agents SET platform = $3, platform_agent_id = $4, \
     event_type_ids = $5, default_event_type_id = $6, time_zone = $7, secret = $8, auth_header = $9, \
     max_options_spoken = $10, clock = $11, language = $12, updated_at = $13 WHERE id = $1 AND tenant_id = $2";
pub const VOICE_AGENT: &str = const_format::concatcp!(
    "SELECT ",
    VOICE_AGENT_COLS,
    " FROM voice_agents WHERE id = $1 AND tenant_id = $2"
);
pub const FIND_VOICE_AGENT: &str =
    const_format::concatcp!("SELECT ", VOICE_AGENT_COLS, " FROM voice_agents WHERE id = $1");
pub const LIST_VOICE_AGENTS: &str = const_format::concatcp!(
    "SELECT ",
    VOICE_AGENT_COLS,
    " FROM voice_agents WHERE tenant_id = $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
);
pub const DELETE_VOICE_AGENT: &str = "DELETE FROM voice_agents WHERE id = $1 AND tenant_id = $2";
const VOICE_CALL_COLS: &str =
    "voice_agent_id, call_id, tenant_id, from_number, last_event, report, created_at, updated_at";
pub const VOICE_CALL: &str = const_format::concatcp!(
    "SELECT ",
    VOICE_CALL_COLS,
    " FROM voice_calls WHERE voice_agent_id = $1 AND call_id = $2 AND tenant_id = $3"
);
pub const INSERT_VOICE_CALL: &str = const_format::concatcp!(
    "INSERT INTO voice_calls (",
    VOICE_CALL_COLS,
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
);
pub const UPDATE_VOICE_CALL: &str = "UPDATE voice_calls SET from_number = $4, last_event = $5, report = $6, \
     updated_at = $7 WHERE voice_agent_id = $1 AND call_id = $2 AND tenant_id = $3";
