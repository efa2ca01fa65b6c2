-- Queued jobs with a dedupe key (calendar syncs and channel renewals, a failed consumer's own job):
-- a calendar's poll finds the sync already waiting in one index read instead of walking the
-- queue, and renews it rather than queueing another. Jobs without a key are not in it.
-- Twin of migrations/postgres/0024_job_key_index.sql: keep them in step.
CREATE INDEX jobs_queued_key ON jobs (kind, dedupe_key) WHERE status = 'queued' AND dedupe_key IS NOT NULL;
