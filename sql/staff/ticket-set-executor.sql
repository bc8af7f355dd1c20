-- Hands a ticket to another executor at $now: by hand (route) or back to the contact centre
-- (decline). A manual route restarts the acceptance clock for the new executor.
UPDATE tickets
SET executor_id = $executorId::integer,
    routed_by = $routedBy::text,
    needs_routing = $needsRouting::boolean,
    accept_due_at = CASE WHEN $restartAcceptance::boolean
                         THEN greatest($now::timestamptz + make_interval(mins => $acceptMinutes::integer), created_at + interval '1 second')
                         ELSE accept_due_at END,
    version = version + 1,
    updated_at = $now::timestamptz
WHERE id = $id::bigint AND version = $version::integer
RETURNING id, status, version, executor_id
