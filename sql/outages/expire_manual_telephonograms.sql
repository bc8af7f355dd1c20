-- The status clock, third step: manual telephonograms past their valid_until are withdrawn as expired.
WITH expired AS (
  UPDATE telephonograms
  SET withdrawn_at = greatest(valid_until, attached_at), withdrawn_reason = 'expired'
  WHERE outage_id IS NULL AND withdrawn_at IS NULL AND valid_until <= $now::timestamptz
  RETURNING 1
)
SELECT count(*)::int AS expired FROM expired
