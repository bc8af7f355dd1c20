-- Template for one layer of a tile encoded by PostGIS (real PostgreSQL). tiles/sql.ts fills in
-- the layer's id and its rows (the text of sql/tiles/<layer>.sql) where the double braces
-- stand; the blocks of a tile's layers follow the bounds CTE, joined by UNION ALL.
-- OFFSET 0 keeps ST_AsMVTGeom from being inlined into, and computed twice by, the aggregates.
SELECT '{{layer}}' AS layer,
       coalesce(ST_AsMVT(ROW(mvt.geom, mvt.properties)::misto_tile_feature, '{{layer}}', 4096, 'geom'), '') AS tile,
       min(mvt.expires_at) FILTER (WHERE mvt.geom IS NOT NULL) AS expires_at
FROM (
  SELECT ST_AsMVTGeom(f.geom, bounds.tile, 4096, 64) AS geom, f.properties, f.expires_at
  FROM (
{{rows}}
  ) f CROSS JOIN bounds
  OFFSET 0
) mvt
