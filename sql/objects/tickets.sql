-- The tickets about one object, newest first: what, when, its status and who it went to (no reporter details).
SELECT t.id, t.category_code, c.name_uk AS category_name_uk, c.name_en AS category_name_en, t.status, t.description,
       t.created_at, t.due_at, t.closed_at, t.routed_by,
       jsonb_build_object('id', ex.id, 'code', ex.code, 'name', ex.name) AS executor
FROM tickets t
JOIN categories c ON c.code = t.category_code
JOIN organisations ex ON ex.id = t.executor_id
WHERE t.object_id = $id
ORDER BY t.created_at DESC, t.id DESC
LIMIT 200
