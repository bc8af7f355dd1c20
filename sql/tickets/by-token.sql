-- The ticket id a citizen's token stands for, and its original's id when it is a duplicate.
SELECT t.id, coalesce(t.duplicate_of, t.id) AS root_id FROM tickets t WHERE t.token = $token::uuid
