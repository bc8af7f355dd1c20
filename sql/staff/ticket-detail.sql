-- One ticket for staff, with SLA timers against $now; none when $scopeExecutorId (an
-- executor's organisation) is given and the ticket is not routed to it.
SELECT t.id, t.status, s.is_open, t.category_code, c.name_uk AS category_name, t.description, t.attributes, t.media_url,
       t.address_id, coalesce(t.address_text, ad.label) AS address_text, ST_X(t.location) AS lon, ST_Y(t.location) AS lat,
       t.executor_id, o.name AS executor_name, o.public_phone AS executor_phone, t.needs_routing, t.routed_by,
       t.deadline_class, t.source, t.object_id, t.outage_id, t.duplicate_of,
       t.created_at, t.updated_at, t.accept_due_at, t.due_at, t.accepted_at, t.done_at, t.closed_at,
       t.escalation_level, t.rating, t.cause, t.premises_access, t.caller_informed,
       t.completion_note, t.completion_media_url,
       ST_X(t.completion_location) AS completion_lon, ST_Y(t.completion_location) AS completion_lat,
       t.version,
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
WHERE t.id = $id::bigint
  AND ($scopeExecutorId::integer IS NULL OR t.executor_id = $scopeExecutorId::integer)
