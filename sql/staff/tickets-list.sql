-- One page of the staff ticket list (plus one row to tell whether more follow), with SLA timers
-- against $now; $scopeExecutorId limits an executor to its own organisation's tickets.
SELECT t.id, t.status, t.category_code, c.name_uk AS category_name, t.description, t.address_id, coalesce(t.address_text, ad.label) AS address_text,
       ST_X(t.location) AS lon, ST_Y(t.location) AS lat,
       t.executor_id, o.name AS executor_name, t.needs_routing, t.routed_by, t.deadline_class, t.source,
       t.created_at, t.updated_at, t.accept_due_at, t.due_at, t.accepted_at, t.done_at, t.closed_at,
       t.escalation_level, t.outage_id, t.duplicate_of, t.version,
       CASE WHEN s.is_open AND t.status <> 'done'
            THEN floor(extract(epoch FROM t.due_at - $now::timestamptz))::integer END AS due_in_seconds,
       CASE WHEN t.status = 'new' AND t.accepted_at IS NULL
            THEN floor(extract(epoch FROM t.accept_due_at - $now::timestamptz))::integer END AS accept_due_in_seconds,
       (s.is_open AND t.status <> 'done' AND t.due_at < $now::timestamptz) AS overdue,
       (t.status = 'new' AND t.accepted_at IS NULL AND t.accept_due_at < $now::timestamptz) AS accept_overdue
FROM tickets t
JOIN ticket_statuses s ON s.code = t.status
JOIN categories c ON c.code = t.category_code
JOIN organisations o ON o.id = t.executor_id
-- The address as the caller gave it, else the label of the address it was filed at.
LEFT JOIN addresses ad ON ad.id = t.address_id
WHERE ($scopeExecutorId::integer IS NULL OR t.executor_id = $scopeExecutorId::integer)
  AND ($executorId::integer IS NULL OR t.executor_id = $executorId::integer)
  AND ($categoryCode::text IS NULL OR t.category_code = $categoryCode::text)
  AND ($statuses::jsonb IS NULL OR t.status IN (SELECT jsonb_array_elements_text($statuses::jsonb)))
  AND ($overdue::boolean IS NULL OR (s.is_open AND t.status <> 'done' AND t.due_at < $now::timestamptz) = $overdue::boolean)
  AND ($needsRouting::boolean IS NULL OR t.needs_routing = $needsRouting::boolean)
  AND ($west::float8 IS NULL OR t.location && ST_MakeEnvelope($west::float8, $south::float8, $east::float8, $north::float8, 4326))
  AND ($ticketId::bigint IS NULL OR t.id = $ticketId::bigint)
ORDER BY CASE WHEN $sort::text = 'due' THEN t.due_at END ASC NULLS LAST, t.created_at DESC, t.id DESC
LIMIT $limit::integer + 1 OFFSET $offset::integer
