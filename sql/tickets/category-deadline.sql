-- A category's deadline as intake would set it: its class, and its own hours or the class's.
SELECT c.code, c.active, dc.code AS deadline_class, coalesce(c.deadline_hours, dc.hours) AS hours, dc.accept_minutes
FROM categories c JOIN deadline_classes dc ON dc.code = c.deadline_class
WHERE c.code = $category::text
