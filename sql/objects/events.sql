-- An object's history, oldest first, with who made each change.
SELECT e.id, e.at, e.kind, e.note, e.data,
       CASE WHEN u.id IS NOT NULL THEN jsonb_build_object('id', u.id, 'display_name', u.display_name, 'role', u.role) END AS actor
FROM object_events e
LEFT JOIN users u ON u.id = e.actor_user_id
WHERE e.object_id = $id
ORDER BY e.at, e.id
