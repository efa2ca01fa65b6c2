-- Signed webhook requests already received (a digest of their signature), kept until the
-- signature's window closes, so a replay is refused by every process sharing the database.
CREATE TABLE seen_requests (
    key        TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX seen_requests_expiry ON seen_requests (expires_at);
