-- Notifications: every message Sked sends (email, SMS, webhook delivery) is one row, written
-- before it is sent and keyed by what it is for (`dedupe_key`), so a message is never queued
-- twice however often the job that queues it runs. Its `message.send` job does the sending.
CREATE TABLE messages (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    booking_id      UUID REFERENCES bookings (id) ON DELETE CASCADE,
    webhook_id      UUID,
    channel         TEXT NOT NULL CONSTRAINT messages_channel_check CHECK (channel IN ('email', 'sms', 'webhook')),
    kind            TEXT NOT NULL,
    role            TEXT NOT NULL CONSTRAINT messages_role_check CHECK (role IN ('attendee', 'host', 'tenant', 'endpoint')),
    recipient       TEXT NOT NULL,
    status          TEXT NOT NULL CONSTRAINT messages_status_check CHECK (status IN ('queued', 'sent', 'delivered', 'undelivered', 'failed', 'skipped', 'opted_out')),
    dedupe_key      TEXT NOT NULL UNIQUE,
    -- What the message says, as of the change it tells about (JSON), so every attempt sends the same.
    payload         TEXT NOT NULL,
    provider_id     TEXT,
    error           TEXT,
    attempts        BIGINT NOT NULL,
    -- Set just before a provider is asked to send: a row with this set and no provider_id was
    -- perhaps sent by a process that died; the next attempt asks the provider before sending.
    sending_at      BIGINT,
    response_code   BIGINT,
    next_attempt_at BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX messages_tenant ON messages (tenant_id, id);
CREATE INDEX messages_booking ON messages (booking_id, id);
CREATE INDEX messages_webhook ON messages (webhook_id, id);
CREATE INDEX messages_provider ON messages (provider_id);
CREATE INDEX messages_recipient ON messages (recipient, channel, id);

-- Who does not want what: an address (email or E.164 phone) and a channel, for one kind of
-- message or every kind (`*`).
CREATE TABLE notification_preferences (
    tenant_id  UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    address    TEXT NOT NULL,
    channel    TEXT NOT NULL CONSTRAINT notification_preferences_channel_check CHECK (channel IN ('email', 'sms')),
    kind       TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL,
    source     TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, address, channel, kind)
);

-- Outbound webhook endpoints; `secret` is sealed.
CREATE TABLE webhooks (
    id             UUID PRIMARY KEY,
    tenant_id      UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    url            TEXT NOT NULL,
    events         TEXT NOT NULL,
    description    TEXT,
    active         BOOLEAN NOT NULL,
    secret         TEXT NOT NULL,
    -- Since when every delivery has failed (NULL while the last one succeeded).
    failing_since  BIGINT,
    disabled_at    BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX webhooks_tenant ON webhooks (tenant_id, id);

-- Reminders per event type: JSON `[{"offset_minutes", "channels"}]`.
ALTER TABLE event_types ADD COLUMN reminders TEXT NOT NULL DEFAULT '[{"offset_minutes":1440,"channels":["email","sms"]},{"offset_minutes":60,"channels":["email","sms"]}]';
