-- A ticket's whole history for staff, public and internal, oldest first, with who acted.
SELECT e.id, e.at, e.kind, e.actor_kind, e.actor_user_id, u.display_name AS actor_name,
       e.from_status, e.to_status, e.note, e.public, e.data
FROM ticket_events e
LEFT JOIN users u ON u.id = e.actor_user_id
WHERE e.ticket_id = $ticketId::bigint
ORDER BY e.at, e.id
