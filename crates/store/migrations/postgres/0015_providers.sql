-- More calendar providers: Microsoft (OAuth like Google), CalDAV servers (a URL, a user name and
-- a sealed app password) and subscribed ICS feeds (a URL). CalDAV writes need the ETag of each
-- event Sked wrote.
ALTER TABLE connections DROP CONSTRAINT connections_provider_check;
ALTER TABLE connections ADD CONSTRAINT connections_provider_check
    CHECK (provider IN ('google', 'microsoft', 'caldav', 'ics'));
ALTER TABLE oauth_states DROP CONSTRAINT oauth_states_provider_check;
ALTER TABLE oauth_states ADD CONSTRAINT oauth_states_provider_check
    CHECK (provider IN ('google', 'microsoft'));

ALTER TABLE connections ADD COLUMN server_url TEXT;
ALTER TABLE connections ADD COLUMN username TEXT;
ALTER TABLE connections ADD COLUMN password TEXT;
ALTER TABLE booking_calendar_events ADD COLUMN etag TEXT;
-- A removed connection's grant is given back to its own provider.
ALTER TABLE pending_revocations ADD COLUMN provider TEXT NOT NULL DEFAULT 'google';
