-- Tile layer "outages": the zones of outages that are not over (active, or announced and yet
-- to start), with utility, kind, window and the public text. Upcoming zones come first so
-- active ones are drawn over them. The zone is cut to the tile in its own SRID before it is
-- transformed, so a city-wide zone costs a clip, not a transform of every vertex, per tile.
SELECT ST_Transform(ST_ClipByBox2D(o.zone, Box2D(bounds.area)), 3857) AS geom,
       jsonb_build_object(
         'id', o.id,
         'utility', o.utility,
         'kind', o.kind,
         'active', o.starts_at <= $now::timestamptz,
         'starts_at', to_char(o.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
         'ends_at', to_char(o.ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
         'public_text', o.public_text) AS properties,
       CASE WHEN o.starts_at > $now::timestamptz THEN o.starts_at ELSE o.ends_at END AS expires_at
FROM outages o CROSS JOIN bounds
WHERE o.zone && bounds.area
  AND o.status IN ('scheduled', 'active')
  AND (o.ends_at IS NULL OR o.ends_at > $now::timestamptz)
ORDER BY o.starts_at <= $now::timestamptz, o.id
