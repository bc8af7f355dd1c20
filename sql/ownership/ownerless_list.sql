-- The ownerless register as the public may see it (public notice is the law's point): by stage in path order, then
-- oldest found first; the dates that matter and year_passed (the year after taking on record has run out by $now).
-- No finder, note, photos or claims. $stage NULL lists every stage.
SELECT r.id, r.object_id, o.kind, k.name_uk AS kind_name_uk, k.name_en AS kind_name_en, o.label,
       ST_X(ST_PointOnSurface(o.geom)) AS lon, ST_Y(ST_PointOnSurface(o.geom)) AS lat,
       ST_AsGeoJSON(o.geom, 7)::jsonb AS geometry,
       r.stage, r.danger_level, r.found_at, r.recorded_at, r.record_ref, r.notice_at, r.notice_ref,
       r.eligible_from::text AS eligible_from,
       (r.eligible_from IS NOT NULL AND ($now::timestamptz AT TIME ZONE 'UTC')::date >= r.eligible_from) AS year_passed,
       r.transferred_at, r.court_ref, r.owner_found_at, o.source,
       count(*) OVER () AS total
FROM ownerless_records r
JOIN objects o ON o.id = r.object_id
JOIN object_kinds k ON k.code = o.kind
WHERE ($stage::text IS NULL OR r.stage = $stage::text)
ORDER BY array_position(ARRAY['found', 'on_record', 'public_notice', 'eligible', 'transferred', 'owner_found'], r.stage),
         r.found_at, r.id
LIMIT $limit::integer OFFSET $offset::integer
