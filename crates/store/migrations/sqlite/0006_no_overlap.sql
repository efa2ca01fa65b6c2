-- No double booking, ever, as the database's own rule (PostgreSQL has the exclusion constraint
-- `booking_hosts_no_overlap`): an active occupancy row may not overlap another active row of
-- the same host. The booking flow checks first and answers with alternatives; this refuses
-- whatever gets past it (a bug, a hand-made row). Rows of a host span at most its `max_span`,
-- which bounds the index scan as the flow's own check does.
CREATE TRIGGER booking_hosts_no_overlap_insert
BEFORE INSERT ON booking_hosts
WHEN NEW.active
BEGIN
    SELECT RAISE(ABORT, 'booking_hosts_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM booking_hosts b
        WHERE b.host_id = NEW.host_id AND b.active AND b.booking_id <> NEW.booking_id
          AND b.blocked_start < NEW.blocked_end AND b.blocked_end > NEW.blocked_start
          AND b.blocked_start > NEW.blocked_start
              - COALESCE((SELECT max_span FROM hosts WHERE id = NEW.host_id), NEW.blocked_start) - 1
    );
END;

CREATE TRIGGER booking_hosts_no_overlap_update
BEFORE UPDATE OF host_id, active, blocked_start, blocked_end ON booking_hosts
WHEN NEW.active
BEGIN
    SELECT RAISE(ABORT, 'booking_hosts_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM booking_hosts b
        WHERE b.host_id = NEW.host_id AND b.active AND b.booking_id <> NEW.booking_id
          AND b.blocked_start < NEW.blocked_end AND b.blocked_end > NEW.blocked_start
          AND b.blocked_start > NEW.blocked_start
              - COALESCE((SELECT max_span FROM hosts WHERE id = NEW.host_id), NEW.blocked_start) - 1
    );
END;
