-- The reporter answered the executor's question: the ticket is new again, with a fresh acceptance window from now.
UPDATE tickets t
SET status = 'new',
    accept_due_at = greatest($now::timestamptz + make_interval(mins => dc.accept_minutes), t.created_at + interval '1 second'),
    updated_at = $now::timestamptz,
    version = t.version + 1
FROM deadline_classes dc
WHERE t.id = $id::bigint AND dc.code = t.deadline_class
RETURNING t.status
