-- Tickets the executor did not accept in time (5 min emergency, 10 min routine): one internal event
-- per missed acceptance deadline, for the supervisor's compliance figures. 'new' and 'reopened' are
-- the statuses that wait for acceptance (see ticket_transitions). At most $limit tickets with ids
-- above $after, lowest first: the caller repeats it from the last id until fewer come back.
INSERT INTO ticket_events (ticket_id, at, kind, actor_kind, public, data)
SELECT t.id, $now::timestamptz, 'acceptance_overdue', 'system', false,
       jsonb_build_object('executor_id', t.executor_id, 'accept_due_at', t.accept_due_at)
FROM tickets t
WHERE t.id > $after::bigint
  AND t.status IN ('new', 'reopened')
  -- A new ticket linked to an outage waits for the outage, not for its executor (server/outages/link.ts).
  AND NOT (t.status = 'new' AND t.outage_id IS NOT NULL)
  AND t.accept_due_at <= $now::timestamptz
  AND NOT EXISTS (SELECT 1 FROM ticket_events e
                  WHERE e.ticket_id = t.id AND e.kind = 'acceptance_overdue' AND e.at >= t.accept_due_at)
ORDER BY t.id
LIMIT $limit::integer
RETURNING ticket_id
