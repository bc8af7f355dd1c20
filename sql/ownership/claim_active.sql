-- The standing claim of one organisation on one object for one role, if it has one.
SELECT id, claim, filed_at
FROM ownership_claims
WHERE object_id = $object_id AND organisation_id = $organisation_id AND role = $role AND resolved_at IS NULL
