-- Tile layer "service_areas": which executor answers for which category where. An area may
-- cover the whole city, so it is cut to the tile in its own SRID before it is transformed.
SELECT ST_Transform(ST_ClipByBox2D(s.geom, Box2D(bounds.area)), 3857) AS geom,
       jsonb_build_object(
         'id', s.id,
         'category', s.category_code,
         'executor', e.code,
         'name', s.name) AS properties,
       NULL::timestamptz AS expires_at
FROM service_areas s
JOIN organisations e ON e.id = s.executor_id
CROSS JOIN bounds
WHERE s.geom && bounds.area
ORDER BY s.priority, s.id
