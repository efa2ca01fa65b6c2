-- Sked schema, PostgreSQL. Instants are Unix seconds; ids are UUIDv7; JSON is text (it is only
-- ever read back whole). Twin of migrations/sqlite/0001_init.sql: keep them in step.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE tenants (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    prefix     TEXT NOT NULL,
    key_hash   BYTEA NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, id);

CREATE TABLE schedules (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    weekly     TEXT NOT NULL,
    overrides  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX schedules_tenant ON schedules (tenant_id, id);

CREATE TABLE hosts (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    email       TEXT,
    phone       TEXT,
    time_zone   TEXT NOT NULL,
    schedule_id UUID REFERENCES schedules (id),
    priority    BIGINT NOT NULL,
    weight      BIGINT NOT NULL,
    active      BOOLEAN NOT NULL,
    -- Bumped in the same transaction as anything that changes the host's availability.
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX hosts_tenant ON hosts (tenant_id, id);
CREATE INDEX hosts_schedule ON hosts (schedule_id);

CREATE TABLE event_types (
    id                    UUID PRIMARY KEY,
    tenant_id             UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    slug                  TEXT NOT NULL,
    title                 TEXT NOT NULL,
    description           TEXT,
    duration_minutes      BIGINT NOT NULL,
    slot_interval_minutes BIGINT,
    buffer_before_minutes BIGINT NOT NULL,
    buffer_after_minutes  BIGINT NOT NULL,
    min_notice_minutes    BIGINT NOT NULL,
    max_days_ahead        BIGINT NOT NULL,
    daily_limit           BIGINT,
    assignment            TEXT NOT NULL,
    location              TEXT,
    version               BIGINT NOT NULL,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    UNIQUE (tenant_id, slug)
);
CREATE INDEX event_types_tenant ON event_types (tenant_id, id);

CREATE TABLE event_type_hosts (
    event_type_id UUID NOT NULL REFERENCES event_types (id) ON DELETE CASCADE,
    host_id       UUID NOT NULL REFERENCES hosts (id),
    position      BIGINT NOT NULL,
    PRIMARY KEY (event_type_id, host_id)
);
CREATE INDEX event_type_hosts_host ON event_type_hosts (host_id);

CREATE TABLE blocks (
    id         UUID PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    host_id    UUID NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    start_at   BIGINT NOT NULL,
    end_at     BIGINT NOT NULL,
    rrule      TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX blocks_host ON blocks (host_id, start_at);

CREATE TABLE bookings (
    id                    UUID PRIMARY KEY,
    tenant_id             UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    uid                   TEXT NOT NULL UNIQUE,
    confirmation_code     TEXT NOT NULL,
    status                TEXT NOT NULL,
    event_type_id         UUID NOT NULL REFERENCES event_types (id),
    host_id               UUID NOT NULL REFERENCES hosts (id),
    start_at              BIGINT NOT NULL,
    end_at                BIGINT NOT NULL,
    buffer_before_minutes BIGINT NOT NULL,
    buffer_after_minutes  BIGINT NOT NULL,
    attendee_name         TEXT NOT NULL,
    attendee_email        TEXT,
    attendee_phone        TEXT,
    attendee_time_zone    TEXT,
    notes                 TEXT,
    metadata              TEXT NOT NULL,
    source                TEXT NOT NULL,
    external_ref          TEXT,
    -- JSON array of every host the booking occupies, host_id first (booking_hosts in order).
    host_ids              TEXT NOT NULL,
    sequence              BIGINT NOT NULL,
    cancel_reason         TEXT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    UNIQUE (tenant_id, confirmation_code)
);
CREATE INDEX bookings_tenant_start ON bookings (tenant_id, start_at, id);
CREATE INDEX bookings_event_type ON bookings (event_type_id, host_id, start_at);

-- The time a booking occupies, one row per host it occupies. Only active rows (those of
-- confirmed bookings) hold time; a cancel makes them inactive.
CREATE TABLE booking_hosts (
    booking_id    UUID NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
    host_id       UUID NOT NULL REFERENCES hosts (id),
    tenant_id     UUID NOT NULL,
    position      BIGINT NOT NULL,
    active        BOOLEAN NOT NULL,
    blocked_start BIGINT NOT NULL,
    blocked_end   BIGINT NOT NULL,
    PRIMARY KEY (booking_id, host_id),
    CHECK (blocked_end > blocked_start),
    -- No double booking, ever: two rows of one host may not overlap, whatever the isolation
    -- level and however many servers share the database.
    CONSTRAINT booking_hosts_no_overlap
        EXCLUDE USING gist (host_id WITH =, int8range(blocked_start, blocked_end) WITH &&)
        WHERE (active)
);
CREATE INDEX booking_hosts_host ON booking_hosts (host_id, blocked_start);

CREATE TABLE booking_history (
    id         UUID PRIMARY KEY,
    booking_id UUID NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
    tenant_id  UUID NOT NULL,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    before     TEXT,
    after      TEXT,
    reason     TEXT
);
CREATE INDEX booking_history_booking ON booking_history (booking_id, at, id);

CREATE TABLE idempotency_keys (
    tenant_id    UUID NOT NULL,
    key          TEXT NOT NULL,
    request_hash BYTEA NOT NULL,
    status       BIGINT NOT NULL,
    response     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE jobs (
    id           UUID PRIMARY KEY,
    tenant_id    UUID,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL,
    attempts     BIGINT NOT NULL,
    max_attempts BIGINT NOT NULL,
    run_at       BIGINT NOT NULL,
    locked_by    TEXT,
    locked_until BIGINT,
    last_error   TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at);
CREATE INDEX jobs_tenant ON jobs (tenant_id, status, id);
