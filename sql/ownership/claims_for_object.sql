-- Every ownership claim on an object, standing ones first, then by when they were filed; kept as filed, with the inspector's resolution.
SELECT c.id, c.claim, c.role, c.evidence_ref, c.evidence_date::text AS evidence_date, c.filed_at,
       jsonb_build_object('id', org.id, 'code', org.code, 'name', org.name) AS organisation,
       CASE WHEN fu.id IS NOT NULL THEN jsonb_build_object('id', fu.id, 'display_name', fu.display_name) END AS filed_by,
       c.resolution, c.resolution_reason, c.resolved_at,
       CASE WHEN ru.id IS NOT NULL THEN jsonb_build_object('id', ru.id, 'display_name', ru.display_name) END AS resolved_by
FROM ownership_claims c
JOIN organisations org ON org.id = c.organisation_id
LEFT JOIN users fu ON fu.id = c.filed_by
LEFT JOIN users ru ON ru.id = c.resolved_by
WHERE c.object_id = $object_id
ORDER BY c.resolved_at IS NOT NULL, c.filed_at, c.id
