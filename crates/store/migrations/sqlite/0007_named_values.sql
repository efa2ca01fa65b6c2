-- Columns that hold one of a few names say which, so the database refuses any other value:
-- SQLite cannot add a CHECK to a table it has, so triggers do the same work. Each rule is named
-- <table>_<column>_check, so an error names the column.
CREATE TRIGGER bookings_status_check_insert BEFORE INSERT ON bookings
WHEN NEW.status NOT IN ('confirmed', 'cancelled')
BEGIN SELECT RAISE(ABORT, 'bookings_status_check'); END;
CREATE TRIGGER bookings_status_check_update BEFORE UPDATE OF status ON bookings
WHEN NEW.status NOT IN ('confirmed', 'cancelled')
BEGIN SELECT RAISE(ABORT, 'bookings_status_check'); END;
CREATE TRIGGER bookings_source_check_insert BEFORE INSERT ON bookings
WHEN NEW.source NOT IN ('api', 'widget', 'voice')
BEGIN SELECT RAISE(ABORT, 'bookings_source_check'); END;
CREATE TRIGGER bookings_source_check_update BEFORE UPDATE OF source ON bookings
WHEN NEW.source NOT IN ('api', 'widget', 'voice')
BEGIN SELECT RAISE(ABORT, 'bookings_source_check'); END;
CREATE TRIGGER event_types_assignment_check_insert BEFORE INSERT ON event_types
WHEN NEW.assignment NOT IN ('round_robin', 'least_busy', 'priority', 'specific', 'collective')
BEGIN SELECT RAISE(ABORT, 'event_types_assignment_check'); END;
CREATE TRIGGER event_types_assignment_check_update BEFORE UPDATE OF assignment ON event_types
WHEN NEW.assignment NOT IN ('round_robin', 'least_busy', 'priority', 'specific', 'collective')
BEGIN SELECT RAISE(ABORT, 'event_types_assignment_check'); END;
CREATE TRIGGER event_types_send_updates_check_insert BEFORE INSERT ON event_types
WHEN NEW.send_updates NOT IN ('all', 'external_only', 'none')
BEGIN SELECT RAISE(ABORT, 'event_types_send_updates_check'); END;
CREATE TRIGGER event_types_send_updates_check_update BEFORE UPDATE OF send_updates ON event_types
WHEN NEW.send_updates NOT IN ('all', 'external_only', 'none')
BEGIN SELECT RAISE(ABORT, 'event_types_send_updates_check'); END;
CREATE TRIGGER jobs_status_check_insert BEFORE INSERT ON jobs
WHEN NEW.status NOT IN ('queued', 'running', 'done', 'dead')
BEGIN SELECT RAISE(ABORT, 'jobs_status_check'); END;
CREATE TRIGGER jobs_status_check_update BEFORE UPDATE OF status ON jobs
WHEN NEW.status NOT IN ('queued', 'running', 'done', 'dead')
BEGIN SELECT RAISE(ABORT, 'jobs_status_check'); END;
CREATE TRIGGER voice_agents_platform_check_insert BEFORE INSERT ON voice_agents
WHEN NEW.platform NOT IN ('retell', 'vapi')
BEGIN SELECT RAISE(ABORT, 'voice_agents_platform_check'); END;
CREATE TRIGGER voice_agents_platform_check_update BEFORE UPDATE OF platform ON voice_agents
WHEN NEW.platform NOT IN ('retell', 'vapi')
BEGIN SELECT RAISE(ABORT, 'voice_agents_platform_check'); END;
CREATE TRIGGER voice_agents_clock_check_insert BEFORE INSERT ON voice_agents
WHEN NEW.clock NOT IN ('12h', '24h')
BEGIN SELECT RAISE(ABORT, 'voice_agents_clock_check'); END;
CREATE TRIGGER voice_agents_clock_check_update BEFORE UPDATE OF clock ON voice_agents
WHEN NEW.clock NOT IN ('12h', '24h')
BEGIN SELECT RAISE(ABORT, 'voice_agents_clock_check'); END;
CREATE TRIGGER connections_provider_check_insert BEFORE INSERT ON connections
WHEN NEW.provider NOT IN ('google')
BEGIN SELECT RAISE(ABORT, 'connections_provider_check'); END;
CREATE TRIGGER connections_provider_check_update BEFORE UPDATE OF provider ON connections
WHEN NEW.provider NOT IN ('google')
BEGIN SELECT RAISE(ABORT, 'connections_provider_check'); END;
CREATE TRIGGER connections_status_check_insert BEFORE INSERT ON connections
WHEN NEW.status NOT IN ('healthy', 'expiring', 'revoked', 'error')
BEGIN SELECT RAISE(ABORT, 'connections_status_check'); END;
CREATE TRIGGER connections_status_check_update BEFORE UPDATE OF status ON connections
WHEN NEW.status NOT IN ('healthy', 'expiring', 'revoked', 'error')
BEGIN SELECT RAISE(ABORT, 'connections_status_check'); END;
CREATE TRIGGER oauth_states_provider_check_insert BEFORE INSERT ON oauth_states
WHEN NEW.provider NOT IN ('google')
BEGIN SELECT RAISE(ABORT, 'oauth_states_provider_check'); END;
CREATE TRIGGER oauth_states_provider_check_update BEFORE UPDATE OF provider ON oauth_states
WHEN NEW.provider NOT IN ('google')
BEGIN SELECT RAISE(ABORT, 'oauth_states_provider_check'); END;
