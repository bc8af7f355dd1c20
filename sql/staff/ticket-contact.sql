-- The caller's private details of one ticket (staff detail only, by role).
SELECT first_name, last_name, phone, email, anonymised_at
FROM ticket_contacts
WHERE ticket_id = $ticketId::bigint
