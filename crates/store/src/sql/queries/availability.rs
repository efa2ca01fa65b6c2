//! The reads availability is computed from: what candidates starting in a range can meet
//! (occupancy and blocks, the range widened by the event type's buffers and duration), and on
//! PostgreSQL all of a booking's reads as one statement, with the context's stamp.

use super::*;

/// Blocked intervals are at most a week plus two week-long buffers: the bound for queries that
/// do not know a host's own longest one.
pub const MAX_BLOCKED_SPAN: i64 = 22 * 86_400;
/// Seconds an event type's blocked interval reaches before its start (`$1` the event type, `$2`
/// its tenant).
const BEFORE: &str = "(SELECT buffer_before_minutes * 60 FROM event_types WHERE id = $1 AND tenant_id = $2)";
/// Seconds its blocked interval reaches after its start.
const AFTER: &str = "(SELECT (duration_minutes + buffer_after_minutes) * 60 FROM event_types WHERE id = $1 AND tenant_id = $2)";
/// The longest blocked interval of its active (`$3`) hosts.
const REACH: &str = "(SELECT COALESCE(MAX(h.max_span), 0) FROM hosts h JOIN event_type_hosts eh ON eh.host_id = h.id \
     WHERE eh.event_type_id = $1 AND h.tenant_id = $2 AND h.active = $3)";
/// Occupancy of the hosts `$hosts` (a statement answering their ids) that candidates starting in
/// `[$4, $5)` can meet: overlapping `[$4 - before, $5 + after)`, with the event type's buffers
/// and duration (`$before`, `$after`) read in the statement, so it needs nothing read first. The
/// last bound is the start of that range minus the hosts' longest blocked interval (`$reach`), so
/// the index range scanned ends there rather than at the dawn of time.
macro_rules! occupancy_near {
    ($hosts:expr, $before:expr, $after:expr, $reach:expr) => {
        const_format::concatcp!(
            "SELECT booking_id, host_id, event_type_id, start_at, blocked_start, blocked_end \
             FROM booking_hosts WHERE host_id IN (",
            $hosts,
            ") AND tenant_id = $2 AND active = $3 AND blocked_start < $5 + ",
            $after,
            " AND blocked_end > $4 - ",
            $before,
            " AND blocked_start > $4 - ",
            $before,
            " - ",
            $reach,
            " - 1"
        )
    };
}
/// Blocks of the hosts `$hosts` over the same range (recurring ones whatever their dates).
macro_rules! blocks_near {
    ($hosts:expr, $before:expr, $after:expr) => {
        const_format::concatcp!(
            "SELECT ",
            BLOCK_COLS,
            " FROM blocks WHERE tenant_id = $2 AND host_id IN (",
            $hosts,
            ") AND (rrule IS NOT NULL OR (start_at < $5 + ",
            $after,
            " AND end_at > $4 - ",
            $before,
            "))"
        )
    };
}
/// The hosts of the event type `$1`.
const ET_HOSTS: &str = "SELECT host_id FROM event_type_hosts WHERE event_type_id = $1";
/// [`occupancy_near`] of an event type's hosts.
pub const EVENT_TYPE_OCCUPANCY: &str =
    const_format::concatcp!(occupancy_near!(ET_HOSTS, BEFORE, AFTER, REACH), " ORDER BY blocked_start");
/// [`blocks_near`] of an event type's hosts. `$3` is not used: the statement takes the same values
/// as the others read with it.
pub const EVENT_TYPE_BLOCKS: &str =
    const_format::concatcp!(blocks_near!(ET_HOSTS, BEFORE, AFTER), " ORDER BY start_at /* $3 */");
