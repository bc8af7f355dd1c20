-- Builds a zone from an explicit list of address ids: the union of their footprints and points, slightly buffered, how many were found, and which ids do not exist.
-- As for a street range, the listed addresses are the answer and the shape only draws them.
WITH listed AS (
  SELECT DISTINCT value::integer AS id FROM jsonb_array_elements_text($addressIds::jsonb)
),
chosen AS (
  SELECT a.id,
         CASE WHEN a.footprint IS NULL THEN ST_Buffer(a.point::geography, 10)::geometry
              ELSE ST_Union(ST_Buffer(a.footprint::geography, 3)::geometry, ST_Buffer(a.point::geography, 3)::geometry)
         END AS shape
  FROM addresses a JOIN listed l ON l.id = a.id
),
zone AS (
  SELECT ST_Multi(ST_Union(shape)) AS zone, count(*)::int AS address_count FROM chosen
)
SELECT zone.zone::text AS zone,
       ST_AsGeoJSON(zone.zone, 6)::json AS zone_geojson,
       coalesce(ST_Area(zone.zone::geography), 0)::float8 AS area_m2,
       zone.address_count,
       coalesce((SELECT jsonb_agg(l.id ORDER BY l.id) FROM listed l WHERE NOT EXISTS (SELECT 1 FROM addresses a WHERE a.id = l.id)), '[]'::jsonb) AS missing_ids
FROM zone
