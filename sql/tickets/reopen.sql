-- Reopens a ticket at the citizen's word: new acceptance and work deadlines from now, escalation reset.
UPDATE tickets t
SET status = 'reopened', closed_at = NULL, done_at = NULL, accepted_at = NULL, escalation_level = 0,
    accept_due_at = $now::timestamptz + make_interval(mins => dc.accept_minutes),
    due_at = $now::timestamptz + make_interval(hours => CASE WHEN t.deadline_class = c.deadline_class
                                                         THEN coalesce(c.deadline_hours, dc.hours) ELSE dc.hours END),
    version = t.version + 1
FROM categories c, deadline_classes dc
WHERE t.id = $id::bigint AND c.code = t.category_code AND dc.code = t.deadline_class
RETURNING t.status, t.due_at
