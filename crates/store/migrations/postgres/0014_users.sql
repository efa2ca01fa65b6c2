-- Dashboard users, their server-side sessions, and bookings marked as no-shows.
-- Twin of migrations/sqlite/0014_users.sql: keep them in step.

-- Emails are stored lower-case, so the unique key is case-insensitive.
CREATE TABLE users (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'host')),
    host_id       UUID REFERENCES hosts (id) ON DELETE SET NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (tenant_id, email)
);
CREATE INDEX users_email ON users (email);

-- A session is known by the SHA-256 of its id, never the id itself.
CREATE TABLE sessions (
    id_hash      BYTEA PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id    UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    csrf         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

ALTER TABLE bookings ADD COLUMN no_show_at BIGINT;
