//! The statements of connected calendars.

use const_format::concatcp;

const CONN_COLS: &str = "id, tenant_id, host_id, provider, account, status, access_token, refresh_token, \
     token_expires_at, refresh_expires_at, scopes, booking_calendar_id, last_checked_at, last_error, \
     next_check_at, created_at, updated_at, server_url, username, password";
const CAL_COLS: &str = "connection_id, calendar_id, tenant_id, host_id, summary, time_zone, is_primary, writable, \
     busy, sync_token, synced_at, next_poll_at, expanded_until, channel_id, channel_resource_id, \
     channel_token_hash, channel_expires_at, next_watch_at, last_error";
const EVENT_COLS: &str = "connection_id, calendar_id, event_id, series_id, booking_id, data";
const BCE_COLS: &str =
    "booking_id, connection_id, tenant_id, calendar_id, event_id, start_at, end_at, status, updated_at, etag";

pub const INSERT_STATE: &str = "INSERT INTO oauth_states (id, tenant_id, host_id, provider, verifier, \
     redirect_to, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
pub const TAKE_STATE: &str = "DELETE FROM oauth_states WHERE id = $1 RETURNING id, tenant_id, host_id, \
     provider, verifier, redirect_to, expires_at, created_at";
pub const PURGE_STATES: &str = "DELETE FROM oauth_states WHERE expires_at < $1";

pub const INSERT_CONN: &str = concatcp!(
    "INSERT INTO connections (",
    CONN_COLS,
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
);
pub const INSERT_CAL: &str = concatcp!(
    "INSERT INTO connection_calendars (",
    CAL_COLS,
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
);
pub const INSERT_AUDIT: &str = "INSERT INTO token_audit (id, connection_id, tenant_id, at, action, detail) \
     VALUES ($1, $2, $3, $4, $5, $6)";
pub const CONN: &str = concatcp!("SELECT ", CONN_COLS, " FROM connections WHERE id = $1 AND tenant_id = $2");
pub const FIND_CONN: &str = concatcp!("SELECT ", CONN_COLS, " FROM connections WHERE id = $1");
pub const LIST_CONNS: &str = concatcp!(
    "SELECT ",
    CONN_COLS,
    " FROM connections WHERE tenant_id = $1 AND ($2 IS NULL OR host_id = $2) AND ($3 IS NULL OR id > $3) \
     ORDER BY id LIMIT $4"
);
pub const CALS: &str = concatcp!(
    "SELECT ",
    CAL_COLS,
    " FROM connection_calendars WHERE connection_id = $1 ORDER BY calendar_id"
);
pub const SET_BOOKING_CAL: &str =
    "UPDATE connections SET booking_calendar_id = $3, updated_at = $4 WHERE id = $1 AND tenant_id = $2";
pub const CAL_OFF: &str = "UPDATE connection_calendars SET busy = $3, sync_token = NULL, synced_at = NULL, \
     expanded_until = NULL, channel_id = NULL, channel_resource_id = NULL, channel_token_hash = NULL, \
     channel_expires_at = NULL, next_watch_at = NULL WHERE connection_id = $1 AND calendar_id = $2";
pub const CAL_ON: &str = "UPDATE connection_calendars SET busy = $3, sync_token = NULL, next_poll_at = $4, \
     next_watch_at = NULL WHERE connection_id = $1 AND calendar_id = $2";
pub const DROP_CAL_EVENTS: &str = "DELETE FROM external_events WHERE connection_id = $1 AND calendar_id = $2";
pub const DROP_CAL_BUSY: &str = "DELETE FROM external_busy WHERE connection_id = $1 AND calendar_id = $2";
pub const SAVE_TOKENS: &str = "UPDATE connections SET access_token = $2, \
     refresh_token = COALESCE($3, refresh_token), token_expires_at = $4, \
     refresh_expires_at = COALESCE($5, refresh_expires_at), updated_at = $6 WHERE id = $1";
pub const STATUS: &str = "SELECT status FROM connections WHERE id = $1";
pub const SET_HEALTH: &str = "UPDATE connections SET status = $2, last_error = $3, last_checked_at = $4, \
     updated_at = $4 WHERE id = $1";
pub const DELETE_CONN_BUSY: &str = "DELETE FROM external_busy WHERE connection_id = $1";
pub const DELETE_CONN_EVENTS: &str = "DELETE FROM external_events WHERE connection_id = $1";
pub const DELETE_CONN_BCE: &str = "DELETE FROM booking_calendar_events WHERE connection_id = $1";
pub const DELETE_CONN_CALS: &str = "DELETE FROM connection_calendars WHERE connection_id = $1";
pub const DELETE_CONN: &str = "DELETE FROM connections WHERE id = $1";
pub const AUDIT: &str = "SELECT a.id, a.connection_id, a.tenant_id, a.at, a.action, a.detail FROM token_audit a \
     WHERE a.connection_id = $1 AND a.tenant_id = $2 ORDER BY a.at DESC, a.id DESC LIMIT $3";

pub const DUE_CHECKS: &str = "SELECT id, next_check_at FROM connections WHERE next_check_at <= $1 \
     AND status <> $2 ORDER BY next_check_at LIMIT $3";
pub const CLAIM_CHECK: &str =
    "UPDATE connections SET next_check_at = $3 WHERE id = $1 AND next_check_at = $2";
pub const DUE_POLLS: &str = "SELECT c.connection_id, c.calendar_id, c.next_poll_at FROM connection_calendars c \
     JOIN connections n ON n.id = c.connection_id \
     WHERE (c.busy = $2 OR c.calendar_id = n.booking_calendar_id) AND c.next_poll_at <= $1 \
     AND n.status <> $3 ORDER BY c.next_poll_at LIMIT $4";
