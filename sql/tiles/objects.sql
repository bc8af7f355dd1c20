-- Tile layer "objects": infrastructure objects by kind, utility and ownership status. Owners,
-- evidence and photos are for the inspector's card, not the map. Network lines are cut to
-- the tile in their own SRID before they are transformed. The tile's objects are found by the
-- spatial index first and only then put in order: asked for both at once, the planner may walk
-- the primary key in id order and test every object in the city against the tile.
WITH hit AS MATERIALIZED (
  SELECT o.id, o.kind, o.geom, o.ownership_status
  FROM objects o CROSS JOIN bounds
  WHERE o.geom && bounds.area
)
SELECT ST_Transform(CASE WHEN GeometryType(o.geom) = 'POINT' THEN o.geom
                         ELSE ST_ClipByBox2D(o.geom, Box2D(bounds.area)) END, 3857) AS geom,
       jsonb_build_object(
         'id', o.id,
         'kind', o.kind,
         'utility', k.utility,
         'ownership_status', o.ownership_status) AS properties,
       NULL::timestamptz AS expires_at
FROM hit o
JOIN object_kinds k ON k.code = o.kind
CROSS JOIN bounds
ORDER BY o.id
