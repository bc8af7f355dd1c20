-- A citizen's rating of the result (1–5); a done ticket it rates is closed by that (the citizen accepted it).
UPDATE tickets
SET rating = $rating::smallint,
    status = CASE WHEN $close::boolean THEN 'closed' ELSE status END,
    closed_at = CASE WHEN $close::boolean THEN $now::timestamptz ELSE closed_at END,
    version = version + 1
WHERE id = $id::bigint
RETURNING status
