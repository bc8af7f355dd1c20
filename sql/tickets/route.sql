-- The executor for a point and a category: the covering service area with the highest priority, then
-- the smallest one; when none covers the point, the default executor (the contact centre), flagged.
-- Intake applies the same rule inside misto_intake_ticket() (migration 0012): change both together.
WITH point AS (
  SELECT ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326) AS geom
), covering AS (
  SELECT sa.id AS service_area_id, sa.executor_id
  FROM service_areas sa, point
  WHERE sa.category_code = $category::text AND ST_Intersects(sa.geom, point.geom)
  ORDER BY sa.priority DESC, ST_Area(sa.geom::geography), sa.id
  LIMIT 1
), chosen AS (
  SELECT executor_id, service_area_id, 'service_area' AS routed_by, false AS needs_routing FROM covering
  UNION ALL
  SELECT o.id, NULL::integer, 'default', true
  FROM organisations o
  WHERE o.code = $defaultExecutor::text AND NOT EXISTS (SELECT 1 FROM covering)
)
SELECT o.id AS executor_id, o.code AS executor_code, o.name AS executor_name, o.public_phone AS executor_phone,
       chosen.routed_by, chosen.needs_routing, chosen.service_area_id
FROM chosen JOIN organisations o ON o.id = chosen.executor_id
