-- Tile layer "streets": street lines with their names, the basemap (there is no external one
-- on the centre's network). Cut to the tile in their own SRID before they are transformed.
SELECT ST_Transform(ST_ClipByBox2D(s.geom, Box2D(bounds.area)), 3857) AS geom,
       jsonb_build_object('id', s.id, 'name', s.name) AS properties,
       NULL::timestamptz AS expires_at
FROM streets s
CROSS JOIN bounds
WHERE s.geom && bounds.area
ORDER BY s.id
