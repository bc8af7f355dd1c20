-- Tile layer "buildings": footprints of buildings without an address (addressed footprints
-- are the addresses layer), the rest of the basemap.
SELECT ST_Transform(b.footprint, 3857) AS geom,
       jsonb_build_object('id', b.id, 'levels', b.levels) AS properties,
       NULL::timestamptz AS expires_at
FROM buildings b
CROSS JOIN bounds
WHERE b.footprint && bounds.area
ORDER BY b.id
