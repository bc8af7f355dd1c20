-- The tickets linked to an outage, for staff deciding whether to unlink one (no reporter details).
SELECT t.id, t.status, t.category_code, t.created_at, t.address_id, t.address_text,
       ST_X(t.location) AS lon, ST_Y(t.location) AS lat
FROM tickets t
WHERE t.outage_id = $outageId::bigint
ORDER BY t.created_at DESC, t.id DESC
LIMIT 1000
