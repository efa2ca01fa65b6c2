-- Moving off Cal.com: a tenant's Cal.com integration (its webhook secret, sealed, and which Sked
-- event type each Cal.com event type is), the Cal.com bookings mirrored as Sked bookings, the
-- webhook deliveries applied, and what the importer made from which Cal.com record.
-- Twin of migrations/sqlite/0016_calcom.sql: keep them in step.

CREATE TABLE calcom_integrations (
    tenant_id      UUID PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    -- Sealed; NULL until one is set (every delivery is refused meanwhile).
    webhook_secret TEXT,
    -- JSON object: Cal.com event type id -> Sked event type id.
    event_types    TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

-- Every Cal.com booking uid known to the mirror and the Sked booking it is (a reschedule gives
-- the booking a new uid; both are kept). `booking_id` is NULL for a uid cancelled before it was
-- ever mirrored. `last_created_at` (Unix ms) is the `createdAt` of the newest delivery applied
-- to the booking: an older one arriving late changes nothing.
CREATE TABLE calcom_bookings (
    tenant_id       UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    uid             TEXT NOT NULL,
    booking_id      UUID REFERENCES bookings (id) ON DELETE CASCADE,
    last_created_at BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, uid)
);
CREATE INDEX calcom_bookings_booking ON calcom_bookings (booking_id);

-- Deliveries applied, by `trigger uid start end`: the same one again changes nothing.
CREATE TABLE calcom_deliveries (
    tenant_id  UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    applied_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

-- What the importer made of each Cal.com record, so running it again makes nothing twice.
CREATE TABLE calcom_links (
    tenant_id  UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CONSTRAINT calcom_links_kind_check CHECK (kind IN ('user', 'schedule', 'event_type')),
    calcom_id  TEXT NOT NULL,
    sked_id    UUID NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, kind, calcom_id)
);

-- Bookings may come from Cal.com.
ALTER TABLE bookings DROP CONSTRAINT bookings_source_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_source_check CHECK (source IN ('api', 'widget', 'voice', 'calcom'));
