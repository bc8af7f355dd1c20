-- Ownership claims across the city for the inspector's list: standing ones ($standing true), resolved ones (false)
-- or all (NULL); latest filed or resolved first, each with its object (kind, label, status, a point on it), the
-- organisation and the resolution. total counts every match before $limit.
SELECT c.id, c.object_id, c.claim, c.role, c.evidence_ref, c.evidence_date::text AS evidence_date, c.filed_at,
       jsonb_build_object('id', org.id, 'code', org.code, 'name', org.name) AS organisation,
       c.resolution, c.resolution_reason, c.resolved_at,
       o.kind, k.name_uk AS kind_name_uk, k.name_en AS kind_name_en, o.label, o.ownership_status,
       ST_X(ST_PointOnSurface(o.geom)) AS lon, ST_Y(ST_PointOnSurface(o.geom)) AS lat,
       count(*) OVER () AS total
FROM ownership_claims c
JOIN organisations org ON org.id = c.organisation_id
JOIN objects o ON o.id = c.object_id
JOIN object_kinds k ON k.code = o.kind
WHERE ($standing::boolean IS NULL OR (c.resolved_at IS NULL) = $standing::boolean)
ORDER BY coalesce(c.resolved_at, c.filed_at) DESC, c.id DESC
LIMIT $limit::integer
