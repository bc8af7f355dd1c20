-- One claim, locked, with what resolving it needs to know.
SELECT c.id, c.object_id, c.organisation_id, c.claim, c.role, c.evidence_ref, c.evidence_date::text AS evidence_date,
       c.resolution, c.resolved_at
FROM ownership_claims c
WHERE c.id = $id
FOR UPDATE
