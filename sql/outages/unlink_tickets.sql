-- Releases tickets from an outage to their executor's queue, each with an 'outage_unlinked' event: one ticket by hand ($ticketId), or every ticket still waiting when the outage is cancelled.
WITH released AS (
  UPDATE tickets t
  SET outage_id = NULL, version = t.version + 1
  WHERE t.outage_id = $outageId::bigint
    AND CASE WHEN $ticketId::bigint IS NULL THEN t.status = 'new' ELSE t.id = $ticketId::bigint END
  RETURNING t.id, t.status
),
events AS (
  INSERT INTO ticket_events (ticket_id, at, kind, actor_user_id, actor_kind, from_status, to_status, note, public, data)
  SELECT released.id, $now::timestamptz, 'outage_unlinked', $actorUserId::int, $actorKind::text, NULL, NULL, $note::text, true,
         jsonb_build_object('outage_id', $outageId::bigint)
  FROM released
)
SELECT id FROM released
