//! The statements of notifications.

use const_format::concatcp;

use crate::sql::queries::{EXPEDITED, WAITING_RETRY};

pub(in crate::sql) const MSG_COLS: &str = "id, tenant_id, booking_id, webhook_id, channel, kind, role, recipient, status, dedupe_key, \
     payload, provider_id, error, attempts, sending_at, response_code, next_attempt_at, created_at, updated_at";
pub(in crate::sql) const PREF_COLS: &str = "tenant_id, address, channel, kind, enabled, source, updated_at";
const HOOK_COLS: &str = "id, tenant_id, url, events, description, active, secret, failing_since, disabled_at, created_at, updated_at";

/// `$20` is the message's job, kept to find it again ([`EXPEDITE_MESSAGES`]).
pub const INSERT_MESSAGE: &str = concatcp!(
    "INSERT INTO messages (",
    MSG_COLS,
    ", job_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, \
     $20) ON CONFLICT (dedupe_key) DO NOTHING"
);
pub const MESSAGE: &str = concatcp!("SELECT ", MSG_COLS, " FROM messages WHERE id = $1");
pub const TENANT_MESSAGE: &str =
    concatcp!("SELECT ", MSG_COLS, " FROM messages WHERE id = $1 AND tenant_id = $2");
pub const MESSAGE_BY_PROVIDER: &str = concatcp!(
    "SELECT ",
    MSG_COLS,
    " FROM messages WHERE provider_id = $1 AND channel = $2 ORDER BY id DESC LIMIT 1"
);
pub const LATEST_TO: &str = concatcp!(
    "SELECT ",
    MSG_COLS,
    " FROM messages WHERE recipient = $1 AND channel = $2 AND status <> 'queued' ORDER BY id DESC LIMIT 1"
);
/// Newest first: `$3` is the id to continue below.
pub const LIST_MESSAGES: &str = concatcp!(
    "SELECT ",
    MSG_COLS,
    " FROM messages WHERE tenant_id = $1 AND ($2 IS NULL OR booking_id = $2) AND ($3 IS NULL OR id < $3) \
     AND ($4 IS NULL OR webhook_id = $4) AND ($5 IS NULL OR channel = $5) AND ($6 IS NULL OR status = $6) \
     AND ($7 IS NULL OR kind = $7) AND ($8 IS NULL OR recipient = $8) AND ($9 IS NULL OR created_at >= $9) \
     AND ($10 IS NULL OR created_at < $10) ORDER BY id DESC LIMIT $11"
);
pub const START_SENDING: &str =
    "UPDATE messages SET attempts = attempts + 1, sending_at = $2, updated_at = $2 WHERE id = $1";
pub const SETTLE_MESSAGE: &str = "UPDATE messages SET status = $2, provider_id = COALESCE($3, provider_id), \
     error = $4, response_code = COALESCE($5, response_code), next_attempt_at = $6, updated_at = $7 WHERE id = $1";
pub const REQUEUE_MESSAGE: &str = "UPDATE messages SET status = 'queued', attempts = 0, error = NULL, \
     next_attempt_at = $3, sending_at = NULL, job_id = $4, updated_at = $3 WHERE id = $1 AND tenant_id = $2";
/// The jobs of the messages on channel `$1` (and endpoint `$2`, unless null) attempted and still
/// queued: through the partial index `messages_retrying`, a handful of rows however many
/// messages wait for later (reminders).
const RETRYING_MESSAGE_JOBS: &str = "id IN (SELECT job_id FROM messages WHERE status = 'queued' \
     AND attempts > 0 AND channel = $1 AND ($2 IS NULL OR webhook_id = $2))";
/// Whether one of them waits for a retry that can come sooner than planned.
pub const MESSAGE_RETRY_WAITS: &str =
    concatcp!("SELECT id FROM jobs WHERE ", WAITING_RETRY, " AND ", RETRYING_MESSAGE_JOBS, " LIMIT 1");
/// Brings them forward to `$3` (or the end of their hold).
pub const EXPEDITE_MESSAGES: &str =
    concatcp!("UPDATE jobs SET ", EXPEDITED, " WHERE ", WAITING_RETRY, " AND ", RETRYING_MESSAGE_JOBS);
