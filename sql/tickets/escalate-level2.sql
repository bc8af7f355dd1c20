-- Escalation level 2: a ticket still overdue after as long again as its deadline (at most $maxHours)
-- goes to the city's responsible deputy (role 'deputy'), once, with an internal 'escalated' event.
WITH escalated AS (
  UPDATE tickets t SET escalation_level = 2, version = t.version + 1
  WHERE t.closed_at IS NULL AND t.status NOT IN ('closed', 'rejected', 'duplicate')
    AND t.status <> 'done'
    AND EXISTS (SELECT 1 FROM ticket_statuses s WHERE s.code = t.status AND s.is_open)
    AND t.due_at <= $now::timestamptz
    AND t.due_at + least(t.due_at - t.created_at, $maxHours::float8 * interval '1 hour') <= $now::timestamptz
    AND t.escalation_level < 2
    AND NOT (t.status = 'new' AND t.outage_id IS NOT NULL)
  RETURNING t.id, t.executor_id, t.due_at
)
INSERT INTO ticket_events (ticket_id, at, kind, actor_kind, public, note, data)
SELECT id, $now::timestamptz, 'escalated', 'system', false, 'Заявку прострочено надовго: передано відповідальному заступнику.',
       jsonb_build_object('level', 2, 'role', 'deputy', 'executor_id', executor_id, 'due_at', due_at)
FROM escalated
RETURNING ticket_id