pub const CLAIM_POLL: &str = "UPDATE connection_calendars SET next_poll_at = $4 \
     WHERE connection_id = $1 AND calendar_id = $2 AND next_poll_at = $3";
pub const DUE_WATCHES: &str = "SELECT c.connection_id, c.calendar_id, c.next_watch_at FROM connection_calendars c \
     JOIN connections n ON n.id = c.connection_id \
     WHERE (c.busy = $3 OR c.calendar_id = n.booking_calendar_id) AND n.status <> $4 \
     AND (c.channel_expires_at IS NULL OR c.channel_expires_at < $2) \
     AND (c.next_watch_at IS NULL OR c.next_watch_at <= $1) ORDER BY c.next_watch_at LIMIT $5";
pub const CLAIM_WATCH: &str = "UPDATE connection_calendars SET next_watch_at = $4 \
     WHERE connection_id = $1 AND calendar_id = $2 AND next_watch_at IS NOT DISTINCT FROM $3";
pub const SAVE_CHANNEL: &str = "UPDATE connection_calendars SET channel_id = $3, channel_resource_id = $4, \
     channel_token_hash = $5, channel_expires_at = $6 WHERE connection_id = $1 AND calendar_id = $2";
pub const BY_CHANNEL: &str =
    concatcp!("SELECT ", CAL_COLS, " FROM connection_calendars WHERE channel_id = $1");
pub const CAL_ERROR: &str =
    "UPDATE connection_calendars SET last_error = $3 WHERE connection_id = $1 AND calendar_id = $2";

pub const SERIES: &str = concatcp!(
    "SELECT ",
    EVENT_COLS,
    " FROM external_events WHERE connection_id = $1 AND calendar_id = $2 AND series_id = $3"
);
pub const EVENTS: &str =
    concatcp!("SELECT ", EVENT_COLS, " FROM external_events WHERE connection_id = $1 AND calendar_id = $2");
pub const ADVANCE: &str = "UPDATE connection_calendars SET sync_token = $3, synced_at = $4, \
     expanded_until = COALESCE($5, expanded_until), last_error = NULL \
     WHERE connection_id = $1 AND calendar_id = $2 AND sync_token IS NOT DISTINCT FROM $6 \
     AND (busy = $7 OR calendar_id = (SELECT n.booking_calendar_id FROM connections n WHERE n.id = $1)) \
     RETURNING host_id, tenant_id, busy";
pub const DELETE_EVENT: &str =
    "DELETE FROM external_events WHERE connection_id = $1 AND calendar_id = $2 AND event_id = $3";
pub const DELETE_SERIES_BUSY: &str =
    "DELETE FROM external_busy WHERE connection_id = $1 AND calendar_id = $2 AND series_id = $3";
pub const UPSERT_EVENTS: &str = concatcp!("INSERT INTO external_events (", EVENT_COLS, ") ");
pub const UPSERT_EVENTS_TAIL: &str = " ON CONFLICT (connection_id, calendar_id, event_id) DO UPDATE SET \
     series_id = excluded.series_id, booking_id = excluded.booking_id, data = excluded.data";
pub const INSERT_BUSY: &str = "INSERT INTO external_busy (connection_id, calendar_id, series_id, tenant_id, \
     host_id, start_at, end_at) ";
pub const BUMP_EXTERNAL: &str = "UPDATE hosts SET external_version = external_version + 1, \
     external_span = CASE WHEN external_span < $3 THEN $3 ELSE external_span END \
     WHERE id = $1 AND tenant_id = $2";
pub const EXTERNAL_SPAN: &str = "SELECT external_span FROM hosts WHERE id = $1 AND tenant_id = $2";
pub const HOST_SPANS: &str = "SELECT start_at, end_at FROM external_busy \
     WHERE host_id = $1 AND tenant_id = $2 AND start_at < $4 AND end_at > $3 AND start_at > $5 \
     ORDER BY start_at";
pub const HOST_EXTERNAL: &str = "SELECT host_id, connection_id, start_at, end_at FROM external_busy \
     WHERE host_id = $1 AND tenant_id = $2 AND start_at < $4 AND end_at > $3 AND start_at > $5 \
     ORDER BY start_at";

pub const BCES: &str = concatcp!("SELECT ", BCE_COLS, " FROM booking_calendar_events WHERE booking_id = $1");
pub const SAVE_BCE: &str = concatcp!(
    "INSERT INTO booking_calendar_events (",
    BCE_COLS,
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (booking_id, connection_id) DO UPDATE SET \
     calendar_id = excluded.calendar_id, event_id = excluded.event_id, start_at = excluded.start_at, \
     end_at = excluded.end_at, status = excluded.status, updated_at = excluded.updated_at, etag = excluded.etag"
);
pub const KEEP_REVOCATION: &str = "INSERT INTO pending_revocations (id, tenant_id, access_token, refresh_token, \
     provider) SELECT $1, tenant_id, access_token, refresh_token, provider FROM connections WHERE id = $2";
pub const PENDING_REVOCATION: &str =
    "SELECT id, tenant_id, access_token, refresh_token, provider FROM pending_revocations WHERE id = $1";
pub const DELETE_REVOCATION: &str = "DELETE FROM pending_revocations WHERE id = $1";
pub const WRITTEN: &str = concatcp!(
    "SELECT ",
    BCE_COLS,
    " FROM booking_calendar_events WHERE connection_id = $1 AND calendar_id = $2"
);
