-- The named values 0007 left open: a voice agent's language and what a booking's history entry
-- records. Named <table>_<column>_check like the others, so an error names the column.
ALTER TABLE voice_agents ADD CONSTRAINT voice_agents_language_check CHECK (language IN ('en', 'es'));
ALTER TABLE booking_history ADD CONSTRAINT booking_history_action_check CHECK (action IN (
    'created', 'rescheduled', 'cancelled', 'attendance_confirmed', 'no_show', 'no_show_cleared',
    'move_refused', 'call_ended', 'call_analyzed', 'end_of_call_report'));
