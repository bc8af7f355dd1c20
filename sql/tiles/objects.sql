-- Tile layer "objects": infrastructure objects by kind, utility and ownership status. Owners,
-- evidence and photos are for the inspector's card, not the map. Network lines are cut to
-- the tile in their own SRID before they are transformed.
SELECT ST_Transform(CASE WHEN GeometryType(o.geom) = 'POINT' THEN o.geom
                         ELSE ST_ClipByBox2D(o.geom, Box2D(bounds.area)) END, 3857) AS geom,
       jsonb_build_object(
         'id', o.id,
         'kind', o.kind,
         'utility', k.utility,
         'ownership_status', o.ownership_status) AS properties,
       NULL::timestamptz AS expires_at
FROM objects o
JOIN object_kinds k ON k.code = o.kind
CROSS JOIN bounds
WHERE o.geom && bounds.area
ORDER BY o.id
