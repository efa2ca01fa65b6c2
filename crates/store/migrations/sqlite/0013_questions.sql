-- Event types ask custom questions (JSON array, checked by the application), and each booking
-- keeps its answers (JSON object keyed by question id).
ALTER TABLE event_types ADD COLUMN questions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE bookings ADD COLUMN answers TEXT NOT NULL DEFAULT '{}';
