-- Withdraws an outage's live telephonograms, in one statement: all of them (cancelled, resolved, text changed) or, with $outsideZoneOnly, those of addresses its zone no longer covers.
WITH withdrawn AS (
  UPDATE telephonograms t
  SET withdrawn_at = greatest($now::timestamptz, t.attached_at), withdrawn_reason = $reason::text
  WHERE t.outage_id = $outageId::bigint AND t.withdrawn_at IS NULL
    AND (NOT $outsideZoneOnly::boolean
         OR t.address_id NOT IN (SELECT m.address_id FROM outage_address_ids($outageId::bigint) m))
  RETURNING 1
)
SELECT count(*)::int AS withdrawn FROM withdrawn
