-- Ends an open ownerless record because an owner came forward (an accepted "ours" claim).
UPDATE ownerless_records
SET stage = 'owner_found', owner_found_at = $now
WHERE object_id = $object_id AND stage NOT IN ('transferred', 'owner_found')
RETURNING id, stage
