-- The nearest object of a kind the ticket category can be about (categories.object_kinds), within $radius metres.
SELECT o.id, o.kind,
       ST_Distance(o.geom::geography, ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography) AS distance_m
FROM objects o
WHERE ST_DWithin(o.geom::geography, ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography, $radius::float8)
  AND o.kind IN (SELECT jsonb_array_elements_text(c.object_kinds) FROM categories c WHERE c.code = $category_code)
ORDER BY o.geom::geography <-> ST_SetSRID(ST_MakePoint($lon::float8, $lat::float8), 4326)::geography, o.id
LIMIT 1
