-- Moves a ticket to $to at $now, stamping the milestone it reaches (accepted, done, left the
-- open set) and the executor's completion report; reopening clears done and closed, and a
-- ticket back at 'new' (clarified) gives its executor a fresh acceptance window.
UPDATE tickets t
SET status = $to::text,
    version = t.version + 1,
    updated_at = $now::timestamptz,
    accept_due_at = CASE WHEN $to::text = 'new'
                         THEN greatest($now::timestamptz + make_interval(mins => $acceptMinutes::integer), t.created_at + interval '1 second')
                         ELSE t.accept_due_at END,
    accepted_at = CASE WHEN $to::text = 'accepted' THEN $now::timestamptz ELSE t.accepted_at END,
    done_at = CASE WHEN $to::text = 'done' THEN $now::timestamptz
                   WHEN $to::text = 'reopened' THEN NULL ELSE t.done_at END,
    closed_at = CASE WHEN NOT s.is_open THEN $now::timestamptz
                     WHEN $to::text = 'reopened' THEN NULL ELSE t.closed_at END,
    duplicate_of = CASE WHEN $to::text = 'duplicate' THEN $duplicateOf::bigint ELSE t.duplicate_of END,
    completion_note = CASE WHEN $to::text = 'done' THEN $completionNote::text ELSE t.completion_note END,
    completion_media_url = CASE WHEN $to::text = 'done' THEN $completionMediaUrl::text ELSE t.completion_media_url END,
    completion_location = CASE WHEN $to::text = 'done' AND $completionLon::float8 IS NOT NULL
                               THEN ST_SetSRID(ST_MakePoint($completionLon::float8, $completionLat::float8), 4326)
                               WHEN $to::text = 'done' THEN NULL
                               ELSE t.completion_location END
FROM ticket_statuses s
WHERE t.id = $id::bigint AND s.code = $to::text AND t.version = $version::integer
RETURNING t.id, t.status, t.version
