-- Records an inspector's resolution of one standing claim; the claim itself stays as it was filed.
UPDATE ownership_claims
SET resolution = $resolution, resolution_reason = $reason, resolved_at = $now, resolved_by = $resolved_by
WHERE id = $id AND resolved_at IS NULL
RETURNING id
