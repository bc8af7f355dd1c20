-- What the reporter's card needs to say what they may do: status, rating, when it was done, whether the workflow lets a citizen reopen or clarify it.
SELECT t.status, t.rating, t.done_at, t.closed_at,
       EXISTS (SELECT 1 FROM ticket_transitions tr
               WHERE tr.from_status = t.status AND tr.to_status = 'reopened' AND tr.actor = 'citizen') AS may_reopen,
       EXISTS (SELECT 1 FROM ticket_transitions tr
               WHERE tr.from_status = t.status AND tr.to_status = 'new' AND tr.actor = 'citizen') AS may_clarify
FROM tickets t WHERE t.id = $id::bigint
