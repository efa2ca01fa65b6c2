-- How a tenant's messages look and where notices to the business go.
CREATE TABLE notification_settings (
    tenant_id    BLOB PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    reply_to     TEXT,
    logo_url     TEXT,
    brand_color  TEXT,
    notify_email TEXT,
    updated_at   INTEGER NOT NULL
);

-- A tenant's own template for one part (subject, text, html, sms) of one kind of message.
CREATE TABLE templates (
    tenant_id  BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    part       TEXT NOT NULL CONSTRAINT templates_part_check CHECK (part IN ('subject', 'text', 'html', 'sms')),
    source     TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kind, part)
);
