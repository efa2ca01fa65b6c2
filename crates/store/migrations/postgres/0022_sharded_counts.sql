-- Booking changes no longer update a row every booking of the host updates: on PostgreSQL such
-- a row made a host's bookings commit one after another, each waiting for the one before it to
-- reach the disk. Each count is now spread over 16 rows per host, the row chosen by the booking,
-- and readers add them up.
-- Twin of migrations/sqlite/0022_sharded_counts.sql: keep them in step.

-- Changes to a host's bookings, for slot snapshots' versions (added to the host's own version).
CREATE TABLE occupancy_changes (
    host_id UUID NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    shard   BIGINT NOT NULL,
    changes BIGINT NOT NULL,
    PRIMARY KEY (host_id, shard)
);

-- Round-robin statistics, spread the same way; read together with `assignment_stats`, which
-- keeps the counts from before (and those of processes not yet upgraded).
CREATE TABLE assignment_shards (
    event_type_id    UUID NOT NULL REFERENCES event_types (id) ON DELETE CASCADE,
    host_id          UUID NOT NULL REFERENCES hosts (id),
    shard            BIGINT NOT NULL,
    tenant_id        UUID NOT NULL,
    assigned         BIGINT NOT NULL,
    last_assigned_at BIGINT,
    PRIMARY KEY (event_type_id, host_id, shard)
);
