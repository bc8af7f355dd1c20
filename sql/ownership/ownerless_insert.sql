-- Opens the ownerless record of a found object (stage 'found').
INSERT INTO ownerless_records (object_id, stage, danger_level, found_at, found_by, note)
VALUES ($object_id, 'found', $danger_level, $found_at, $found_by, $note)
RETURNING id
