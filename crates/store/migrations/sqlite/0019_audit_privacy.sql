-- The audit log: who changed what in a tenant's settings (hosts, schedules, event types, keys,
-- calendars, webhooks, users, ...). Booking changes are not repeated here: their history rows
-- already say who made each one, and the audit query reads both.
-- Twin of migrations/postgres/0019_audit_privacy.sql: keep them in step.
CREATE TABLE audit_log (
    id        BLOB PRIMARY KEY,
    tenant_id BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id);
CREATE INDEX audit_log_actor ON audit_log (tenant_id, actor, id);
-- The audit query reads a tenant's booking history newest first.
CREATE INDEX booking_history_tenant ON booking_history (tenant_id, id);
CREATE INDEX booking_history_actor ON booking_history (tenant_id, actor, id);

-- Erasing an attendee's personal data (on request, or after the retention period) marks the
-- booking; retention looks only at bookings not yet erased, oldest end first.
ALTER TABLE bookings ADD COLUMN erased_at INTEGER;
CREATE INDEX bookings_retention ON bookings (end_at) WHERE erased_at IS NULL;
