-- Escalation level 1: an open ticket past its deadline goes to the supervisor queue of its executor,
-- once (escalation_level guards a second run), with an internal 'escalated' event. 'done' waits for
-- the citizen, not the executor, so it is not overdue. At most $limit tickets with ids above
-- $after, lowest first: the caller repeats it from the last id until fewer come back. FOR UPDATE
-- re-checks a ticket another round has just escalated, so two servers at once do not escalate it twice.
WITH due AS (
  SELECT t.id FROM tickets t
  WHERE t.id > $after::bigint
    AND t.closed_at IS NULL AND t.status NOT IN ('closed', 'rejected', 'duplicate')
    AND t.status <> 'done'
    AND EXISTS (SELECT 1 FROM ticket_statuses s WHERE s.code = t.status AND s.is_open)
    AND t.due_at <= $now::timestamptz
    AND t.escalation_level < 1
    -- A new ticket linked to an outage waits for the outage, not for its executor (server/outages/link.ts).
    AND NOT (t.status = 'new' AND t.outage_id IS NOT NULL)
  ORDER BY t.id
  LIMIT $limit::integer
  FOR UPDATE OF t
), escalated AS (
  UPDATE tickets t SET escalation_level = 1, version = t.version + 1
  FROM due WHERE t.id = due.id
  RETURNING t.id, t.executor_id, t.due_at
)
INSERT INTO ticket_events (ticket_id, at, kind, actor_kind, public, note, data)
SELECT id, $now::timestamptz, 'escalated', 'system', false, 'Термін виконання минув: заявка в черзі контролера виконавця.',
       jsonb_build_object('level', 1, 'queue', 'supervisor', 'executor_id', executor_id, 'due_at', due_at)
FROM escalated
RETURNING ticket_id
