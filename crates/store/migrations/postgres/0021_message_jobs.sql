-- The `message.send` job that sends a message now, so the mail server, Twilio or a webhook
-- endpoint taking a message again brings its waiting messages forward. Messages queued before
-- this migration have none: they wait out their own backoff.
-- Twin of migrations/sqlite/0021_message_jobs.sql: keep them in step.
ALTER TABLE messages ADD COLUMN job_id UUID;
-- Messages attempted and still queued: the few waiting for a retry, and those in flight.
CREATE INDEX messages_retrying ON messages (channel, webhook_id) WHERE status = 'queued' AND attempts > 0;
