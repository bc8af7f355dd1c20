-- A ticket's history as its reporter sees it: public events only, no staff names.
SELECT e.at, e.kind, e.from_status, e.to_status, e.note
FROM ticket_events e
WHERE e.ticket_id = $id::bigint AND e.public
ORDER BY e.at, e.id
