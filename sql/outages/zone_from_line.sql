-- Builds a zone from a network line (drawn as GeoJSON, or an infrastructure object's) and a buffer in metres: the MultiPolygon, the line, and (with $count) how many addresses it covers.
-- The buffer is taken on the geography, so buffer_m is metres on the ground whatever the latitude.
-- "In the city" and $count as in zone_from_polygon.sql.
WITH object AS (
  SELECT o.geom, k.geometry AS kind_geometry, k.code AS kind
  FROM objects o JOIN object_kinds k ON k.code = o.kind
  WHERE o.id = $objectId::bigint
),
source AS (
  SELECT CASE WHEN $objectId::bigint IS NULL THEN ST_SetSRID(ST_GeomFromGeoJSON($geojson::text), 4326)
              ELSE (SELECT geom FROM object) END AS line
),
checked AS (
  SELECT line,
         line IS NOT NULL AND GeometryType(line) = 'LINESTRING' AND ST_IsValid(line) AND ST_Length(line::geography) > 0 AS usable
  FROM source
),
zone AS (
  SELECT line, usable,
         CASE WHEN usable THEN ST_Multi(ST_Buffer(line::geography, $bufferM::float8)::geometry) END AS zone
  FROM checked
)
SELECT zone.zone::text AS zone,
       ST_AsGeoJSON(zone.zone, 6)::json AS zone_geojson,
       CASE WHEN zone.usable THEN zone.line::text END AS line,
       zone.usable,
       $objectId::bigint IS NULL OR EXISTS (SELECT 1 FROM object) AS object_found,
       (SELECT kind FROM object) AS object_kind,
       coalesce(ST_Area(zone.zone::geography), 0)::float8 AS area_m2,
       zone.zone IS NOT NULL
         AND (NOT EXISTS (SELECT 1 FROM addresses) OR EXISTS (SELECT 1 FROM addresses a WHERE ST_DWithin(a.point, zone.zone, 0.01))) AS in_city,
       CASE WHEN $count::boolean THEN (SELECT count(*)::int FROM addresses a WHERE ST_Intersects(zone.zone, a.point)) END AS address_count
FROM zone
