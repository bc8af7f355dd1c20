-- Links a new ticket to the live outage of its category's utility whose zone covers the ticket's point, records an 'outage_linked' event, and returns the outage.
-- A 'scheduled' outage whose start has passed counts too: the status clock runs once a minute
-- and a caller must not miss a known outage because of that lag. FOR SHARE makes a resolve
-- that commits meanwhile either wait for this link or be seen by it (then nothing is linked).
WITH ticket AS (
  SELECT t.id, t.location, c.utility
  FROM tickets t
  JOIN categories c ON c.code = t.category_code
  WHERE t.id = $ticketId AND t.status = 'new' AND t.outage_id IS NULL AND c.utility IS NOT NULL
),
outage AS (
  SELECT o.id, o.public_text, o.ends_at
  FROM ticket t
  JOIN outages o ON o.utility = t.utility AND ST_Intersects(o.zone, t.location)
  WHERE o.status IN ('scheduled', 'active')
    AND o.starts_at <= $now::timestamptz
    AND (o.ends_at IS NULL OR o.ends_at > $now::timestamptz)
  -- An emergency explains a sudden complaint better than planned work; then the latest one.
  ORDER BY (o.kind = 'emergency') DESC, o.starts_at DESC, o.id DESC
  LIMIT 1
  FOR SHARE OF o
),
linked AS (
  UPDATE tickets t SET outage_id = outage.id
  FROM outage
  WHERE t.id = $ticketId
  RETURNING t.id
),
event AS (
  INSERT INTO ticket_events (ticket_id, at, kind, actor_kind, note, public, data)
  SELECT linked.id, $now::timestamptz, 'outage_linked', 'system', outage.public_text, true,
         jsonb_build_object('outage_id', outage.id, 'ends_at', outage.ends_at)
  FROM linked, outage
)
SELECT outage.id AS outage_id, outage.public_text, outage.ends_at
FROM outage, linked
