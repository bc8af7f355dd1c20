-- The public projection of tickets by id: only what a citizen may see (no contact row, no token, no
-- operator notes). A duplicate shows its original's progress: its reporter follows the original.
-- Open311 GET, the citizen's card, intake's answer and the live stream all read this one query and
-- hand its rows to server/tickets/present.ts.
SELECT t.id,
       coalesce(orig.status, t.status) AS status,
       s.open311 AS open311_status,
       s.name_uk AS status_name_uk,
       notes.note AS status_notes,
       t.category_code,
       c.name_uk AS category_name_uk,
       c.group_code,
       t.description,
       o.name AS executor_name,
       coalesce(orig.needs_routing, t.needs_routing) AS needs_routing,
       t.created_at,
       greatest(t.created_at, last_event.at, notes.at) AS updated_at,
       coalesce(orig.due_at, t.due_at) AS due_at,
       coalesce(a.label, t.address_text) AS address_label,
       t.address_id,
       ST_X(t.location) AS lon,
       ST_Y(t.location) AS lat,
       t.media_url,
       t.duplicate_of,
       outage.public_text AS outage_public_text,
       outage.ends_at AS outage_ends_at
FROM jsonb_array_elements_text($ids::jsonb) AS wanted(id)
JOIN tickets t ON t.id = wanted.id::bigint
LEFT JOIN tickets orig ON orig.id = t.duplicate_of
JOIN ticket_statuses s ON s.code = coalesce(orig.status, t.status)
JOIN categories c ON c.code = t.category_code
JOIN organisations o ON o.id = coalesce(orig.executor_id, t.executor_id)
LEFT JOIN addresses a ON a.id = t.address_id
LEFT JOIN outages outage ON outage.id = coalesce(orig.outage_id, t.outage_id)
LEFT JOIN LATERAL (
  SELECT e.note, e.at FROM ticket_events e
  WHERE e.ticket_id = coalesce(orig.id, t.id) AND e.public AND e.note IS NOT NULL
  ORDER BY e.at DESC, e.id DESC LIMIT 1
) notes ON true
LEFT JOIN LATERAL (
  SELECT max(e.at) AS at FROM ticket_events e WHERE e.ticket_id IN (t.id, orig.id)
) last_event ON true
ORDER BY t.id
