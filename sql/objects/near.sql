-- The nearest object of the given kinds ($kinds: a JSON array) within $radius metres: public fields only.
SELECT o.id, o.kind, o.label, o.ownership_status,
       ST_X(ST_PointOnSurface(o.geom)) AS lon, ST_Y(ST_PointOnSurface(o.geom)) AS lat,
       round(ST_Distance(o.geom::geography, ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography)::numeric, 1)::float8 AS distance_m
FROM objects o
WHERE ST_DWithin(o.geom::geography, ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography, $radius::float8)
  AND o.kind IN (SELECT jsonb_array_elements_text($kinds::jsonb))
ORDER BY o.geom::geography <-> ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography, o.id
LIMIT 1
