-- A job's dedupe key: a job queued to run soon stands for another with the same kind and key
-- (a burst of calendar notifications makes one sync). Jobs without one compare payloads.
ALTER TABLE jobs ADD COLUMN dedupe_key TEXT;
