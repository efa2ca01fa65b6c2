-- Voice agents, and what their platforms report about calls. Bookings made in a call carry
-- its id in external_ref, found through the index below.
CREATE TABLE voice_agents (
    id                    UUID PRIMARY KEY,
    tenant_id             UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    platform              TEXT NOT NULL,
    platform_agent_id     TEXT,
    event_type_ids        TEXT NOT NULL,
    default_event_type_id UUID NOT NULL REFERENCES event_types (id),
    time_zone             TEXT NOT NULL,
    secret                TEXT NOT NULL,
    auth_header           TEXT,
    max_options_spoken    BIGINT NOT NULL,
    clock                 TEXT NOT NULL,
    language              TEXT NOT NULL,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX voice_agents_tenant ON voice_agents (tenant_id, id);

CREATE TABLE voice_calls (
    voice_agent_id UUID NOT NULL REFERENCES voice_agents (id) ON DELETE CASCADE,
    call_id        TEXT NOT NULL,
    tenant_id      UUID NOT NULL,
    from_number    TEXT,
    last_event     TEXT,
    report         TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (voice_agent_id, call_id)
);

CREATE INDEX bookings_external_ref ON bookings (tenant_id, external_ref);
