-- Builds a drawn zone from a GeoJSON Polygon/MultiPolygon: the MultiPolygon, whether it is valid (and why not), its area, whether it touches the city, and (with $count) how many addresses it covers.
-- The zone is in the city when an address lies within about 1 km (0.01°) of it: one probe of the
-- GiST index on addresses.point. With no addresses yet there is nothing to compare against and
-- every zone is in. A save does not ask for the count ($count false): attaching counts the same
-- addresses, and a second spatial join over a big zone would double the cost.
WITH drawn AS (
  SELECT ST_SetSRID(ST_GeomFromGeoJSON($geojson::text), 4326) AS g
),
zone AS (
  SELECT g, ST_IsValid(g) AS valid, ST_IsEmpty(g) OR ST_Area(g) = 0 AS empty,
         CASE WHEN ST_IsValid(g) AND NOT ST_IsEmpty(g) AND ST_Area(g) > 0 THEN ST_Multi(g) END AS zone
  FROM drawn
)
SELECT zone.zone::text AS zone,
       ST_AsGeoJSON(zone.zone, 6)::json AS zone_geojson,
       zone.valid,
       CASE WHEN NOT zone.valid THEN ST_IsValidReason(zone.g) END AS invalid_reason,
       zone.empty,
       coalesce(ST_Area(zone.zone::geography), 0)::float8 AS area_m2,
       zone.zone IS NOT NULL
         AND (NOT EXISTS (SELECT 1 FROM addresses) OR EXISTS (SELECT 1 FROM addresses a WHERE ST_DWithin(a.point, zone.zone, 0.01))) AS in_city,
       CASE WHEN $count::boolean THEN (SELECT count(*)::int FROM addresses a WHERE ST_Intersects(zone.zone, a.point)) END AS address_count
FROM zone