pub const DROP_REMINDERS: &str = "DELETE FROM messages WHERE booking_id = $1 AND tenant_id = $2 \
     AND kind = 'reminder' AND status = 'queued'";
pub const MESSAGE_COUNTS: &str =
    "SELECT channel, kind, status, COUNT(*) FROM messages GROUP BY channel, kind, status ORDER BY 1, 2, 3";

pub const UPSERT_PREFERENCE: &str = concatcp!(
    "INSERT INTO notification_preferences (",
    PREF_COLS,
    ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, address, channel, kind) DO UPDATE SET \
     enabled = excluded.enabled, source = excluded.source, updated_at = excluded.updated_at"
);
pub const PREFERENCES: &str = concatcp!(
    "SELECT ",
    PREF_COLS,
    " FROM notification_preferences WHERE tenant_id = $1 AND address = $2 ORDER BY channel, kind"
);

pub const INSERT_WEBHOOK: &str =
    concatcp!("INSERT INTO webhooks (", HOOK_COLS, ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
pub const UPDATE_WEBHOOK: &str = "UPDATE webhooks SET url = $3, events = $4, description = $5, active = $6, \
     failing_since = $7, disabled_at = $8, updated_at = $9 WHERE id = $1 AND tenant_id = $2";
pub const WEBHOOK: &str = concatcp!("SELECT ", HOOK_COLS, " FROM webhooks WHERE id = $1 AND tenant_id = $2");
pub const FIND_WEBHOOK: &str = concatcp!("SELECT ", HOOK_COLS, " FROM webhooks WHERE id = $1");
pub const LIST_WEBHOOKS: &str = concatcp!(
    "SELECT ",
    HOOK_COLS,
    " FROM webhooks WHERE tenant_id = $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
);
pub const ACTIVE_WEBHOOKS: &str =
    concatcp!("SELECT ", HOOK_COLS, " FROM webhooks WHERE tenant_id = $1 AND active = $2 ORDER BY id");
pub const DELETE_WEBHOOK: &str = "DELETE FROM webhooks WHERE id = $1 AND tenant_id = $2";
pub const WEBHOOK_OK: &str = "UPDATE webhooks SET failing_since = NULL WHERE id = $1";
pub const WEBHOOK_FAILED: &str =
    "UPDATE webhooks SET failing_since = COALESCE(failing_since, $2) WHERE id = $1";
pub const DISABLE_WEBHOOK: &str =
    "UPDATE webhooks SET active = $3, disabled_at = $2, updated_at = $2 WHERE id = $1 AND active = $4";

pub const NEXT_BOOKING_FOR_PHONE: &str = concatcp!(
    "SELECT ",
    crate::sql::queries::BOOKING_COLS,
    " FROM bookings WHERE tenant_id = $1 AND attendee_phone = $2 AND status = 'confirmed' AND end_at > $3 \
     ORDER BY start_at LIMIT 1"
);

pub const NOTIFY_SETTINGS: &str = "SELECT tenant_id, reply_to, logo_url, brand_color, notify_email, updated_at \
     FROM notification_settings WHERE tenant_id = $1";
pub const UPSERT_NOTIFY_SETTINGS: &str = "INSERT INTO notification_settings (tenant_id, reply_to, logo_url, \
     brand_color, notify_email, updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id) DO UPDATE SET \
     reply_to = excluded.reply_to, logo_url = excluded.logo_url, brand_color = excluded.brand_color, \
     notify_email = excluded.notify_email, updated_at = excluded.updated_at";
pub const TEMPLATES: &str = "SELECT tenant_id, kind, part, source, updated_at FROM templates WHERE tenant_id = $1 ORDER BY kind, part";
pub const UPSERT_TEMPLATE: &str = "INSERT INTO templates (tenant_id, kind, part, source, updated_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, kind, part) DO UPDATE SET source = excluded.source, \
     updated_at = excluded.updated_at";
pub const DELETE_TEMPLATE: &str = "DELETE FROM templates WHERE tenant_id = $1 AND kind = $2 AND part = $3";
