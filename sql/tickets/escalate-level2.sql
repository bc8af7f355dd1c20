-- Escalation level 2: a ticket still overdue after as long again as its deadline (at most $maxHours)
-- goes to the city's responsible deputy (role 'deputy'), once, with an internal 'escalated' event.
-- At most $limit tickets with ids above $after, lowest first, re-checked under FOR UPDATE (as escalate-level1.sql).
WITH due AS (
  SELECT t.id FROM tickets t
  WHERE t.id > $after::bigint
    AND t.closed_at IS NULL AND t.status NOT IN ('closed', 'rejected', 'duplicate')
    AND t.status <> 'done'
    AND EXISTS (SELECT 1 FROM ticket_statuses s WHERE s.code = t.status AND s.is_open)
    AND t.due_at <= $now::timestamptz
    AND t.due_at + least(t.due_at - t.created_at, $maxHours::float8 * interval '1 hour') <= $now::timestamptz
    -- Level 1 first (escalate-level1.sql runs before this in each batch): the history shows both steps, in order.
    AND t.escalation_level = 1
    AND NOT (t.status = 'new' AND t.outage_id IS NOT NULL)
  ORDER BY t.id
  LIMIT $limit::integer
  FOR UPDATE OF t
), escalated AS (
  UPDATE tickets t SET escalation_level = 2, version = t.version + 1
  FROM due WHERE t.id = due.id
  RETURNING t.id, t.executor_id, t.due_at
)
INSERT INTO ticket_events (ticket_id, at, kind, actor_kind, public, note, data)
SELECT id, $now::timestamptz, 'escalated', 'system', false, 'Заявку прострочено надовго: передано відповідальному заступнику.',
       jsonb_build_object('level', 2, 'role', 'deputy', 'executor_id', executor_id, 'due_at', due_at)
FROM escalated
RETURNING ticket_id
