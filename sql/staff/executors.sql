-- The organisations that take tickets, by name: the queue's executor filter and the targets of a manual route or an outage.
SELECT id, code, name, public_phone AS phone
FROM organisations
WHERE is_executor
ORDER BY name, id
