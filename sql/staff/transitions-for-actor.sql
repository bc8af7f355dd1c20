-- Every status move the workflow allows an actor, for the ticket detail's "what can I do next".
SELECT from_status, to_status FROM ticket_transitions WHERE actor = $actor::text ORDER BY from_status, to_status
