-- What releasing a removed connection needs (its sealed tokens), kept in a row of its own so a
-- `calendar.release` job carries only this row's id. Deleted once the release is done.
CREATE TABLE pending_revocations (
    id            UUID PRIMARY KEY,
    tenant_id     UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    access_token  TEXT,
    refresh_token TEXT
);

-- Release jobs queued with tokens in their payload: the tokens move here, under the job's id.
INSERT INTO pending_revocations (id, tenant_id, access_token, refresh_token)
SELECT id, tenant_id, payload::jsonb ->> 'access_token', payload::jsonb ->> 'refresh_token'
FROM jobs
WHERE kind = 'calendar.release' AND status IN ('queued', 'running') AND tenant_id IN (SELECT id FROM tenants)
  AND (payload::jsonb ->> 'access_token' IS NOT NULL OR payload::jsonb ->> 'refresh_token' IS NOT NULL);

UPDATE jobs
SET payload = ((payload::jsonb - 'access_token' - 'refresh_token')
    || jsonb_build_object('revocation_id', id::text))::text
WHERE id IN (SELECT id FROM pending_revocations);
