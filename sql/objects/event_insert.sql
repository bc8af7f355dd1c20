-- Appends one entry to an object's history: what happened, who did it, and the data before and after.
INSERT INTO object_events (object_id, at, actor_user_id, kind, note, data)
VALUES ($object_id, $at, $actor_user_id, $kind, $note, $data::jsonb)
RETURNING id
