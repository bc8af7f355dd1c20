-- When an inspector accepts an "ours" claim, the other standing claims on the same object and role are settled by
-- it: another organisation's "ours" is rejected, a "not ours" (which agrees) is accepted; each names the deciding claim.
UPDATE ownership_claims
SET resolution = CASE WHEN claim = 'ours' THEN 'rejected' ELSE 'accepted' END,
    resolution_reason = $reason,
    resolved_at = $now,
    resolved_by = $resolved_by
WHERE object_id = $object_id AND role = $role AND id <> $decided_by AND resolved_at IS NULL
RETURNING id, organisation_id, claim, resolution
