-- An organisation that takes tickets, by id (the target of a manual route).
SELECT id, code, name FROM organisations WHERE id = $id::integer AND is_executor
