-- Builds a street-range zone ("вул. Бучми, 10–20, парна сторона"): the union of the chosen houses' footprints and points, slightly buffered, and how many houses there are.
-- The houses are the answer (outage_address_ids picks them by street and number, not by this
-- shape); the shape exists to draw them on the map and to place a ticket pinned at one of them.
-- A house's point is included even when it lies outside its footprint (an entrance pin).
WITH street AS (
  SELECT id, name FROM streets WHERE id = $streetId::int
),
chosen AS (
  SELECT a.id,
         CASE WHEN a.footprint IS NULL THEN ST_Buffer(a.point::geography, 10)::geometry
              ELSE ST_Union(ST_Buffer(a.footprint::geography, 3)::geometry, ST_Buffer(a.point::geography, 3)::geometry)
         END AS shape
  FROM addresses a
  JOIN street s ON a.street_id = s.id
  WHERE misto_house_in_range(a.house_int, $houseFrom::int, $houseTo::int, $parity::text)
),
zone AS (
  SELECT ST_Multi(ST_Union(shape)) AS zone, count(*)::int AS address_count FROM chosen
)
SELECT zone.zone::text AS zone,
       ST_AsGeoJSON(zone.zone, 6)::json AS zone_geojson,
       EXISTS (SELECT 1 FROM street) AS street_found,
       (SELECT name FROM street) AS street_name,
       coalesce(ST_Area(zone.zone::geography), 0)::float8 AS area_m2,
       zone.address_count
FROM zone