/// The event type (`et`) and all its hosts with their places in its list (`hs`), each read once
/// for [`AVAILABILITY_PG`], whose parts read them again from here.
const CONTEXT_PG: &str = const_format::concatcp!(
    "WITH et AS (",
    EVENT_TYPE,
    "), hs AS (SELECT h.",
    HOST_COLS_H,
    ", eh.position FROM hosts h JOIN event_type_hosts eh ON eh.host_id = h.id \
     WHERE eh.event_type_id = $1 AND h.tenant_id = $2), st AS (SELECT ",
    STAMP_PG,
    " AS s) "
);
/// The context's stamp (see `AvailabilityData::stamp`) from `et` and `hs`: the event type's
/// version and every host's id, place, version (moved by every change of the host or its
/// schedule, its name and `active` included) and what changes without it (its longest bookings,
/// its calendars' busy time), each field between fixed separators. In no set order: the same
/// records listed in another order only make a reader take the context again. No event type,
/// no stamp (NULL).
const STAMP_PG: &str = "(SELECT CONCAT(version, '|') FROM et) || COALESCE((SELECT string_agg(CONCAT(id, ':', \
     position, ':', version, ':', max_span, ':', external_span, ':', external_version), ',') FROM hs), '')";
/// The start of a context column: none when the reader holds the context of this stamp (`$6`).
const UNLESS_KNOWN: &str = "CASE WHEN (SELECT s FROM st) = $6 THEN NULL ELSE ";
/// The context's stamp on SQLite (`$1` the event type, `$2` its tenant): as [`STAMP_PG`].
pub const STAMP_SQLITE: &str = "SELECT (SELECT version || '|' FROM event_types \
     WHERE id = $1 AND tenant_id = $2) || COALESCE((SELECT group_concat(x, ',') FROM (SELECT hex(h.id) \
     || ':' || eh.position || ':' || h.version || ':' || h.max_span || ':' || h.external_span \
     || ':' || h.external_version AS x FROM hosts h \
     JOIN event_type_hosts eh ON eh.host_id = h.id WHERE eh.event_type_id = $1 AND h.tenant_id = $2)), '')";
/// [`BEFORE`] of the event type read once in [`CONTEXT_PG`].
const BEFORE_ET: &str = "(SELECT buffer_before_minutes * 60 FROM et)";
/// [`AFTER`] of the event type read once.
const AFTER_ET: &str = "(SELECT (duration_minutes + buffer_after_minutes) * 60 FROM et)";
/// [`REACH`] of the hosts read once.
const REACH_HS: &str = "(SELECT COALESCE(MAX(max_span), 0) FROM hs WHERE active = $3)";
/// The hosts read once.
const HS_HOSTS: &str = "SELECT id FROM hs";
/// The five reads above as one PostgreSQL statement of one row: each record set as JSON text
/// (one round trip and one statement instead of five; SQLite runs the five as one command). The
/// event type and its hosts are read once, at its head, rather than again by every part. The
/// context's stamp comes first, and the context (event type, hosts, schedules) only when the
/// reader does not hold it already (`$6`, the stamp it holds, or NULL).
pub const AVAILABILITY_PG: &str = const_format::concatcp!(
    CONTEXT_PG,
    "SELECT (SELECT s FROM st), ",
    UNLESS_KNOWN,
    "CAST((SELECT row_to_json(et) FROM et) AS TEXT) END, ",
    UNLESS_KNOWN,
    "CAST(COALESCE((SELECT json_agg(hs ORDER BY hs.position) FROM hs WHERE hs.active = $3), '[]') \
     AS TEXT) END, ",
    UNLESS_KNOWN,
    "CAST(COALESCE((SELECT json_agg(x) FROM (SELECT ",
    SCHEDULE_COLS,
    " FROM schedules WHERE tenant_id = $2 AND id IN (SELECT schedule_id FROM hs)) x), '[]') AS TEXT) END, \
     CAST(COALESCE((SELECT json_agg(x ORDER BY x.blocked_start) FROM (",
    occupancy_near!(HS_HOSTS, BEFORE_ET, AFTER_ET, REACH_HS),
    ") x), '[]') AS TEXT), CAST(COALESCE((SELECT json_agg(x ORDER BY x.start_at) FROM (",
    blocks_near!(HS_HOSTS, BEFORE_ET, AFTER_ET),
    ") x), '[]') AS TEXT)"
);
/// [`AVAILABILITY_PG`] with the hosts' round-robin counts ([`ASSIGNMENTS`]) as a sixth column.
pub const AVAILABILITY_ASSIGNED_PG: &str = const_format::concatcp!(
    AVAILABILITY_PG,
    ", CAST(COALESCE((SELECT json_agg(x) FROM (",
    ASSIGNMENTS,
    ") x), '[]') AS TEXT)"
);
