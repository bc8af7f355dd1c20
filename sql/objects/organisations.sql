-- The organisations among the ids given ($ids: a JSON array), with what the ownership screens show of them.
SELECT id, code, name, kind, is_executor
FROM organisations
WHERE id IN (SELECT jsonb_array_elements_text($ids::jsonb)::integer)
ORDER BY id
