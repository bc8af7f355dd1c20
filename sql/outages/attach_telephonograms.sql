-- Attaches a telephonogram with the outage's current public text to every address it covers that has none live yet, in one set-based statement; returns how many.
-- outage_address_ids() is the spatial join on the GiST index of addresses.point for a drawn
-- zone (the named houses for a street range or list); EXCEPT drops the addresses already
-- notified with one hash, whatever the planner guesses about freshly inserted rows. Writers take
-- the telephonogram lock first, so no concurrent attach can slip in between. The text is
-- copied, not referenced: it is what was read out, and a later edit must not rewrite it.
WITH missing AS (
  SELECT m.address_id FROM outage_address_ids($outageId::bigint) m
  EXCEPT
  SELECT t.address_id FROM telephonograms t WHERE t.outage_id = $outageId::bigint AND t.withdrawn_at IS NULL
),
attached AS (
  INSERT INTO telephonograms (outage_id, address_id, text, attached_at)
  SELECT o.id, missing.address_id, o.public_text, $now::timestamptz
  FROM outages o CROSS JOIN missing
  WHERE o.id = $outageId::bigint
  RETURNING 1
)
SELECT count(*)::int AS attached FROM attached
