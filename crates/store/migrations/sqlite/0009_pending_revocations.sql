-- What releasing a removed connection needs (its sealed tokens), kept in a row of its own so a
-- `calendar.release` job carries only this row's id. Deleted once the release is done.
CREATE TABLE pending_revocations (
    id            BLOB PRIMARY KEY,
    tenant_id     BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    access_token  TEXT,
    refresh_token TEXT
);

-- Release jobs queued with tokens in their payload: the tokens move here, under the job's id.
INSERT INTO pending_revocations (id, tenant_id, access_token, refresh_token)
SELECT id, tenant_id, json_extract(payload, '$.access_token'), json_extract(payload, '$.refresh_token')
FROM jobs
WHERE kind = 'calendar.release' AND status IN ('queued', 'running') AND tenant_id IN (SELECT id FROM tenants)
  AND json_valid(payload)
  AND (json_extract(payload, '$.access_token') IS NOT NULL OR json_extract(payload, '$.refresh_token') IS NOT NULL);

UPDATE jobs
SET payload = json_set(json_remove(payload, '$.access_token', '$.refresh_token'), '$.revocation_id', lower(hex(id)))
WHERE id IN (SELECT id FROM pending_revocations);
