-- The named values 0007 left open: a voice agent's language and what a booking's history entry
-- records. Triggers, as in 0007, named <table>_<column>_check so an error names the column.
CREATE TRIGGER voice_agents_language_check_insert BEFORE INSERT ON voice_agents
WHEN NEW.language NOT IN ('en', 'es')
BEGIN SELECT RAISE(ABORT, 'voice_agents_language_check'); END;
CREATE TRIGGER voice_agents_language_check_update BEFORE UPDATE OF language ON voice_agents
WHEN NEW.language NOT IN ('en', 'es')
BEGIN SELECT RAISE(ABORT, 'voice_agents_language_check'); END;
CREATE TRIGGER booking_history_action_check_insert BEFORE INSERT ON booking_history
WHEN NEW.action NOT IN ('created', 'rescheduled', 'cancelled', 'attendance_confirmed', 'no_show',
    'no_show_cleared', 'move_refused', 'call_ended', 'call_analyzed', 'end_of_call_report')
BEGIN SELECT RAISE(ABORT, 'booking_history_action_check'); END;
CREATE TRIGGER booking_history_action_check_update BEFORE UPDATE OF action ON booking_history
WHEN NEW.action NOT IN ('created', 'rescheduled', 'cancelled', 'attendance_confirmed', 'no_show',
    'no_show_cleared', 'move_refused', 'call_ended', 'call_analyzed', 'end_of_call_report')
BEGIN SELECT RAISE(ABORT, 'booking_history_action_check'); END;
