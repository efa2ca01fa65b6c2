-- More calendar providers: Microsoft (OAuth like Google), CalDAV servers (a URL, a user name and
-- a sealed app password) and subscribed ICS feeds (a URL). CalDAV writes need the ETag of each
-- event Sked wrote.
DROP TRIGGER connections_provider_check_insert;
DROP TRIGGER connections_provider_check_update;
DROP TRIGGER oauth_states_provider_check_insert;
DROP TRIGGER oauth_states_provider_check_update;
CREATE TRIGGER connections_provider_check_insert BEFORE INSERT ON connections
WHEN NEW.provider NOT IN ('google', 'microsoft', 'caldav', 'ics')
BEGIN SELECT RAISE(ABORT, 'connections_provider_check'); END;
CREATE TRIGGER connections_provider_check_update BEFORE UPDATE OF provider ON connections
WHEN NEW.provider NOT IN ('google', 'microsoft', 'caldav', 'ics')
BEGIN SELECT RAISE(ABORT, 'connections_provider_check'); END;
CREATE TRIGGER oauth_states_provider_check_insert BEFORE INSERT ON oauth_states
WHEN NEW.provider NOT IN ('google', 'microsoft')
BEGIN SELECT RAISE(ABORT, 'oauth_states_provider_check'); END;
CREATE TRIGGER oauth_states_provider_check_update BEFORE UPDATE OF provider ON oauth_states
WHEN NEW.provider NOT IN ('google', 'microsoft')
BEGIN SELECT RAISE(ABORT, 'oauth_states_provider_check'); END;

ALTER TABLE connections ADD COLUMN server_url TEXT;
ALTER TABLE connections ADD COLUMN username TEXT;
ALTER TABLE connections ADD COLUMN password TEXT;
ALTER TABLE booking_calendar_events ADD COLUMN etag TEXT;
-- A removed connection's grant is given back to its own provider.
ALTER TABLE pending_revocations ADD COLUMN provider TEXT NOT NULL DEFAULT 'google';
