-- The fields a change of a ticket depends on, locked for the transaction; none when
-- $scopeExecutorId (an executor's organisation) is given and the ticket is not routed to it.
SELECT t.id, t.status, t.executor_id, t.version, t.deadline_class, t.needs_routing,
       dc.accept_minutes
FROM tickets t
JOIN deadline_classes dc ON dc.code = t.deadline_class
WHERE t.id = $id::bigint
  AND ($scopeExecutorId::integer IS NULL OR t.executor_id = $scopeExecutorId::integer)
FOR UPDATE OF t
