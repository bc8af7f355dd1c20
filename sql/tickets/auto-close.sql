-- Closes done tickets that stayed quiet (no event) for the auto-close period: the citizen neither
-- confirmed nor reopened them. Writes the public 'status' event done → closed by the system.
-- At most $limit tickets with ids above $after, lowest first, re-checked under FOR UPDATE (as escalate-level1.sql).
WITH quiet AS (
  SELECT t.id FROM tickets t
  WHERE t.id > $after::bigint
    AND t.status = 'done'
    AND coalesce(t.done_at, t.created_at) <= $now::timestamptz - $days::float8 * interval '1 day'
    AND NOT EXISTS (SELECT 1 FROM ticket_events e
                    WHERE e.ticket_id = t.id AND e.at > $now::timestamptz - $days::float8 * interval '1 day')
    AND EXISTS (SELECT 1 FROM ticket_transitions tr WHERE tr.from_status = 'done' AND tr.to_status = 'closed' AND tr.actor = 'system')
  ORDER BY t.id
  LIMIT $limit::integer
  FOR UPDATE OF t
), closed AS (
  UPDATE tickets t SET status = 'closed', closed_at = $now::timestamptz, version = t.version + 1
  FROM quiet WHERE t.id = quiet.id
  RETURNING t.id
)
INSERT INTO ticket_events (ticket_id, at, kind, actor_kind, from_status, to_status, public, note, data)
SELECT id, $now::timestamptz, 'status', 'system', 'done', 'closed', true,
       'Закрито автоматично: виконання не оскаржено.', '{"reason": "auto_close"}'::jsonb
FROM closed
RETURNING ticket_id
