-- Retries are brought forward when the service they failed on answers again, but a job the
-- service asked to wait (`Retry-After`, a mail server's 4xx reply) holds until then: bringing
-- it forward never moves it before `hold_until`.
-- Twin of migrations/sqlite/0020_job_holds.sql: keep them in step.
ALTER TABLE jobs ADD COLUMN hold_until BIGINT;
