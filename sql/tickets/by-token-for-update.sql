-- The ticket a citizen's token stands for (a duplicate's token stands for its original: its reporter
-- follows the original), locked for a change, with what the workflow lets a citizen do to it now.
SELECT root.id, root.status, root.rating, root.done_at, root.closed_at, t.id AS token_ticket_id,
       EXISTS (SELECT 1 FROM ticket_transitions tr
               WHERE tr.from_status = root.status AND tr.to_status = 'reopened' AND tr.actor = 'citizen') AS may_reopen,
       EXISTS (SELECT 1 FROM ticket_transitions tr
               WHERE tr.from_status = root.status AND tr.to_status = 'closed' AND tr.actor = 'citizen') AS may_close,
       EXISTS (SELECT 1 FROM ticket_transitions tr
               WHERE tr.from_status = root.status AND tr.to_status = 'new' AND tr.actor = 'citizen') AS may_clarify
FROM tickets t
JOIN tickets root ON root.id = coalesce(t.duplicate_of, t.id)
WHERE t.token = $token::uuid
FOR UPDATE OF root
