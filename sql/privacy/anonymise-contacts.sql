-- Empties the caller's details (name, e-mail, phone, device) of up to $batch tickets closed before $cutoff, marks them anonymised at $now, and returns their ids.
-- SKIP LOCKED: two servers running the schedule share the work instead of waiting on each other.
WITH due AS (
  SELECT c.ticket_id
  FROM ticket_contacts c
  JOIN tickets t ON t.id = c.ticket_id
  JOIN ticket_statuses s ON s.code = t.status
  WHERE c.anonymised_at IS NULL
    AND NOT s.is_open
    AND coalesce(t.closed_at, t.updated_at) < $cutoff::timestamptz
  ORDER BY c.ticket_id
  LIMIT $batch::int
  FOR UPDATE OF c SKIP LOCKED
)
UPDATE ticket_contacts c
SET first_name = NULL, last_name = NULL, email = NULL, phone = NULL, device_id = NULL, anonymised_at = $now::timestamptz
FROM due
WHERE c.ticket_id = due.ticket_id
RETURNING c.ticket_id
