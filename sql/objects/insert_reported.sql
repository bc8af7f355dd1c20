-- An object nobody has recorded yet, made from a ticket: the category's first point kind at the ticket's place,
-- under investigation until an inspector finds its owner. No row when the category names no point kind.
INSERT INTO objects (kind, geom, label, ownership_status, source, created_at, updated_at)
SELECT k.code, ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326), NULL, 'under_investigation', 'ticket', $now, $now
FROM categories c
CROSS JOIN LATERAL jsonb_array_elements_text(c.object_kinds) WITH ORDINALITY AS ck (code, n)
JOIN object_kinds k ON k.code = ck.code AND k.geometry = 'point'
WHERE c.code = $category_code
ORDER BY ck.n
LIMIT 1
RETURNING id, kind
