-- Whether a ticket exists (the target of a duplicate link).
SELECT id FROM tickets WHERE id = $id::bigint
