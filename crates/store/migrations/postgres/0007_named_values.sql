-- Columns that hold one of a few names say which, so the database refuses any other value:
-- CHECK constraints. Each rule is named <table>_<column>_check, so an error names the column.
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check CHECK (status IN ('confirmed', 'cancelled'));
ALTER TABLE bookings ADD CONSTRAINT bookings_source_check CHECK (source IN ('api', 'widget', 'voice'));
ALTER TABLE event_types ADD CONSTRAINT event_types_assignment_check CHECK (assignment IN ('round_robin', 'least_busy', 'priority', 'specific', 'collective'));
ALTER TABLE event_types ADD CONSTRAINT event_types_send_updates_check CHECK (send_updates IN ('all', 'external_only', 'none'));
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check CHECK (status IN ('queued', 'running', 'done', 'dead'));
ALTER TABLE voice_agents ADD CONSTRAINT voice_agents_platform_check CHECK (platform IN ('retell', 'vapi'));
ALTER TABLE voice_agents ADD CONSTRAINT voice_agents_clock_check CHECK (clock IN ('12h', '24h'));
ALTER TABLE connections ADD CONSTRAINT connections_provider_check CHECK (provider IN ('google'));
ALTER TABLE connections ADD CONSTRAINT connections_status_check CHECK (status IN ('healthy', 'expiring', 'revoked', 'error'));
ALTER TABLE oauth_states ADD CONSTRAINT oauth_states_provider_check CHECK (provider IN ('google'));
