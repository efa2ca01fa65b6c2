-- Connected outside calendars (Google first): a host's account, the calendars that count as
-- busy, a local copy of their events and the busy time read from them, the events Sked wrote
-- for bookings, pending OAuth authorizations and the audit log of token changes. Tokens are
-- stored sealed (AES-256-GCM), never in plain text.
ALTER TABLE hosts ADD COLUMN external_span BIGINT NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN external_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE event_types ADD COLUMN send_updates TEXT NOT NULL DEFAULT 'all';

CREATE TABLE connections (
    id                  UUID PRIMARY KEY,
    tenant_id           UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    host_id             UUID NOT NULL REFERENCES hosts (id),
    provider            TEXT NOT NULL,
    account             TEXT NOT NULL,
    status              TEXT NOT NULL,
    access_token        TEXT,
    refresh_token       TEXT,
    token_expires_at    BIGINT,
    refresh_expires_at  BIGINT,
    scopes              TEXT NOT NULL,
    booking_calendar_id TEXT,
    last_checked_at     BIGINT,
    last_error          TEXT,
    next_check_at       BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX connections_tenant ON connections (tenant_id, id);
CREATE INDEX connections_host ON connections (host_id);
CREATE INDEX connections_check ON connections (next_check_at);

CREATE TABLE connection_calendars (
    connection_id       UUID NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    calendar_id         TEXT NOT NULL,
    tenant_id           UUID NOT NULL,
    host_id             UUID NOT NULL,
    summary             TEXT NOT NULL,
    time_zone           TEXT,
    is_primary          BOOLEAN NOT NULL,
    writable            BOOLEAN NOT NULL,
    busy                BOOLEAN NOT NULL,
    sync_token          TEXT,
    synced_at           BIGINT,
    next_poll_at        BIGINT NOT NULL,
    expanded_until      BIGINT,
    channel_id          TEXT,
    channel_resource_id TEXT,
    channel_token_hash  TEXT,
    channel_expires_at  BIGINT,
    next_watch_at       BIGINT,
    last_error          TEXT,
    PRIMARY KEY (connection_id, calendar_id)
);
CREATE INDEX connection_calendars_poll ON connection_calendars (next_poll_at);
CREATE INDEX connection_calendars_channel ON connection_calendars (channel_id);

CREATE TABLE external_events (
    connection_id UUID NOT NULL,
    calendar_id   TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    series_id     TEXT NOT NULL,
    booking_id    TEXT,
    data          TEXT NOT NULL,
    PRIMARY KEY (connection_id, calendar_id, event_id)
);
CREATE INDEX external_events_series ON external_events (connection_id, calendar_id, series_id);

CREATE TABLE external_busy (
    connection_id UUID NOT NULL,
    calendar_id   TEXT NOT NULL,
    series_id     TEXT NOT NULL,
    tenant_id     UUID NOT NULL,
    host_id       UUID NOT NULL,
    start_at      BIGINT NOT NULL,
    end_at        BIGINT NOT NULL
);
CREATE INDEX external_busy_host ON external_busy (host_id, start_at, end_at);
CREATE INDEX external_busy_series ON external_busy (connection_id, calendar_id, series_id);

CREATE TABLE booking_calendar_events (
    booking_id    UUID NOT NULL,
    connection_id UUID NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    tenant_id     UUID NOT NULL,
    calendar_id   TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    start_at      BIGINT NOT NULL,
    end_at        BIGINT NOT NULL,
    status        TEXT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (booking_id, connection_id)
);
CREATE INDEX booking_calendar_events_event ON booking_calendar_events (connection_id, event_id);

CREATE TABLE oauth_states (
    id          TEXT PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    host_id     UUID NOT NULL,
    provider    TEXT NOT NULL,
    verifier    TEXT NOT NULL,
    redirect_to TEXT,
    expires_at  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE token_audit (
    id            UUID PRIMARY KEY,
    connection_id UUID NOT NULL,
    tenant_id     UUID NOT NULL,
    at            BIGINT NOT NULL,
    action        TEXT NOT NULL,
    detail        TEXT
);
CREATE INDEX token_audit_connection ON token_audit (connection_id, at);
