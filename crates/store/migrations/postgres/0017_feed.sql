-- A host's calendar feed: its secret URL is signed with this version, so bumping it (rotating the
-- URL) makes every earlier URL stop working.
-- Twin of migrations/sqlite/0017_feed.sql: keep them in step.
ALTER TABLE hosts ADD COLUMN feed_version BIGINT NOT NULL DEFAULT 1;
