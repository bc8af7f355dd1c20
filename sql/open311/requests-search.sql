-- Open311 GET requests: ids of the tickets matching the filters, newest first, one page of them.
-- Every filter is optional (NULL = any); the public fields come from tickets/public-by-ids.
SELECT t.id
FROM tickets t
LEFT JOIN tickets orig ON orig.id = t.duplicate_of
JOIN ticket_statuses s ON s.code = coalesce(orig.status, t.status)
WHERE t.created_at >= $start::timestamptz
  AND t.created_at <= $end::timestamptz
  AND ($serviceCodes::jsonb IS NULL OR t.category_code IN (SELECT jsonb_array_elements_text($serviceCodes::jsonb)))
  AND ($statuses::jsonb IS NULL OR s.open311 IN (SELECT jsonb_array_elements_text($statuses::jsonb)))
  AND ($west::float8 IS NULL OR t.location && ST_MakeEnvelope($west::float8, $south::float8, $east::float8, $north::float8, 4326))
ORDER BY t.created_at DESC, t.id DESC
LIMIT $limit::integer OFFSET $offset::integer
