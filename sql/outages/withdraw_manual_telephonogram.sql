-- Withdraws one live manual telephonogram by hand (an outage's follow their outage and are not withdrawn this way).
UPDATE telephonograms
SET withdrawn_at = greatest($now::timestamptz, attached_at), withdrawn_reason = 'manual'
WHERE id = $id::bigint AND outage_id IS NULL AND withdrawn_at IS NULL
RETURNING id, address_id, withdrawn_at
