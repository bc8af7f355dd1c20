-- Whether $actor may move a ticket from $from to $to, and whether it may reach $to from any status at all.
SELECT EXISTS (SELECT 1 FROM ticket_transitions
               WHERE from_status = $from::text AND to_status = $to::text AND actor = $actor::text) AS allowed,
       EXISTS (SELECT 1 FROM ticket_transitions
               WHERE to_status = $to::text AND actor = $actor::text) AS reachable
