-- Builds a drawn zone from a GeoJSON Polygon/MultiPolygon: the MultiPolygon, whether it is valid (and why not), its area, whether it touches the city, and how many addresses it covers.
-- The city is the extent of the addresses with a 1 km margin; with no addresses yet there is
-- nothing to compare against and every zone is in.
WITH drawn AS (
  SELECT ST_SetSRID(ST_GeomFromGeoJSON($geojson::text), 4326) AS g
),
zone AS (
  SELECT g, ST_IsValid(g) AS valid, ST_IsEmpty(g) OR ST_Area(g) = 0 AS empty,
         CASE WHEN ST_IsValid(g) AND NOT ST_IsEmpty(g) AND ST_Area(g) > 0 THEN ST_Multi(g) END AS zone
  FROM drawn
),
city AS (
  SELECT ST_SetSRID(ST_Expand(ST_Extent(point), 0.01)::geometry, 4326) AS extent FROM addresses
)
SELECT zone.zone::text AS zone,
       ST_AsGeoJSON(zone.zone, 6)::json AS zone_geojson,
       zone.valid,
       CASE WHEN NOT zone.valid THEN ST_IsValidReason(zone.g) END AS invalid_reason,
       zone.empty,
       coalesce(ST_Area(zone.zone::geography), 0)::float8 AS area_m2,
       coalesce(city.extent IS NULL OR ST_Intersects(zone.zone, city.extent), false) AS in_city,
       (SELECT count(*)::int FROM addresses a WHERE ST_Intersects(zone.zone, a.point)) AS address_count
FROM zone, city
