-- Template for one layer of a tile encoded in Node (tiles/mvt-encode.ts), for the embedded
-- PostGIS that has no ST_AsMVT: the same rows as encode_postgis.sql, in tile coordinates by
-- misto_tile_geom instead of ST_AsMVTGeom, one row per feature. tiles/sql.ts fills in the
-- layer's id and rows where the double braces stand, as for encode_postgis.sql.
SELECT '{{layer}}' AS layer, ST_AsBinary(mvt.geom) AS geom, mvt.properties, mvt.expires_at
FROM (
  SELECT misto_tile_geom(f.geom, bounds.tile, 4096, 64) AS geom, f.properties, f.expires_at
  FROM (
{{rows}}
  ) f CROSS JOIN bounds
  OFFSET 0
) mvt
WHERE mvt.geom IS NOT NULL
