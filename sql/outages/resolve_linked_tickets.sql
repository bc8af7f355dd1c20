-- Moves the tickets waiting on a resolved outage to 'done' together, each with a public 'outage_resolved' event (the reporter is notified through it and may reopen).
WITH moved AS (
  UPDATE tickets t
  SET status = 'done', done_at = $now::timestamptz, completion_note = coalesce(t.completion_note, $note::text),
      version = t.version + 1
  WHERE t.outage_id = $outageId::bigint AND t.status = 'new'
  RETURNING t.id
),
events AS (
  INSERT INTO ticket_events (ticket_id, at, kind, actor_user_id, actor_kind, from_status, to_status, note, public, data)
  SELECT moved.id, $now::timestamptz, 'outage_resolved', $actorUserId::int, $actorKind::text, 'new', 'done', $note::text, true,
         jsonb_build_object('outage_id', $outageId::bigint)
  FROM moved
)
SELECT count(*)::int AS moved FROM moved
