-- The original of a duplicate as its reporter will follow it: who handles it and by when.
SELECT o.name AS executor_name, t.due_at, t.needs_routing
FROM tickets t JOIN organisations o ON o.id = t.executor_id
WHERE t.id = $id::bigint
