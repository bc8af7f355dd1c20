-- An organisation by id; with $executorOnly, only one that takes tickets (an executor user's).
SELECT id FROM organisations WHERE id = $id::integer AND (is_executor OR NOT $executorOnly::boolean)
