-- Round-robin statistics per event type and host, kept in step with bookings by the booking
-- transactions, so assignment reads two numbers instead of counting every past booking.
CREATE TABLE assignment_stats (
    event_type_id    BLOB NOT NULL REFERENCES event_types (id) ON DELETE CASCADE,
    host_id          BLOB NOT NULL REFERENCES hosts (id),
    tenant_id        BLOB NOT NULL,
    assigned         INTEGER NOT NULL,
    last_assigned_at INTEGER,
    PRIMARY KEY (event_type_id, host_id)
);

INSERT INTO assignment_stats (event_type_id, host_id, tenant_id, assigned, last_assigned_at)
SELECT event_type_id, host_id, tenant_id, COUNT(*), MAX(created_at)
FROM bookings WHERE status = 'confirmed' GROUP BY event_type_id, host_id, tenant_id;

-- The longest blocked interval any booking of a host ever had. Overlap queries look back only
-- that far from the instant they ask about, instead of the longest a booking could ever be.
ALTER TABLE hosts ADD COLUMN max_span INTEGER NOT NULL DEFAULT 0;
UPDATE hosts SET max_span = COALESCE((SELECT MAX(blocked_end - blocked_start) FROM booking_hosts WHERE host_id = hosts.id), 0);

-- Occupancy carries what availability needs from its booking, so reading it needs no join.
ALTER TABLE booking_hosts ADD COLUMN event_type_id BLOB;
ALTER TABLE booking_hosts ADD COLUMN start_at INTEGER;
UPDATE booking_hosts SET
    event_type_id = (SELECT event_type_id FROM bookings WHERE bookings.id = booking_hosts.booking_id),
    start_at = (SELECT start_at FROM bookings WHERE bookings.id = booking_hosts.booking_id);

-- Answers overlap checks and availability reads from the index alone.
DROP INDEX booking_hosts_host;
CREATE INDEX booking_hosts_span ON booking_hosts (host_id, blocked_start, blocked_end, active, booking_id, event_type_id, start_at);
